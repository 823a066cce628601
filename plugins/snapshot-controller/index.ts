/**
 * Volume snapshots as the external-snapshotter ships them: the snapshot.storage.k8s.io CRDs
 * (VolumeSnapshot, VolumeSnapshotContent, VolumeSnapshotClass), the common snapshot-controller,
 * and the csi-snapshotter sidecar role for every loaded CSI driver with a controller plugin.
 * Restoring (a PVC's dataSource naming a VolumeSnapshot) is the external-provisioner's part
 * (csi-sidecars).
 */
import type { CustomResourceDefinition } from "kubernetes-types/apiextensions/v1.js";
import { Client, Controllers, csiControllerPlugins, definePlugin } from "../../core/index.js";
import { Addons, type AddonInstaller } from "../../core/cluster/addons.js";
import { snapshotCrds } from "./crds.js";
import { csiSnapshotter, snapshotController } from "./snapshot-controllers.js";

export const PLUGIN_NAME = "snapshot-controller";

export default definePlugin({
  name: PLUGIN_NAME,
  description: "external-snapshotter: snapshot.storage.k8s.io CRDs, the snapshot controller and the csi-snapshotter role",
  async setup(ctx) {
    const client = ctx.resolve<Client>(Client);
    const crds = snapshotCrds();
    await ctx.resolve<AddonInstaller>(Addons).install(crds, (m) => ctx.log.warn(m), "kubectl-client-side-apply");
    for (let i = 0; i < 400; i++) {
      const established = await Promise.all(crds.map(async (c) => ((await client.resource<CustomResourceDefinition>("CustomResourceDefinition").get(c.metadata!.name!)).status?.conditions ?? []).some((k) => k.type === "Established" && k.status === "True")));
      if (established.every(Boolean)) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const registry = csiControllerPlugins(ctx);
    ctx.contribute(Controllers, PLUGIN_NAME, {
      name: PLUGIN_NAME,
      setup(mgr) {
        snapshotController(mgr);
        for (const driver of registry.names()) {
          const plugin = registry.get(driver);
          if (plugin) csiSnapshotter(mgr, driver, plugin);
        }
      },
    });
  },
});

export { snapshotCrds, SNAPSHOT_GROUP } from "./crds.js";
