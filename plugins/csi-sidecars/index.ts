/**
 * The CSI sidecars' controller-side roles as one plugin: for every driver in the StorageDrivers
 * extension point that has a controller plugin, the external-provisioner (CreateVolume /
 * DeleteVolume for claims of its StorageClasses, and CSIStorageCapacity objects for drivers that
 * answer GetCapacity), the external-attacher (ControllerPublish / Unpublish for
 * VolumeAttachments) and the external-resizer (ControllerExpandVolume), run in the cluster's
 * manager (the csi-snapshotter role is the snapshot-controller plugin's). Upstream runs them as containers next to each driver's controller pod;
 * here they talk to the driver's controller plugin directly and to the cluster through the API.
 */
import { Controllers, csiControllerPlugins, definePlugin, Images, UnixSockets } from "../../core/index.js";
import { nodeDriverRegistrarImage, NODE_DRIVER_REGISTRAR_IMAGE } from "../../core/csi/driver-pods.js";
import { sidecarImages } from "./images.js";
import { capacityController } from "./capacity-controller.js";
import { controllerCapabilities, externalProvisioner, type SidecarContext } from "./external-provisioner.js";
import { externalResizer } from "./external-resizer.js";
import { externalAttacher } from "./external-attacher.js";

export const PLUGIN_NAME = "csi-sidecars";

/** The pod the sidecars stand for, as upstream names the hostpath driver's: `csi-<first label>plugin-0`. */
function podName(driver: string): string {
  return `csi-${driver.split(".")[0]}plugin-0`;
}

export default definePlugin({
  name: PLUGIN_NAME,
  description: "CSI sidecars: external-provisioner (with capacity tracking), external-attacher and external-resizer for every loaded CSI driver",
  setup(ctx) {
    const registry = csiControllerPlugins(ctx);
    // The sidecars' images (and the node-driver-registrar's, unless a driver plugin brought it) for drivers' pods.
    const sockets = () => ctx.resolve(UnixSockets);
    const images = ctx.extensions(Images);
    const ours = [...sidecarImages(sockets), ...(images.get(NODE_DRIVER_REGISTRAR_IMAGE.split(":")[0]!) ? [] : [nodeDriverRegistrarImage(sockets)])];
    for (const image of ours) ctx.contribute(Images, image.repository, image);
    ctx.contribute(Controllers, PLUGIN_NAME, {
      name: PLUGIN_NAME,
      async setup(mgr) {
        for (const driver of registry.names()) {
          const plugin = registry.get(driver);
          if (!plugin) continue;
          const base: SidecarContext = { mgr, driver, plugin, identity: `${driver}_${podName(driver)}_${ctx.random.uuid()}`, provisionerIdentity: `${mgr.clock.now()}-${Math.floor(ctx.random.int(10000))}-${driver}` };
          // --enable-capacity, for drivers that can answer GetCapacity.
          const capacity = (await controllerCapabilities(plugin)).has("GET_CAPACITY") && plugin.controller.getCapacity ? capacityController(base, { namespace: registry.namespaceOf(driver) }) : undefined;
          const sidecar: SidecarContext = capacity ? { ...base, capacityChanged: (className) => capacity.refresh(className) } : base;
          externalProvisioner(sidecar);
          externalResizer(sidecar);
        }
        externalAttacher(mgr, registry);
      },
    });
  },
});

export { externalProvisioner, PROVISIONER_IDENTITY_ATTRIBUTE, type SidecarContext } from "./external-provisioner.js";
export { externalResizer, FS_RESIZE_PENDING_MESSAGE } from "./external-resizer.js";
export { externalAttacher, attacherFinalizer } from "./external-attacher.js";
export { capacityController, CAPACITY_DRIVER_LABEL, CAPACITY_MANAGED_BY_LABEL, CAPACITY_POLL_INTERVAL_MS } from "./capacity-controller.js";
