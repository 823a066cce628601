/**
 * A third-party kubesim plugin, as its own package. It contributes a validating admission plugin:
 * a ConfigMap created or updated in a namespace labelled `greeting.example.com/required=true`
 * must carry a `greeting` label, or the API server refuses it with a Kubernetes `Status`.
 *
 * A published plugin imports from "kubesim"; this example imports the core by relative path so
 * it runs inside the kubesim repository without installing itself.
 */
import { definePlugin, AdmissionPlugins, invalid, fieldError, type AdmissionPlugin } from "../../core/index.js";

export const requireGreeting: AdmissionPlugin = {
  name: "example.com/RequireGreeting",
  operations: ["CREATE", "UPDATE"],
  async validate(request, ctx) {
    if (request.resource.plural !== "configmaps" || request.resource.group !== "" || !request.namespace) return;
    const ns = await ctx.client.resource("Namespace").get(request.namespace);
    if (ns.metadata?.labels?.["greeting.example.com/required"] !== "true") return;
    if (request.object?.metadata?.labels?.["greeting"]) return;
    throw invalid("ConfigMap", "", request.name ?? "", [fieldError.required("metadata.labels[greeting]", `namespace ${request.namespace} requires a greeting label`)]);
  },
};

export default definePlugin({
  name: "example-greeting",
  description: "requires a greeting label on ConfigMaps in opted-in namespaces",
  setup(ctx) {
    ctx.contribute(AdmissionPlugins, requireGreeting.name, requireGreeting);
    ctx.log.info("greeting admission installed");
    return () => {
      ctx.extensions(AdmissionPlugins).withdraw(requireGreeting.name);
    };
  },
});
