import type { ControllerDescriptor } from "./controller-descriptor.js";
import { garbageCollector } from "./controllers/garbage-collector.js";
import { namespaceController } from "./controllers/namespace-controller.js";
import { serviceAccountController } from "./controllers/service-account-controller.js";
import { setupEndpointSliceMirroring, setupEndpointSlices, setupEndpoints } from "./controllers/endpoints/index.js";
import { setupRootCaPublisher } from "./controllers/root-ca-publisher.js";
import { setupBootstrapSigner } from "./controllers/bootstrap-signer.js";
import { setupJobs, setupTtlAfterFinished } from "./controllers/job/index.js";
import { setupTtl } from "./controllers/ttl/index.js";
import { setupCronJobs } from "./controllers/cronjob/index.js";
import { setupDaemonSets } from "./controllers/daemonset/index.js";
import { setupStatefulSets } from "./controllers/statefulset/index.js";
import { setupDeployments } from "./controllers/deployment/index.js";
import { setupReplicaSets, setupReplicationControllers } from "./controllers/replicaset/index.js";
import { setupNodeLifecycle, setupTaintEviction } from "./controllers/nodelifecycle/index.js";
import { setupNodeIpam } from "./controllers/nodeipam/index.js";
import { setupDisruption } from "./controllers/disruption/index.js";
import { setupResourceQuota } from "./controllers/resourcequota/index.js";
import { setupPodGc } from "./controllers/podgc/index.js";
import { setupHorizontalPodAutoscaler } from "./controllers/podautoscaler/index.js";
import { setupAttachDetach } from "./controllers/attachdetach/index.js";
import { setupEphemeralVolumes } from "./controllers/ephemeral/index.js";
import { setupCsrApproving, setupCsrCleaner, setupCsrSigning } from "./controllers/certificates/index.js";
import { setupClusterRoleAggregation } from "./controllers/clusterrole-aggregation.js";
import { setupPersistentVolumeBinder, setupPvcProtection, setupPvProtection } from "./controllers/volume/index.js";

/** Every controller kube-controller-manager knows, in start order (upstream's names and aliases). */
export const KNOWN_CONTROLLERS: readonly ControllerDescriptor[] = [
  {
    name: "serviceaccount-controller",
    serviceAccount: "service-account-controller",
    aliases: ["serviceaccount"],
    setup: ({ mgr }) => serviceAccountController().setup(mgr),
  },
  {
    name: "root-ca-certificate-publisher-controller",
    serviceAccount: "root-ca-cert-publisher",
    aliases: ["root-ca-cert-publisher"],
    setup: ({ mgr, rootCA }) => (rootCA ? setupRootCaPublisher(mgr, rootCA) : undefined),
  },
  {
    name: "bootstrap-signer-controller",
    serviceAccount: "bootstrap-signer",
    aliases: ["bootstrapsigner"],
    disabledByDefault: true,
    setup: ({ mgr }) => setupBootstrapSigner(mgr),
  },
  {
    name: "namespace-controller",
    serviceAccount: "namespace-controller",
    aliases: ["namespace"],
    concurrencyFlag: "concurrent-namespace-syncs",
    defaultConcurrency: 10,
    setup: ({ mgr, registry }) => namespaceController(registry).setup(mgr),
  },
  {
    name: "garbage-collector-controller",
    serviceAccount: "generic-garbage-collector",
    aliases: ["garbagecollector"],
    concurrencyFlag: "concurrent-gc-syncs",
    defaultConcurrency: 20,
    setup: ({ mgr, registry, concurrency }) => garbageCollector(registry, concurrency).setup(mgr),
  },
  {
    name: "replicaset-controller",
    serviceAccount: "replicaset-controller",
    aliases: ["replicaset"],
    concurrencyFlag: "concurrent-replicaset-syncs",
    defaultConcurrency: 5,
    setup: setupReplicaSets,
  },
  {
    name: "replicationcontroller-controller",
    serviceAccount: "replication-controller",
    aliases: ["replicationcontroller"],
    concurrencyFlag: "concurrent-rc-syncs",
    defaultConcurrency: 5,
    setup: setupReplicationControllers,
  },
  {
    name: "deployment-controller",
    serviceAccount: "deployment-controller",
    aliases: ["deployment"],
    concurrencyFlag: "concurrent-deployment-syncs",
    defaultConcurrency: 5,
    setup: setupDeployments,
  },
  {
    name: "daemonset-controller",
    serviceAccount: "daemon-set-controller",
    aliases: ["daemonset"],
    concurrencyFlag: "concurrent-daemonset-syncs",
    defaultConcurrency: 2,
    setup: setupDaemonSets,
  },
  {
    name: "statefulset-controller",
    serviceAccount: "statefulset-controller",
    aliases: ["statefulset"],
    concurrencyFlag: "concurrent-statefulset-syncs",
    defaultConcurrency: 5,
    setup: setupStatefulSets,
  },
  {
    name: "endpoints-controller",
    serviceAccount: "endpoint-controller",
    aliases: ["endpoint"],
    concurrencyFlag: "concurrent-endpoint-syncs",
    defaultConcurrency: 5,
    setup: setupEndpoints,
  },
  {
    name: "endpointslice-controller",
    serviceAccount: "endpointslice-controller",
    aliases: ["endpointslice"],
    concurrencyFlag: "concurrent-service-endpoint-syncs",
    defaultConcurrency: 5,
    setup: setupEndpointSlices,
  },
  {
    name: "endpointslice-mirroring-controller",
    serviceAccount: "endpointslicemirroring-controller",
    aliases: ["endpointslicemirroring"],
    concurrencyFlag: "mirroring-concurrent-service-endpoint-syncs",
    defaultConcurrency: 5,
    setup: setupEndpointSliceMirroring,
  },
  {
    name: "job-controller",
    serviceAccount: "job-controller",
    aliases: ["job"],
    concurrencyFlag: "concurrent-job-syncs",
    defaultConcurrency: 5,
    setup: setupJobs,
  },
  {
    name: "cronjob-controller",
    serviceAccount: "cronjob-controller",
    aliases: ["cronjob"],
    concurrencyFlag: "concurrent-cron-job-syncs",
    defaultConcurrency: 5,
    setup: setupCronJobs,
  },
  {
    name: "ttl-after-finished-controller",
    serviceAccount: "ttl-after-finished-controller",
    aliases: ["ttl-after-finished"],
    concurrencyFlag: "concurrent-ttl-after-finished-syncs",
    defaultConcurrency: 5,
    setup: setupTtlAfterFinished,
  },
  {
    name: "ttl-controller",
    serviceAccount: "ttl-controller",
    aliases: ["ttl"],
    defaultConcurrency: 5,
    setup: setupTtl,
  },
  {
    name: "node-lifecycle-controller",
    serviceAccount: "node-controller",
    aliases: ["nodelifecycle"],
    defaultConcurrency: 1,
    setup: setupNodeLifecycle,
  },
  {
    name: "node-ipam-controller",
    serviceAccount: "node-controller",
    aliases: ["nodeipam"],
    setup: setupNodeIpam,
  },
  {
    name: "taint-eviction-controller",
    serviceAccount: "node-controller",
    aliases: [],
    defaultConcurrency: 8,
    setup: setupTaintEviction,
  },
  {
    name: "disruption-controller",
    serviceAccount: "disruption-controller",
    aliases: ["disruption"],
    defaultConcurrency: 1,
    setup: setupDisruption,
  },
  {
    name: "resourcequota-controller",
    serviceAccount: "resourcequota-controller",
    aliases: ["resourcequota"],
    concurrencyFlag: "concurrent-resource-quota-syncs",
    defaultConcurrency: 5,
    setup: setupResourceQuota,
  },
  {
    name: "horizontal-pod-autoscaler-controller",
    serviceAccount: "horizontal-pod-autoscaler",
    aliases: ["horizontalpodautoscaling"],
    concurrencyFlag: "concurrent-horizontal-pod-autoscaler-syncs",
    defaultConcurrency: 5,
    setup: setupHorizontalPodAutoscaler,
  },
  {
    name: "pod-garbage-collector-controller",
    serviceAccount: "pod-garbage-collector",
    aliases: ["podgc"],
    setup: setupPodGc,
  },
  {
    name: "persistentvolume-attach-detach-controller",
    serviceAccount: "attachdetach-controller",
    aliases: ["attachdetach"],
    setup: setupAttachDetach,
  },
  {
    name: "ephemeral-volume-controller",
    serviceAccount: "ephemeral-volume-controller",
    aliases: ["ephemeral-volume"],
    concurrencyFlag: "concurrent-ephemeralvolume-syncs",
    defaultConcurrency: 5,
    setup: setupEphemeralVolumes,
  },
  {
    name: "persistentvolume-binder-controller",
    serviceAccount: "persistent-volume-binder",
    aliases: ["persistentvolume-binder"],
    defaultConcurrency: 1,
    setup: setupPersistentVolumeBinder,
  },
  {
    name: "persistentvolumeclaim-protection-controller",
    serviceAccount: "pvc-protection-controller",
    aliases: ["pvc-protection"],
    defaultConcurrency: 1,
    setup: setupPvcProtection,
  },
  {
    name: "persistentvolume-protection-controller",
    serviceAccount: "pv-protection-controller",
    aliases: ["pv-protection"],
    defaultConcurrency: 1,
    setup: setupPvProtection,
  },
  {
    name: "certificatesigningrequest-signing-controller",
    serviceAccount: "certificate-controller",
    aliases: ["csrsigning"],
    setup: setupCsrSigning,
  },
  {
    name: "certificatesigningrequest-approving-controller",
    serviceAccount: "certificate-controller",
    aliases: ["csrapproving"],
    setup: setupCsrApproving,
  },
  {
    name: "certificatesigningrequest-cleaner-controller",
    serviceAccount: "certificate-controller",
    aliases: ["csrcleaner"],
    setup: setupCsrCleaner,
  },
  {
    name: "clusterrole-aggregation-controller",
    serviceAccount: "clusterrole-aggregation-controller",
    aliases: ["clusterrole-aggregation"],
    setup: ({ mgr }) => setupClusterRoleAggregation(mgr),
  },
];
