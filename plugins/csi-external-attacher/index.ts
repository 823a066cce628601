import { Controllers, definePlugin } from "../../core/index.js";
import { csiControllerPlugins } from "../../core/csi/storage-drivers.js";
import { externalAttacher } from "./external-attacher.js";

export { externalAttacher, attacherFinalizer } from "./external-attacher.js";

/**
 * The external-attacher sidecar role for every loaded CSI driver with a controller plugin:
 * acts on the VolumeAttachments the attach/detach controller creates.
 */
export default definePlugin({
  name: "csi-external-attacher",
  description: "CSI external-attacher: VolumeAttachment → ControllerPublish/Unpublish for every loaded CSI driver",
  setup(ctx) {
    const registry = csiControllerPlugins(ctx);
    ctx.contribute(Controllers, "csi-external-attacher", { name: "csi-external-attacher", setup: (mgr) => externalAttacher(mgr, registry) });
    return () => {
      ctx.extensions(Controllers).withdraw("csi-external-attacher");
    };
  },
});
