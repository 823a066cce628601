import type {
  ConfigMap, Endpoints, Event, Namespace, Node, PersistentVolume, PersistentVolumeClaim, PodTemplate,
  ReplicationController, ResourceQuota, Secret, Service, ServiceAccount,
} from "kubernetes-types/core/v1.js";
import { formatLabels } from "./format-labels.js";
import { timestampSince } from "./human-duration.js";
import { ageColumn, column, objectAge, objectName, containerColumns, nameColumn, type TablePrinter } from "./printer.js";
import { containerCells, loadBalancerAddresses } from "./printer-cells.js";

const CORE = "io.k8s.api.core.v1";

export const servicePrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column("Type", "string", `${CORE}.ServiceSpec#type`),
    column("Cluster-IP", "string", `${CORE}.ServiceSpec#clusterIP`),
    column("External-IP", "string", `${CORE}.ServiceSpec#externalIPs`),
    column("Port(s)", "string", `${CORE}.ServiceSpec#ports`),
    ageColumn(),
    column("Selector", "string", `${CORE}.ServiceSpec#selector`, { priority: 1 }),
  ],
  row(obj, ctx) {
    const svc = obj as unknown as Service;
    const spec = svc.spec ?? {};
    const ports = (spec.ports ?? []).map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? "TCP"}` : `${p.port}/${p.protocol ?? "TCP"}`)).join(",");
    return { cells: [objectName(obj), spec.type ?? "", spec.clusterIPs?.[0] ?? "<none>", serviceExternalIP(svc), ports || "<none>", objectAge(obj, ctx), formatLabels(spec.selector)] };
  },
};

function serviceExternalIP(svc: Service): string {
  const externalIPs = svc.spec?.externalIPs ?? [];
  switch (svc.spec?.type) {
    case "ClusterIP":
    case "NodePort":
      return externalIPs.length ? externalIPs.join(",") : "<none>";
    case "LoadBalancer": {
      const lb = loadBalancerAddresses(svc.status?.loadBalancer?.ingress, true);
      if (externalIPs.length) return [...(lb ? lb.split(",") : []), ...externalIPs].join(",");
      return lb || "<pending>";
    }
    case "ExternalName":
      return svc.spec.externalName ?? "";
  }
  return "<unknown>";
}

export const nodePrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column("Status", "string", "The status of the node"),
    column("Roles", "string", "The roles of the node"),
    ageColumn(),
    column("Version", "string", `${CORE}.NodeSystemInfo#kubeletVersion`),
    column("Internal-IP", "string", `${CORE}.NodeStatus#addresses`, { priority: 1 }),
    column("External-IP", "string", `${CORE}.NodeStatus#addresses`, { priority: 1 }),
    column("OS-Image", "string", `${CORE}.NodeSystemInfo#osImage`, { priority: 1 }),
    column("Kernel-Version", "string", `${CORE}.NodeSystemInfo#kernelVersion`, { priority: 1 }),
    column("Container-Runtime", "string", `${CORE}.NodeSystemInfo#containerRuntimeVersion`, { priority: 1 }),
  ],
  row(obj, ctx) {
    const node = obj as unknown as Node;
    const status: string[] = [];
    const ready = node.status?.conditions?.find((c) => c.type === "Ready");
    if (ready) status.push(ready.status === "True" ? "Ready" : "NotReady");
    else status.push("Unknown");
    if (node.spec?.unschedulable) status.push("SchedulingDisabled");
    const info = node.status?.nodeInfo;
    const address = (type: string): string => node.status?.addresses?.find((a) => a.type === type)?.address ?? "<none>";
    return {
      cells: [
        objectName(obj), status.join(","), nodeRoles(node).join(",") || "<none>", objectAge(obj, ctx), info?.kubeletVersion ?? "",
        address("InternalIP"), address("ExternalIP"), info?.osImage || "<unknown>", info?.kernelVersion || "<unknown>", info?.containerRuntimeVersion || "<unknown>",
      ],
    };
  },
};

/** Roles from `node-role.kubernetes.io/<role>` labels and the legacy `kubernetes.io/role=<role>`, sorted. */
export function nodeRoles(node: Node): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) {
    if (k.startsWith("node-role.kubernetes.io/")) {
      const role = k.slice("node-role.kubernetes.io/".length);
      if (role) roles.add(role);
    } else if (k === "kubernetes.io/role" && v) roles.add(v);
  }
  return [...roles].sort();
}

export const namespacePrinter: TablePrinter = {
  columns: [nameColumn(), column("Status", "string", "The status of the namespace"), ageColumn()],
  row: (obj, ctx) => ({ cells: [objectName(obj), (obj as unknown as Namespace).status?.phase ?? "", objectAge(obj, ctx)] }),
};

export const configMapPrinter: TablePrinter = {
  columns: [nameColumn(), column("Data", "string", `${CORE}.ConfigMap#data`), ageColumn()],
  row(obj, ctx) {
    const cm = obj as unknown as ConfigMap;
    return { cells: [objectName(obj), Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length, objectAge(obj, ctx)] };
  },
};

export const secretPrinter: TablePrinter = {
  columns: [nameColumn(), column("Type", "string", `${CORE}.Secret#type`), column("Data", "string", `${CORE}.Secret#data`), ageColumn()],
  row: (obj, ctx) => ({ cells: [objectName(obj), (obj as unknown as Secret).type ?? "", Object.keys((obj as unknown as Secret).data ?? {}).length, objectAge(obj, ctx)] }),
};

export const serviceAccountPrinter: TablePrinter = {
  columns: [nameColumn(), column("Secrets", "string", `${CORE}.ServiceAccount#secrets`), ageColumn()],
  row: (obj, ctx) => ({ cells: [objectName(obj), (obj as unknown as ServiceAccount).secrets?.length ?? 0, objectAge(obj, ctx)] }),
};

export const eventPrinter: TablePrinter = {
  columns: [
    column("Last Seen", "string", `${CORE}.Event#lastTimestamp`),
    column("Type", "string", `${CORE}.Event#type`),
    column("Reason", "string", `${CORE}.Event#reason`),
    column("Object", "string", `${CORE}.Event#involvedObject`),
    column("Subobject", "string", `${CORE}.ObjectReference#fieldPath`, { priority: 1 }),
    column("Source", "string", `${CORE}.Event#source`, { priority: 1 }),
    column("Message", "string", `${CORE}.Event#message`),
    column("First Seen", "string", `${CORE}.Event#firstTimestamp`, { priority: 1 }),
    column("Count", "string", `${CORE}.Event#count`, { priority: 1 }),
    column("Name", "string", "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta#name", { priority: 1, format: "name" }),
  ],
  row(obj, ctx) {
    const ev = obj as unknown as Event;
    const firstSeen = ev.firstTimestamp ? timestampSince(ev.firstTimestamp, ctx.now) : timestampSince(ev.eventTime, ctx.now);
    let lastSeen = ev.lastTimestamp ? timestampSince(ev.lastTimestamp, ctx.now) : firstSeen;
    let count = ev.count ?? 0;
    if (ev.series) {
      lastSeen = timestampSince(ev.series.lastObservedTime, ctx.now);
      count = ev.series.count ?? 0;
    } else if (count === 0) count = 1;
    const involved = ev.involvedObject;
    const kind = (involved?.kind ?? "").toLowerCase();
    const target = involved?.name ? `${kind}/${involved.name}` : kind;
    const component = ev.source?.component || ev.reportingComponent || "";
    const host = ev.source?.host || ev.reportingInstance || "";
    const source = host ? `${component}, ${host}` : component;
    return { cells: [lastSeen, ev.type ?? "", ev.reason ?? "", target, involved?.fieldPath ?? "", source, (ev.message ?? "").trim(), firstSeen, count, objectName(obj)] };
  },
};

export const endpointsPrinter: TablePrinter = {
  columns: [nameColumn(), column("Endpoints", "string", `${CORE}.Endpoints#subsets`), ageColumn()],
  row: (obj, ctx) => ({ cells: [objectName(obj), formatEndpoints(obj as unknown as Endpoints), objectAge(obj, ctx)] }),
};

/** `10.0.0.1:80,10.0.0.2:80 + 3 more...`; `<none>` without subsets. */
export function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (!subsets.length) return "<none>";
  const max = 3;
  const list: string[] = [];
  let count = 0;
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    if (!ss.ports?.length) {
      count += addresses.length;
      for (const a of addresses) if (list.length < max) list.push(a.ip);
      continue;
    }
    for (const port of ss.ports) {
      count += addresses.length;
      for (const a of addresses) if (list.length < max) list.push(a.ip.includes(":") ? `[${a.ip}]:${port.port}` : `${a.ip}:${port.port}`);
    }
  }
  const ret = list.join(",");
  return count > max ? `${ret} + ${count - max} more...` : ret;
}

/** `GetAccessModesAsString`: RWO, ROX, RWX, RWOP in that order, comma separated. */
export function accessModesString(modes: readonly string[] | undefined): string {
  const set = new Set(modes ?? []);
  const out: string[] = [];
  if (set.has("ReadWriteOnce")) out.push("RWO");
  if (set.has("ReadOnlyMany")) out.push("ROX");
  if (set.has("ReadWriteMany")) out.push("RWX");
  if (set.has("ReadWriteOncePod")) out.push("RWOP");
  return out.join(",");
}

const BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class";

export const persistentVolumePrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column("Capacity", "string", `${CORE}.PersistentVolumeSpec#capacity`),
    column("Access Modes", "string", `${CORE}.PersistentVolumeSpec#accessModes`),
    column("Reclaim Policy", "string", `${CORE}.PersistentVolumeSpec#persistentVolumeReclaimPolicy`),
    column("Status", "string", `${CORE}.PersistentVolumeStatus#phase`),
    column("Claim", "string", `${CORE}.PersistentVolumeSpec#claimRef`),
    column("StorageClass", "string", "StorageClass of the pv"),
    column("VolumeAttributesClass", "string", "VolumeAttributesClass of the pv"),
    column("Reason", "string", `${CORE}.PersistentVolumeStatus#reason`),
    ageColumn(),
    column("VolumeMode", "string", `${CORE}.PersistentVolumeSpec#volumeMode`, { priority: 1 }),
  ],
  row(obj, ctx) {
    const pv = obj as unknown as PersistentVolume & { spec?: { volumeAttributesClassName?: string } };
    const spec = pv.spec ?? {};
    const claim = spec.claimRef ? `${spec.claimRef.namespace ?? ""}/${spec.claimRef.name ?? ""}` : "";
    const phase = pv.metadata?.deletionTimestamp ? "Terminating" : (pv.status?.phase ?? "");
    const storageClass = pv.metadata?.annotations?.[BETA_STORAGE_CLASS] ?? spec.storageClassName ?? "";
    return {
      cells: [
        objectName(obj), spec.capacity?.["storage"] ?? "0", accessModesString(spec.accessModes), spec.persistentVolumeReclaimPolicy ?? "", phase, claim,
        storageClass, spec.volumeAttributesClassName || "<unset>", pv.status?.reason ?? "", objectAge(obj, ctx), spec.volumeMode ?? "<unset>",
      ],
    };
  },
};

export const persistentVolumeClaimPrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column("Status", "string", `${CORE}.PersistentVolumeClaimStatus#phase`),
    column("Volume", "string", `${CORE}.PersistentVolumeClaimSpec#volumeName`),
    column("Capacity", "string", `${CORE}.PersistentVolumeClaimStatus#capacity`),
    column("Access Modes", "string", `${CORE}.PersistentVolumeClaimStatus#accessModes`),
    column("StorageClass", "string", "StorageClass of the pvc"),
    column("VolumeAttributesClass", "string", "VolumeAttributesClass of the pvc"),
    ageColumn(),
    column("VolumeMode", "string", `${CORE}.PersistentVolumeClaimSpec#volumeMode`, { priority: 1 }),
  ],
  row(obj, ctx) {
    const pvc = obj as unknown as PersistentVolumeClaim & { spec?: { volumeAttributesClassName?: string } };
    const spec = pvc.spec ?? {};
    const phase = pvc.metadata?.deletionTimestamp ? "Terminating" : (pvc.status?.phase ?? "");
    const bound = Boolean(spec.volumeName);
    const storageClass = pvc.metadata?.annotations?.[BETA_STORAGE_CLASS] ?? spec.storageClassName ?? "";
    return {
      cells: [
        objectName(obj), phase, spec.volumeName ?? "", bound ? (pvc.status?.capacity?.["storage"] ?? "0") : "", bound ? accessModesString(pvc.status?.accessModes) : "",
        storageClass, spec.volumeAttributesClassName || "<unset>", objectAge(obj, ctx), spec.volumeMode ?? "<unset>",
      ],
    };
  },
};

export const resourceQuotaPrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column("Request", "string", "Request represents a minimum amount of cpu/memory that a container may consume."),
    column("Limit", "string", "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node."),
    ageColumn(),
  ],
  row(obj, ctx) {
    const quota = obj as unknown as ResourceQuota;
    const hard = quota.status?.hard ?? {};
    const used = quota.status?.used ?? {};
    const requests: string[] = [];
    const limits: string[] = [];
    for (const resource of Object.keys(hard).sort()) {
      const text = `${resource}: ${used[resource] ?? "0"}/${hard[resource]}`;
      (resource.split(".")[0] === "limits" && resource.includes(".") ? limits : requests).push(text);
    }
    return { cells: [objectName(obj), requests.join(", "), limits.join(", "), objectAge(obj, ctx)] };
  },
};

export const replicationControllerPrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column("Desired", "integer", `${CORE}.ReplicationControllerSpec#replicas`),
    column("Current", "integer", `${CORE}.ReplicationControllerStatus#replicas`),
    column("Ready", "integer", `${CORE}.ReplicationControllerStatus#readyReplicas`),
    ageColumn(),
    ...containerColumns(),
    column("Selector", "string", `${CORE}.ReplicationControllerSpec#selector`, { priority: 1 }),
  ],
  row(obj, ctx) {
    const rc = obj as unknown as ReplicationController;
    const [names, images] = containerCells(rc.spec?.template?.spec?.containers);
    return { cells: [objectName(obj), rc.spec?.replicas ?? 1, rc.status?.replicas ?? 0, rc.status?.readyReplicas ?? 0, objectAge(obj, ctx), names, images, formatLabels(rc.spec?.selector)] };
  },
};

export const podTemplatePrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column("Containers", "string", "Names of each container in the template."),
    column("Images", "string", "Images referenced by each container in the template."),
    column("Pod Labels", "string", "The labels for the pod template."),
  ],
  row(obj) {
    const pt = obj as unknown as PodTemplate;
    const [names, images] = containerCells(pt.template?.spec?.containers);
    return { cells: [objectName(obj), names, images, formatLabels(pt.template?.metadata?.labels)] };
  },
};
