import type { ResourceMetrics } from "../metrics-store.js";
import { cronJobMetrics, jobMetrics } from "./batch.js";
import { namespaceMetrics, persistentVolumeClaimMetrics, serviceMetrics } from "./core-objects.js";
import { nodeMetrics } from "./node.js";
import { podMetrics } from "./pod.js";
import { daemonSetMetrics, deploymentMetrics, replicaSetMetrics, statefulSetMetrics } from "./workloads.js";

/** The resources kube-state-metrics serves by default that kubesim models, in upstream's output order (alphabetical by plural). */
export const RESOURCES: readonly ResourceMetrics<never>[] = [
  cronJobMetrics,
  daemonSetMetrics,
  deploymentMetrics,
  jobMetrics,
  namespaceMetrics,
  nodeMetrics,
  persistentVolumeClaimMetrics,
  podMetrics,
  replicaSetMetrics,
  serviceMetrics,
  statefulSetMetrics,
] as unknown as readonly ResourceMetrics<never>[];
