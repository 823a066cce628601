import { Controllers, csiControllerPlugins, definePlugin } from "../../core/index.js";
import { externalAttacher, PLUGIN_NAME as SIDECARS } from "../csi-sidecars/index.js";

export { externalAttacher, attacherFinalizer } from "../csi-sidecars/index.js";

/**
 * Deprecated name of the external-attacher role, which now lives in `csi-sidecars` with the
 * other sidecar roles. Kept so clusters and cluster.yaml files that list it still attach volumes:
 * it runs the attacher only when `csi-sidecars` is not loaded (which already runs it).
 */
export default definePlugin({
  name: "csi-external-attacher",
  description: "CSI external-attacher alone (deprecated: csi-sidecars runs it with the other sidecar roles)",
  setup(ctx) {
    const registry = csiControllerPlugins(ctx);
    const controllers = ctx.extensions(Controllers);
    ctx.contribute(Controllers, "csi-external-attacher", {
      name: "csi-external-attacher",
      setup: (mgr) => {
        if (!controllers.get(SIDECARS)) externalAttacher(mgr, registry);
      },
    });
    return () => {
      controllers.withdraw("csi-external-attacher");
    };
  },
});
