/**
 * The CSI sidecars' controller-side roles as a plugin: for every driver in the StorageDrivers
 * extension point that has a controller plugin, the external-provisioner (CreateVolume /
 * DeleteVolume for claims of its StorageClasses), the external-resizer (ControllerExpandVolume)
 * and the csi-snapshotter (CreateSnapshot / DeleteSnapshot for VolumeSnapshotContents), run in
 * the cluster's manager. Upstream runs them as containers next to each driver's controller pod;
 * here they talk to the driver's controller plugin directly and to the cluster through the API.
 */
import { Controllers, csiControllerPlugins, definePlugin } from "../../core/index.js";
import { externalProvisioner, type SidecarContext } from "./external-provisioner.js";

export const PLUGIN_NAME = "csi-sidecars";

/** The pod the sidecars stand for, as upstream names the hostpath driver's: `csi-<first label>plugin-0`. */
function podName(driver: string): string {
  return `csi-${driver.split(".")[0]}plugin-0`;
}

export default definePlugin({
  name: PLUGIN_NAME,
  description: "CSI sidecars: external-provisioner, external-resizer and csi-snapshotter for every loaded CSI driver",
  setup(ctx) {
    const registry = csiControllerPlugins(ctx);
    ctx.contribute(Controllers, PLUGIN_NAME, {
      name: PLUGIN_NAME,
      setup(mgr) {
        for (const driver of registry.names()) {
          const plugin = registry.get(driver);
          if (!plugin) continue;
          const sidecar: SidecarContext = { mgr, driver, plugin, identity: `${driver}_${podName(driver)}_${ctx.random.uuid()}`, provisionerIdentity: `${mgr.clock.now()}-${Math.floor(ctx.random.int(10000))}-${driver}` };
          externalProvisioner(sidecar);
        }
      },
    });
  },
});

export { externalProvisioner, PROVISIONER_IDENTITY_ATTRIBUTE, type SidecarContext } from "./external-provisioner.js";
