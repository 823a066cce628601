/**
 * A third-party CSI driver as its own package: `greeting.csi.example.com` serves CSI ephemeral
 * inline volumes (node plugin only: no controller, no attach) holding one file, `greeting`, with
 * the text of the volume's `greeting` attribute:
 *
 * ```yaml
 * volumes:
 *   - name: hello
 *     csi:
 *       driver: greeting.csi.example.com
 *       volumeAttributes: { greeting: "hello from CSI" }
 * ```
 *
 * A published plugin imports from "kubesim"; this example imports by relative path so it runs
 * inside the kubesim repository.
 */
import type { CSIDriver } from "kubernetes-types/storage/v1.js";
import { Client, CsiError, StorageDrivers, cri, definePlugin, isStatusError, type CsiNodePlugin, type HostFileSystem } from "../../core/index.js";

export const DRIVER_NAME = "greeting.csi.example.com";

/** The node plugin of one node: each published volume is a small in-memory disk mounted at the target path. */
function greetingNode(nodeName: string, hostFs: HostFileSystem): CsiNodePlugin {
  const published = new Map<string, string>(); // target path -> volume id
  return {
    identity: {
      getPluginInfo: async () => ({ name: DRIVER_NAME, vendorVersion: "v0.1.0" }),
      getPluginCapabilities: async () => ({ capabilities: [] }),
      probe: async () => ({ ready: true }),
    },
    node: {
      getCapabilities: async () => ({ capabilities: [] }),
      getInfo: async () => ({ nodeId: nodeName }),
      async nodePublishVolume(req) {
        if (!req.volumeId) throw new CsiError("INVALID_ARGUMENT", "Volume ID missing in request");
        if (!req.targetPath) throw new CsiError("INVALID_ARGUMENT", "Target path missing in request");
        if (req.volumeContext?.["csi.storage.k8s.io/ephemeral"] !== "true") throw new CsiError("INVALID_ARGUMENT", "only ephemeral inline volumes are supported");
        // Idempotent: the same volume at the same path is already done.
        if (published.get(req.targetPath) === req.volumeId) return;
        const disk = new cri.MemoryFileSystem();
        disk.write("/greeting", `${req.volumeContext?.["greeting"] ?? "hello"}\n`);
        hostFs.mount(req.targetPath, disk, "/", { readonly: req.readonly, device: "greeting", fsType: "tmpfs" });
        published.set(req.targetPath, req.volumeId);
      },
      async nodeUnpublishVolume(req) {
        // Not mounted (any more) is success.
        if (!published.has(req.targetPath)) return;
        hostFs.unmount(req.targetPath);
        published.delete(req.targetPath);
      },
    },
  };
}

/** Its CSIDriver object: inline volumes only, nothing to attach. */
const csiDriver: CSIDriver = {
  apiVersion: "storage.k8s.io/v1",
  kind: "CSIDriver",
  metadata: { name: DRIVER_NAME },
  spec: { attachRequired: false, podInfoOnMount: true, volumeLifecycleModes: ["Ephemeral"] },
};

export default definePlugin({
  name: "example-csi-greeting",
  description: "example CSI driver: inline volumes holding a greeting file",
  async setup(ctx) {
    ctx.contribute(StorageDrivers, DRIVER_NAME, { name: DRIVER_NAME, node: ({ nodeName, hostFs }) => greetingNode(nodeName, hostFs) });
    try {
      await ctx.resolve(Client).resource<CSIDriver>("CSIDriver").create(csiDriver);
    } catch (err) {
      if (!isStatusError(err, "AlreadyExists")) throw err;
    }
  },
});
