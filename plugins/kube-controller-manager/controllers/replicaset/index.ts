import type { LabelSelector as LabelSelectorObject } from "kubernetes-types/meta/v1.js";
import { labelSelectorFromObject, labelSelectorFromSet } from "../../../../core/index.js";
import type { ControllerContext } from "../../controller-descriptor.js";
import { replicaSetController, type ReplicatedKind } from "./replica-set-controller.js";

export const REPLICA_SET: ReplicatedKind = {
  name: "replicaset",
  eventSource: "replicaset-controller",
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  selector: (rs) => labelSelectorFromObject(rs.spec?.selector as LabelSelectorObject | undefined),
};

export const REPLICATION_CONTROLLER: ReplicatedKind = {
  name: "replicationcontroller",
  eventSource: "replication-controller",
  apiVersion: "v1",
  kind: "ReplicationController",
  // A plain map; the API server defaults it to the template's labels.
  selector: (rc) => labelSelectorFromSet((rc.spec?.selector as Record<string, string> | undefined) ?? rc.spec?.template?.metadata?.labels ?? {}),
};

export function setupReplicaSets({ mgr, concurrency }: ControllerContext): void {
  replicaSetController(mgr, REPLICA_SET, { workers: concurrency });
}

export function setupReplicationControllers({ mgr, concurrency }: ControllerContext): void {
  replicaSetController(mgr, REPLICATION_CONTROLLER, { workers: concurrency });
}
