import { definePlugin } from "../../core/plugins/plugin.js";
import { PluginConfigError } from "../../core/plugins/plugin-config.js";
import { fieldError, type FieldError } from "../../core/api/status.js";
import { parseQuantity, quantityToNumber } from "../../core/api/quantity.js";
import { Client } from "../../core/client/client.js";
import type { KubeObject } from "../../core/api/object.js";
import { createObjects } from "../../core/cluster/create-objects.js";
import { StorageDrivers } from "../../core/csi/storage-drivers.js";
import { HostPathDriver, type HostPathOptions } from "./hostpath-driver.js";
import { hostPathCsiDriver, standardStorageClass } from "./manifests.js";

export { HostPathDriver, HOSTPATH_DRIVER_NAME, HOSTPATH_TOPOLOGY_KEY, HOSTPATH_DATA_DIR, type HostPathOptions } from "./hostpath-driver.js";
export { hostPathCsiDriver, standardStorageClass } from "./manifests.js";

/** cluster.yaml settings: `{ capacity: "100Gi", maxVolumeSize: "1Ti", maxVolumesPerNode: 0, defaultClass: true }`. */
export interface CsiHostPathConfig extends HostPathOptions {
  /** Create the default StorageClass `standard` (default true). */
  defaultClass?: boolean;
}

function parseConfig(raw: unknown): CsiHostPathConfig {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) throw new PluginConfigError([fieldError.invalid("", raw, "must be an object")]);
  const r = raw as Record<string, unknown>;
  const errors: FieldError[] = [];
  const out: CsiHostPathConfig = {};
  const bytes = (key: "capacity" | "maxVolumeSize"): number | undefined => {
    if (r[key] === undefined) return undefined;
    try {
      const n = quantityToNumber(parseQuantity(r[key] as string));
      if (n > 0) return n;
    } catch {
      /* reported below */
    }
    errors.push(fieldError.invalid(key, r[key], "must be a positive quantity"));
    return undefined;
  };
  const capacity = bytes("capacity");
  if (capacity !== undefined) out.capacityBytes = capacity;
  const max = bytes("maxVolumeSize");
  if (max !== undefined) out.maxVolumeSize = max;
  if (r["maxVolumesPerNode"] !== undefined) {
    if (!Number.isInteger(r["maxVolumesPerNode"]) || (r["maxVolumesPerNode"] as number) < 0) errors.push(fieldError.invalid("maxVolumesPerNode", r["maxVolumesPerNode"], "must be a non-negative integer"));
    else out.maxVolumesPerNode = r["maxVolumesPerNode"] as number;
  }
  if (r["defaultClass"] !== undefined) {
    if (typeof r["defaultClass"] !== "boolean") errors.push(fieldError.invalid("defaultClass", r["defaultClass"], "must be a boolean"));
    else out.defaultClass = r["defaultClass"];
  }
  for (const key of Object.keys(r)) if (!["capacity", "maxVolumeSize", "maxVolumesPerNode", "defaultClass"].includes(key)) errors.push(fieldError.notSupported(key, key, ["capacity", "maxVolumeSize", "maxVolumesPerNode", "defaultClass"]));
  if (errors.length) throw new PluginConfigError(errors);
  return out;
}

/**
 * csi-driver-host-path: node-local volumes (a directory per volume under
 * /var/lib/csi-hostpath-data on the node holding it), topology per node, snapshots, clones,
 * expansion, capacity. Installs the CSIDriver object and the default StorageClass `standard`.
 */
export default definePlugin<CsiHostPathConfig>({
  name: "csi-hostpath",
  description: "csi-driver-host-path: node-local CSI volumes, snapshots, expansion, capacity; the default StorageClass standard",
  config: { description: "csi-hostpath settings", parse: parseConfig },
  async setup(ctx) {
    const config = ctx.config ?? {};
    const driver = new HostPathDriver({ clock: ctx.clock, random: ctx.random, stateDir: ctx.stateDir }, config);
    ctx.contribute(StorageDrivers, "hostpath.csi.k8s.io", {
      name: "hostpath.csi.k8s.io",
      controller: () => driver.controllerPlugin(),
      node: ({ nodeName, hostFs }) => driver.nodePlugin(nodeName, hostFs),
    });
    const objects = [hostPathCsiDriver(), ...(config.defaultClass === false ? [] : [standardStorageClass()])] as unknown as KubeObject[];
    await createObjects(ctx.resolve(Client), objects, (m) => ctx.log.warn(`csi-hostpath manifest: ${m}`), "kubectl-client-side-apply");
    return () => {
      ctx.extensions(StorageDrivers).withdraw("hostpath.csi.k8s.io");
    };
  },
});
