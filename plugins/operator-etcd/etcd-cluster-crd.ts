import type { Condition } from "kubernetes-types/meta/v1.js";
import { conditionsSchema, defineCustomResource, resourceSchema, type CustomResource } from "../../core/operator/index.js";

export interface EtcdClusterSpec {
  /** Members wanted (1-9; odd sizes keep the failure tolerance). */
  size: number;
  /** etcd version, e.g. "3.5.16": the image is registry.k8s.io/etcd:<version>-0. */
  version?: string;
}

/** One member, as the operator last saw it (from the cluster's member list and the member pods). */
export interface EtcdMemberStatus {
  name: string;
  id: string;
  peerURL: string;
  clientURL?: string;
  /** Started: the member has joined and published its name. */
  started: boolean;
  /** Its pod is Ready (its /health says it has a leader). */
  ready: boolean;
  isLeader?: boolean;
}

export interface EtcdClusterStatus {
  observedGeneration?: number;
  /** Creating, Scaling, Running, Degraded. */
  phase?: string;
  /** Members in the etcd cluster. */
  size?: number;
  readyMembers?: number;
  members?: EtcdMemberStatus[];
  leader?: string;
  clusterID?: string;
  currentVersion?: string;
  /** The pods' label selector (for the scale subresource). */
  selector?: string;
  conditions?: Condition[];
}

export type EtcdCluster = CustomResource<EtcdClusterSpec, EtcdClusterStatus>;


/** The EtcdCluster CRD (operator.etcd.io/v1alpha1, the group of etcd-io/etcd-operator). */
export const EtcdClusterResource = defineCustomResource<EtcdClusterSpec, EtcdClusterStatus>({
  group: "operator.etcd.io",
  kind: "EtcdCluster",
  categories: ["all"],
  versions: [
    {
      name: "v1alpha1",
      schema: resourceSchema({
        description: "EtcdCluster is the Schema for the etcdclusters API: an etcd cluster run by the etcd operator.",
        spec: {
          required: ["size"],
          properties: {
            size: { type: "integer", minimum: 1, maximum: 9, description: "Size is the number of etcd members." },
            version: { type: "string", default: "3.5.16", pattern: "^3\\.[4-6]\\.[0-9]+$", description: "Version of etcd." },
          },
        },
        status: {
          properties: {
            observedGeneration: { type: "integer", format: "int64" },
            phase: { type: "string" },
            size: { type: "integer" },
            readyMembers: { type: "integer" },
            leader: { type: "string" },
            clusterID: { type: "string" },
            currentVersion: { type: "string" },
            selector: { type: "string" },
            members: {
              type: "array",
              items: { type: "object", properties: { name: { type: "string" }, id: { type: "string" }, peerURL: { type: "string" }, clientURL: { type: "string" }, started: { type: "boolean" }, ready: { type: "boolean" }, isLeader: { type: "boolean" } } },
            },
            conditions: conditionsSchema,
          },
        },
      }),
      subresources: { status: true, scale: { specReplicasPath: ".spec.size", statusReplicasPath: ".status.size", labelSelectorPath: ".status.selector" } },
      additionalPrinterColumns: [
        { name: "Size", type: "integer", jsonPath: ".spec.size" },
        { name: "Ready", type: "integer", jsonPath: ".status.readyMembers" },
        { name: "Version", type: "string", jsonPath: ".status.currentVersion" },
        { name: "Phase", type: "string", jsonPath: ".status.phase" },
        { name: "Leader", type: "string", jsonPath: ".status.leader", priority: 1 },
        { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
      ],
    },
  ],
});
