import { definePlugin } from "../../core/plugins/plugin.js";
import { PluginConfigError } from "../../core/plugins/plugin-config.js";
import { fieldError, type FieldError } from "../../core/api/status.js";
import { parseQuantity, quantityToNumber } from "../../core/api/quantity.js";
import type { KubeObject } from "../../core/api/object.js";
import { Addons, type AddonInstaller } from "../../core/cluster/addons.js";
import { csiControllerPlugins, NodeHostFs, StorageDrivers } from "../../core/csi/storage-drivers.js";
import { csiDriverProgram, nodeDriverRegistrarImage, NODE_DRIVER_REGISTRAR_IMAGE } from "../../core/csi/driver-pods.js";
import { NodeAgents } from "../../core/cluster/node-agents.js";
import { Images, type ImageDefinition } from "../../core/cri/images.js";
import { UnixSockets } from "../../core/net/unix-sockets.js";
import type { DependencyContainer } from "tsyringe";
import { hostPathDeployment, HOSTPATH_IMAGE } from "./deployment.js";
import { HostPathDriver, type HostPathOptions } from "./hostpath-driver.js";
import { hostPathCsiDriver, standardStorageClass } from "./manifests.js";

export { HostPathDriver, HOSTPATH_DRIVER_NAME, HOSTPATH_TOPOLOGY_KEY, HOSTPATH_DATA_DIR, type HostPathOptions } from "./hostpath-driver.js";
export { hostPathCsiDriver, standardStorageClass } from "./manifests.js";
export { hostPathDeployment, HOSTPATH_IMAGE, HOSTPATH_NAMESPACE, HOSTPATH_NODE_DAEMONSET, HOSTPATH_CONTROLLER, HOSTPATH_SOCKET_DIR, SIDECAR_IMAGES } from "./deployment.js";

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
      runsAsPods: true,
    });
    // The driver's pods: the hostpath binary serves its node plugin (DaemonSet, --nodeid) or its
    // controller plugin (StatefulSet) on /csi/csi.sock; the registrar registers the node plugin.
    const nodeScopes = new Map<string, DependencyContainer>();
    ctx.contribute(NodeAgents, "csi-hostpath", {
      start: ({ nodeName, scope }) => {
        nodeScopes.set(nodeName, scope);
        return { stop: () => void nodeScopes.delete(nodeName) };
      },
    });
    const sockets = () => ctx.resolve(UnixSockets);
    const controllers = csiControllerPlugins(ctx);
    const image: ImageDefinition = {
      repository: HOSTPATH_IMAGE.split(":")[0]!,
      tags: [HOSTPATH_IMAGE.split(":")[1]!, "latest"],
      size: 12_964_412,
      layers: ["sha256:hostpathplugin-v1.15.0-layer-0"],
      config: { entrypoint: ["/hostpathplugin"] },
      programs: {
        hostpathplugin: csiDriverProgram({
          sockets,
          banner: (p) => p.stderr(`I0000 00:00:00.000000       1 main.go:175] "Driver" name="hostpath.csi.k8s.io" version="${"v1.15.0"}"\n`),
          serve: (nodeId) => {
            if (nodeId === undefined) return controllers.get("hostpath.csi.k8s.io");
            const scope = nodeScopes.get(nodeId);
            return scope?.isRegistered(NodeHostFs, true) ? driver.nodePlugin(nodeId, scope.resolve(NodeHostFs)) : undefined;
          },
        }),
      },
    };
    const images = ctx.extensions(Images);
    const ours = [image, ...(images.get(NODE_DRIVER_REGISTRAR_IMAGE.split(":")[0]!) ? [] : [nodeDriverRegistrarImage(sockets)])];
    for (const i of ours) ctx.contribute(Images, i.repository, i);
    const objects = [hostPathCsiDriver(), ...(config.defaultClass === false ? [] : [standardStorageClass()]), ...hostPathDeployment()] as unknown as KubeObject[];
    await ctx.resolve<AddonInstaller>(Addons).install(objects, (m) => ctx.log.warn(`csi-hostpath manifest: ${m}`), "kubectl-client-side-apply");
    return () => {
      ctx.extensions(StorageDrivers).withdraw("hostpath.csi.k8s.io");
      ctx.extensions(NodeAgents).withdraw("csi-hostpath");
      for (const i of ours) images.withdraw(i.repository);
    };
  },
});
