/** The AlwaysPullImages admission plugin: admit and validate, as upstream's plugin does both. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import { alwaysPullImages } from "../../plugins/admission-always-pull-images/index.js";
import type { AdmissionRequest } from "../../core/apiserver/admission.js";
import { BUILT_IN_TYPES } from "../../core/api/builtin/index.js";
import { StatusError } from "../../core/api/status.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { MemoryStore } from "../../core/store/memory-store.js";
import { objectStorageKey } from "../../core/store/keys.js";
import { definePlugin } from "../../core/plugins/plugin.js";
import { AdmissionPlugins } from "../../core/plugins/extension-points.js";
import { statusOf } from "../support/control-plane.js";

const pods = BUILT_IN_TYPES.find((t) => t.descriptor.group === "" && t.descriptor.plural === "pods")!.descriptor;
const ctx = {} as never;

const pod = (images: string[], policy = "IfNotPresent"): Pod => ({
  apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" },
  spec: { initContainers: [{ name: "init", image: "busybox", imagePullPolicy: policy }], containers: images.map((image, i) => ({ name: `c${i}`, image, imagePullPolicy: policy })) },
});
const request = (operation: "CREATE" | "UPDATE", object: Pod, oldObject?: Pod, subresource?: string): AdmissionRequest => ({
  operation, resource: pods, namespace: "default", name: "p", object: object as never, ...(oldObject ? { oldObject: oldObject as never } : {}), ...(subresource ? { subresource } : {}), dryRun: false,
});
const policies = (p: Pod): string[] => [...p.spec!.initContainers!, ...p.spec!.containers].map((c) => c.imagePullPolicy!);

function thrown(f: () => void): StatusError {
  try {
    f();
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  throw new Error("expected a Status error");
}

test("admit: new pods and updates that bring a new image get Always; updates with no new image and subresources are left alone", () => {
  const created = pod(["nginx:1.27"]);
  alwaysPullImages.admit!(request("CREATE", created), ctx);
  assert.equal(policies(created), ["Always", "Always"]);
  const relabelled = pod(["nginx:1.27"]);
  alwaysPullImages.admit!(request("UPDATE", relabelled, pod(["nginx:1.27"])), ctx);
  assert.equal(policies(relabelled), ["IfNotPresent", "IfNotPresent"]);
  const reordered = pod(["b:1", "a:1"]);
  alwaysPullImages.admit!(request("UPDATE", reordered, pod(["a:1", "b:1"])), ctx);
  assert.equal(policies(reordered), ["IfNotPresent", "IfNotPresent", "IfNotPresent"]);
  const newImage = pod(["nginx:1.28"]);
  alwaysPullImages.admit!(request("UPDATE", newImage, pod(["nginx:1.27"])), ctx);
  assert.equal(policies(newImage), ["Always", "Always"]);
  const status = pod(["nginx:1.28"]);
  alwaysPullImages.admit!(request("UPDATE", status, pod(["nginx:1.27"]), "status"), ctx);
  assert.equal(policies(status), ["IfNotPresent", "IfNotPresent"]);
});

test("validate: a container not pulling Always is Forbidden with its field path; several are aggregated", () => {
  const one = thrown(() => alwaysPullImages.validate!(request("CREATE", { ...pod(["nginx"]), spec: { containers: [{ name: "c", image: "nginx", imagePullPolicy: "Never" }] } }), ctx));
  assert.is(one.code, 403);
  assert.is(one.reason, "Forbidden");
  assert.is(one.message, 'pods "p" is forbidden: spec.containers[0].imagePullPolicy: Unsupported value: "Never": supported values: "Always"');
  const two = thrown(() => alwaysPullImages.validate!(request("CREATE", pod(["nginx"])), ctx));
  assert.is(two.message, '[pods "p" is forbidden: spec.initContainers[0].imagePullPolicy: Unsupported value: "IfNotPresent": supported values: "Always", pods "p" is forbidden: spec.containers[0].imagePullPolicy: Unsupported value: "IfNotPresent": supported values: "Always"]');
  alwaysPullImages.validate!(request("CREATE", pod(["nginx"], "Always")), ctx);
  alwaysPullImages.validate!(request("UPDATE", pod(["nginx"]), pod(["nginx"])), ctx); // no new image: not checked
});

test("in a cluster: a pod stored before the plugin was enabled can still be relabelled; a later mutation back to IfNotPresent is refused", async () => {
  const store = new MemoryStore();
  const relax = definePlugin({
    name: "relax-pull-policy",
    setup(ctx) {
      ctx.contribute(AdmissionPlugins, "RelaxPullPolicy", {
        name: "RelaxPullPolicy",
        operations: ["CREATE"],
        admit(r) {
          if (r.resource.plural === "pods" && r.object?.metadata?.labels?.["relax"]) for (const c of (r.object as Pod).spec!.containers) c.imagePullPolicy = "IfNotPresent";
        },
      });
    },
  });
  const after = new Cluster({ clock: "virtual", store }).use("admission-always-pull-images").use(relax);
  await after.start();
  try {
    const podsClient = after.client.resource("Pod");
    // A pod created before the plugin was enabled: its containers keep their own policy.
    const stored = structuredClone(await podsClient.create({ metadata: { name: "old", namespace: "default" }, spec: { containers: [{ name: "c", image: "nginx:1.27" }] } })) as Pod;
    stored.spec!.containers[0]!.imagePullPolicy = "IfNotPresent";
    await store.update(objectStorageKey("pods", "default", "old"), stored as never);
    const relabelled = (await podsClient.patch("old", "merge", { metadata: { labels: { team: "a" } } }, { namespace: "default" })) as Pod;
    assert.is(relabelled.metadata!.labels!["team"], "a");
    assert.is(relabelled.spec!.containers[0]!.imagePullPolicy, "IfNotPresent");
    const made = (await podsClient.create({ metadata: { name: "new", namespace: "default" }, spec: { containers: [{ name: "c", image: "nginx:1.27", imagePullPolicy: "Never" }] } })) as Pod;
    assert.is(made.spec!.containers[0]!.imagePullPolicy, "Always");
    const refused = await statusOf(podsClient.create({ metadata: { name: "relaxed", namespace: "default", labels: { relax: "yes" } }, spec: { containers: [{ name: "c", image: "nginx:1.27" }] } }));
    assert.is(refused.code, 403);
    assert.is(refused.message, 'pods "relaxed" is forbidden: spec.containers[0].imagePullPolicy: Unsupported value: "IfNotPresent": supported values: "Always"');
  } finally {
    await after.stop();
  }
});

test.run();
