import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from "kubernetes-types/apps/v1.js";
import { formatLabelSelector, formatLabels, labelSelectorString } from "./format-labels.js";
import { ageColumn, column, objectAge, objectName, containerColumns, nameColumn, type TablePrinter } from "./printer.js";
import { containerCells } from "./printer-cells.js";
import { parseApiVersion } from "../../api/object.js";

const EXT = "io.k8s.api.apps.v1";

export const deploymentPrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column("Ready", "string", "Number of the pod with ready state"),
    column("Up-to-date", "string", `${EXT}.DeploymentStatus#updatedReplicas`),
    column("Available", "string", `${EXT}.DeploymentStatus#availableReplicas`),
    ageColumn(),
    ...containerColumns(),
    column("Selector", "string", `${EXT}.DeploymentSpec#selector`, { priority: 1 }),
  ],
  row(obj, ctx) {
    const d = obj as unknown as Deployment;
    const [names, images] = containerCells(d.spec?.template?.spec?.containers);
    return {
      cells: [objectName(obj), `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`, d.status?.updatedReplicas ?? 0, d.status?.availableReplicas ?? 0, objectAge(obj, ctx), names, images, labelSelectorString(d.spec?.selector)],
    };
  },
};

export const replicaSetPrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column("Desired", "integer", `${EXT}.ReplicaSetSpec#replicas`),
    column("Current", "integer", `${EXT}.ReplicaSetStatus#replicas`),
    column("Ready", "integer", `${EXT}.ReplicaSetStatus#readyReplicas`),
    ageColumn(),
    ...containerColumns(),
    column("Selector", "string", `${EXT}.ReplicaSetSpec#selector`, { priority: 1 }),
  ],
  row(obj, ctx) {
    const rs = obj as unknown as ReplicaSet;
    const [names, images] = containerCells(rs.spec?.template?.spec?.containers);
    return { cells: [objectName(obj), rs.spec?.replicas ?? 1, rs.status?.replicas ?? 0, rs.status?.readyReplicas ?? 0, objectAge(obj, ctx), names, images, formatLabelSelector(rs.spec?.selector)] };
  },
};

export const daemonSetPrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column("Desired", "integer", `${EXT}.DaemonSetStatus#desiredNumberScheduled`),
    column("Current", "integer", `${EXT}.DaemonSetStatus#currentNumberScheduled`),
    column("Ready", "integer", `${EXT}.DaemonSetStatus#numberReady`),
    column("Up-to-date", "integer", `${EXT}.DaemonSetStatus#updatedNumberScheduled`),
    column("Available", "integer", `${EXT}.DaemonSetStatus#numberAvailable`),
    column("Node Selector", "string", "io.k8s.api.core.v1.PodSpec#nodeSelector"),
    ageColumn(),
    ...containerColumns(),
    column("Selector", "string", `${EXT}.DaemonSetSpec#selector`, { priority: 1 }),
  ],
  row(obj, ctx) {
    const ds = obj as unknown as DaemonSet;
    const s = ds.status;
    const [names, images] = containerCells(ds.spec?.template?.spec?.containers);
    return {
      cells: [
        objectName(obj), s?.desiredNumberScheduled ?? 0, s?.currentNumberScheduled ?? 0, s?.numberReady ?? 0, s?.updatedNumberScheduled ?? 0, s?.numberAvailable ?? 0,
        formatLabels(ds.spec?.template?.spec?.nodeSelector), objectAge(obj, ctx), names, images, formatLabelSelector(ds.spec?.selector),
      ],
    };
  },
};

export const statefulSetPrinter: TablePrinter = {
  columns: [nameColumn(), column("Ready", "string", "Number of the pod with ready state"), ageColumn(), ...containerColumns()],
  row(obj, ctx) {
    const ss = obj as unknown as StatefulSet;
    const [names, images] = containerCells(ss.spec?.template?.spec?.containers);
    return { cells: [objectName(obj), `${ss.status?.readyReplicas ?? 0}/${ss.spec?.replicas ?? 1}`, objectAge(obj, ctx), names, images] };
  },
};

export const controllerRevisionPrinter: TablePrinter = {
  columns: [nameColumn(), column("Controller", "string", "Controller of the object"), column("Revision", "string", `${EXT}.ControllerRevision#revision`), ageColumn()],
  row(obj, ctx) {
    const cr = obj as unknown as ControllerRevision;
    const owner = cr.metadata?.ownerReferences?.find((r) => r.controller);
    let controller = "<none>";
    if (owner) {
      const { group } = parseApiVersion(owner.apiVersion);
      controller = `${(group ? `${owner.kind}.${group}` : owner.kind).toLowerCase()}/${owner.name}`;
    }
    return { cells: [objectName(obj), controller, cr.revision, objectAge(obj, ctx)] };
  },
};
