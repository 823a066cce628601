/**
 * The etcd operator: an `EtcdCluster` (operator.etcd.io/v1alpha1) → a StatefulSet of etcd members
 * behind a headless Service, a client Service and a PodDisruptionBudget, grown and shrunk one
 * member at a time with etcd's member add/remove protocol. Its members run the etcd image of the
 * images plugin (`registry.k8s.io/etcd`, `quay.io/coreos/etcd`). Needs cluster DNS (the coredns plugin) for the
 * members' peer names. Load it with `cluster.use("operator-etcd")`.
 */
import { PodStreams } from "../../core/apiserver/http/pod-streams.js";
import { defineOperator } from "../../core/operator/index.js";
import { EtcdClusterResource } from "./etcd-cluster-crd.js";
import { etcdClusterController } from "./etcd-cluster-controller.js";

export { EtcdClusterResource, type EtcdCluster, type EtcdClusterSpec, type EtcdClusterStatus, type EtcdMemberStatus } from "./etcd-cluster-crd.js";
export { ETCD_IMAGE, COREOS_ETCD_IMAGE } from "../images/catalog/etcd/image.js";

export default defineOperator({
  name: "operator-etcd",
  description: "the etcd operator: EtcdCluster resources run as StatefulSets of etcd members, scaled with member add/remove",
  customResources: [EtcdClusterResource],
  controllers: {
    "etcd-operator": (mgr, ctx) => etcdClusterController(mgr, () => ctx.resolve(PodStreams)),
  },
});
