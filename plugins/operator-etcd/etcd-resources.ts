import type { StatefulSet } from "kubernetes-types/apps/v1.js";
import type { ConfigMap, Service } from "kubernetes-types/core/v1.js";
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1.js";
import type { EtcdCluster } from "./etcd-cluster-crd.js";

/** What the operator builds for an EtcdCluster `name`: names, labels and the desired objects. */
export const CLIENT_PORT = 2379;
export const PEER_PORT = 2380;

export function labels(ec: EtcdCluster): Record<string, string> {
  return { "app.kubernetes.io/name": "etcd", "app.kubernetes.io/instance": ec.metadata!.name!, "app.kubernetes.io/managed-by": "etcd-operator" };
}

export function selectorString(ec: EtcdCluster): string {
  const l = labels(ec);
  return `app.kubernetes.io/instance=${l["app.kubernetes.io/instance"]},app.kubernetes.io/name=etcd`;
}

/** The stable DNS name of member `ordinal` (through the headless Service). */
export function memberHost(ec: EtcdCluster, ordinal: number): string {
  return `${ec.metadata!.name}-${ordinal}.${ec.metadata!.name}.${ec.metadata!.namespace}.svc.cluster.local`;
}
export const peerURL = (ec: EtcdCluster, ordinal: number): string => `http://${memberHost(ec, ordinal)}:${PEER_PORT}`;
export const clientURL = (ec: EtcdCluster, ordinal: number): string => `http://${memberHost(ec, ordinal)}:${CLIENT_PORT}`;

/** The headless Service giving members stable peer names; it publishes members before they are ready (they must find each other to become ready). */
export function headlessService(ec: EtcdCluster, svc: Service): Service {
  return {
    ...svc,
    metadata: { ...svc.metadata, labels: labels(ec) },
    spec: {
      ...svc.spec,
      clusterIP: "None",
      publishNotReadyAddresses: true,
      selector: { "app.kubernetes.io/name": "etcd", "app.kubernetes.io/instance": ec.metadata!.name! },
      ports: [
        { name: "client", port: CLIENT_PORT, targetPort: CLIENT_PORT as never, protocol: "TCP" },
        { name: "peer", port: PEER_PORT, targetPort: PEER_PORT as never, protocol: "TCP" },
      ],
    },
  };
}

/** The client Service: `<name>-client:2379`, ready members only. */
export function clientService(ec: EtcdCluster, svc: Service): Service {
  return {
    ...svc,
    metadata: { ...svc.metadata, labels: labels(ec) },
    spec: {
      ...svc.spec,
      type: "ClusterIP",
      selector: { "app.kubernetes.io/name": "etcd", "app.kubernetes.io/instance": ec.metadata!.name! },
      ports: [{ name: "client", port: CLIENT_PORT, targetPort: CLIENT_PORT as never, protocol: "TCP" }],
    },
  };
}

/** Keeps a quorum through voluntary disruptions (drains): at most size - quorum members away. */
export function podDisruptionBudget(ec: EtcdCluster, pdb: PodDisruptionBudget): PodDisruptionBudget {
  return {
    ...pdb,
    metadata: { ...pdb.metadata, labels: labels(ec) },
    spec: { minAvailable: Math.floor(ec.spec!.size / 2) + 1 as never, selector: { matchLabels: { "app.kubernetes.io/name": "etcd", "app.kubernetes.io/instance": ec.metadata!.name! } } },
  };
}

/**
 * The environment new members start with (etcd-operator's `<name>-state` ConfigMap): the members
 * as of the last change and whether they bootstrap a new cluster or join an existing one.
 */
export function stateConfigMap(ec: EtcdCluster, cm: ConfigMap, members: readonly { name: string; peerURL: string }[], state: "new" | "existing"): ConfigMap {
  return {
    ...cm,
    metadata: { ...cm.metadata, labels: labels(ec) },
    data: {
      ETCD_INITIAL_CLUSTER_STATE: state,
      ETCD_INITIAL_CLUSTER: members.map((m) => `${m.name}=${m.peerURL}`).join(","),
      ETCD_INITIAL_CLUSTER_TOKEN: `${ec.metadata!.name}-${ec.metadata!.uid}`,
      ETCD_DATA_DIR: "/var/lib/etcd",
    },
  };
}

/** The members' StatefulSet: stable names behind the headless Service, the state ConfigMap as environment. */
export function statefulSet(ec: EtcdCluster, sts: StatefulSet, replicas: number): StatefulSet {
  const name = ec.metadata!.name!;
  const version = ec.spec!.version ?? "3.5.16";
  const host = `$(POD_NAME).${name}.${ec.metadata!.namespace}.svc.cluster.local`;
  return {
    ...sts,
    metadata: { ...sts.metadata, labels: labels(ec) },
    spec: {
      ...sts.spec,
      replicas,
      serviceName: name,
      selector: { matchLabels: { "app.kubernetes.io/name": "etcd", "app.kubernetes.io/instance": name } },
      template: {
        metadata: { labels: labels(ec) },
        spec: {
          containers: [
            {
              name: "etcd",
              image: `registry.k8s.io/etcd:${version}-0`,
              command: ["etcd"],
              args: [
                "--name=$(POD_NAME)",
                `--listen-peer-urls=http://0.0.0.0:${PEER_PORT}`,
                `--listen-client-urls=http://0.0.0.0:${CLIENT_PORT}`,
                `--initial-advertise-peer-urls=http://${host}:${PEER_PORT}`,
                `--advertise-client-urls=http://${host}:${CLIENT_PORT}`,
              ],
              env: [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
              envFrom: [{ configMapRef: { name: `${name}-state` } }],
              ports: [
                { name: "client", containerPort: CLIENT_PORT },
                { name: "peer", containerPort: PEER_PORT },
              ],
              readinessProbe: { httpGet: { path: "/readyz", port: CLIENT_PORT as never }, periodSeconds: 5, failureThreshold: 3 },
              volumeMounts: [{ name: "data", mountPath: "/var/lib/etcd" }],
            },
          ],
          volumes: [{ name: "data", emptyDir: {} }],
        },
      },
    },
  };
}
