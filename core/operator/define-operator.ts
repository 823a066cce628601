import type { CustomResourceDefinition } from "kubernetes-types/apiextensions/v1.js";
import { Client } from "../client/client.js";
import { Controllers } from "../controller/extension-point.js";
import type { Manager } from "../controller/manager.js";
import { Images, type ImageDefinition } from "../cri/images.js";
import { definePlugin, type DefinedPlugin, type PluginContext, type Teardown } from "../plugins/plugin.js";
import type { PluginConfigSchema } from "../plugins/plugin-config.js";
import type { CustomResourceKind } from "./custom-resource.js";
import { installCustomResourceDefinitions } from "./install-crds.js";
import { CustomResourceConverters, customResourceConverterName } from "../apiserver/apiextensions/custom-resource-converters.js";

/** A controller of an operator: builds its controller(s) on the cluster's manager, with the plugin's context at hand. */
export type OperatorController<C> = (mgr: Manager, ctx: PluginContext<C>) => void | Promise<void>;

export interface OperatorDefinition<C = unknown> {
  /** The plugin's name (`operator-etcd`). */
  name: string;
  description?: string;
  requires?: readonly string[];
  config?: PluginConfigSchema<C>;
  /** The CRDs it serves, installed (and waited for) when the cluster starts, before its controllers. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  customResources: readonly (CustomResourceKind<any, any> | CustomResourceDefinition)[];
  /** Its controllers by name, contributed to `Controllers`. */
  controllers: Readonly<Record<string, OperatorController<C>>>;
  /** Images its workloads run (an operand's behaviour), contributed to `Images`. */
  images?: readonly ImageDefinition[];
  /** Anything else to set up (after the CRDs are served); may return a teardown. */
  setup?: (ctx: PluginContext<C>) => void | Teardown | Promise<void | Teardown>;
}

/**
 * An operator as a plugin — no extension point of its own: its CRDs are created through the
 * cluster's client when the plugin starts (the start waits until each is Established and served;
 * a refused CRD fails the start naming it), its controllers go to the `Controllers` point, its
 * images to `Images` and its kinds' conversion functions to `CustomResourceConverters`. The CRDs stay when the cluster stops (as `kubectl delete` of an operator's
 * Deployment leaves them); the contributions are withdrawn.
 */
export function defineOperator<C = unknown>(o: OperatorDefinition<C>): DefinedPlugin<C> {
  return definePlugin<C>({
    name: o.name,
    ...(o.description ? { description: o.description } : {}),
    ...(o.requires ? { requires: o.requires } : {}),
    ...(o.config ? { config: o.config } : {}),
    async setup(ctx) {
      const kinds = o.customResources.filter((r): r is CustomResourceKind => "crd" in r && typeof r.crd === "function");
      const crds = o.customResources.map((r) => ("crd" in r && typeof r.crd === "function" ? r.crd() : (r as CustomResourceDefinition)));
      // Conversion functions first: the API server may convert as soon as a CRD is served.
      const converters: string[] = [];
      for (const k of kinds) {
        if (!k.conversion) continue;
        const name = customResourceConverterName(k.group, k.kind);
        ctx.contribute(CustomResourceConverters, name, { group: k.group, kind: k.kind, convert: k.conversion });
        converters.push(name);
      }
      await installCustomResourceDefinitions(ctx.resolve(Client), crds, { clock: ctx.clock, fieldManager: o.name });
      for (const image of o.images ?? []) ctx.contribute(Images, image.repository, image);
      for (const [name, setup] of Object.entries(o.controllers)) ctx.contribute(Controllers, name, { name, setup: (mgr) => setup(mgr, ctx) });
      const extra = await o.setup?.(ctx);
      return async () => {
        if (extra) await extra();
        for (const name of Object.keys(o.controllers)) ctx.extensions(Controllers).withdraw(name);
        for (const image of o.images ?? []) ctx.extensions(Images).withdraw(image.repository);
        for (const name of converters) ctx.extensions(CustomResourceConverters).withdraw(name);
      };
    },
  });
}
