import type { Container, Pod, Probe } from "kubernetes-types/core/v1.js";
import { stringify } from "yaml";

/** The Kubernetes release whose control-plane images kubeadm's manifests name. */
export const CONTROL_PLANE_VERSION = "v1.32.0";
/** The etcd image kubeadm 1.32 pins. */
export const ETCD_IMAGE_TAG = "3.5.16-0";
/** etcd's `--listen-metrics-urls` port, where kubeadm's probes reach it. */
export const ETCD_METRICS_PORT = 2381;
export const KUBE_CONTROLLER_MANAGER_PORT = 10257;
export const KUBE_SCHEDULER_PORT = 10259;

/** Where kubeadm writes the control plane's manifests (the kubelet's `staticPodPath`). */
export const KUBEADM_MANIFEST_DIR = "/etc/kubernetes/manifests";

/** What kubeadm's manifests are made from (its ClusterConfiguration and InitConfiguration). */
export interface KubeadmControlPlaneOptions {
  /** The node's address: the API server's `--advertise-address`, etcd's client and peer URLs. */
  advertiseAddress: string;
  /** The API server's `--secure-port` (6443). */
  apiServerPort: number;
  serviceCidr: string;
  podNetworkCidr: string;
  nodeName: string;
}

const K = "/etc/kubernetes";

function httpProbe(host: string, path: string, port: number, scheme: "HTTP" | "HTTPS"): NonNullable<Probe["httpGet"]> {
  return { host, path, port, scheme };
}

/** staticpodutil.LivenessProbe: 8 failures 10 s apart after 10 s, 15 s timeout. */
function livenessProbe(host: string, path: string, port: number, scheme: "HTTP" | "HTTPS"): Probe {
  return { failureThreshold: 8, httpGet: httpProbe(host, path, port, scheme), initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 15 };
}

/** staticpodutil.ReadinessProbe: every second, 3 failures. */
function readinessProbe(host: string, path: string, port: number, scheme: "HTTP" | "HTTPS"): Probe {
  return { failureThreshold: 3, httpGet: httpProbe(host, path, port, scheme), periodSeconds: 1, timeoutSeconds: 15 };
}

/** staticpodutil.StartupProbe: 24 tries 10 s apart (the 4 min control-plane health-check timeout). */
function startupProbe(host: string, path: string, port: number, scheme: "HTTP" | "HTTPS"): Probe {
  return { failureThreshold: 24, httpGet: httpProbe(host, path, port, scheme), initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 15 };
}

type HostPath = { name: string; path: string; type: "DirectoryOrCreate" | "FileOrCreate"; readOnly: boolean; mountPath?: string };

/** staticpodutil.ComponentPod: kube-system, `component`/`tier` labels, host network, system-node-critical. */
function componentPod(container: Container, mounts: readonly HostPath[], annotations?: Record<string, string>): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      ...(annotations ? { annotations } : {}),
      labels: { component: container.name, tier: "control-plane" },
      name: container.name,
      namespace: "kube-system",
    },
    spec: {
      containers: [{ ...container, volumeMounts: mounts.map((m) => ({ mountPath: m.mountPath ?? m.path, name: m.name, ...(m.readOnly ? { readOnly: true } : {}) })) }],
      hostNetwork: true,
      priority: 2000001000,
      priorityClassName: "system-node-critical",
      securityContext: { seccompProfile: { type: "RuntimeDefault" } },
      volumes: mounts.map((m) => ({ hostPath: { path: m.path, type: m.type }, name: m.name })),
    },
    status: {},
  };
}

const CA_MOUNTS: readonly HostPath[] = [
  { name: "ca-certs", path: "/etc/ssl/certs", type: "DirectoryOrCreate", readOnly: true },
  { name: "etc-ca-certificates", path: "/etc/ca-certificates", type: "DirectoryOrCreate", readOnly: true },
  { name: "k8s-certs", path: `${K}/pki`, type: "DirectoryOrCreate", readOnly: true },
  { name: "usr-local-share-ca-certificates", path: "/usr/local/share/ca-certificates", type: "DirectoryOrCreate", readOnly: true },
  { name: "usr-share-ca-certificates", path: "/usr/share/ca-certificates", type: "DirectoryOrCreate", readOnly: true },
];

/** kube-apiserver.yaml as `kubeadm init phase control-plane apiserver` writes it. */
export function kubeApiServerPod(o: KubeadmControlPlaneOptions): Pod {
  const ip = o.advertiseAddress;
  const command = [
    "kube-apiserver", `--advertise-address=${ip}`, "--allow-privileged=true", "--authorization-mode=Node,RBAC", `--client-ca-file=${K}/pki/ca.crt`, "--enable-admission-plugins=NodeRestriction", "--enable-bootstrap-token-auth=true",
    `--etcd-cafile=${K}/pki/etcd/ca.crt`, `--etcd-certfile=${K}/pki/apiserver-etcd-client.crt`, `--etcd-keyfile=${K}/pki/apiserver-etcd-client.key`, "--etcd-servers=https://127.0.0.1:2379",
    `--kubelet-client-certificate=${K}/pki/apiserver-kubelet-client.crt`, `--kubelet-client-key=${K}/pki/apiserver-kubelet-client.key`, "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
    `--proxy-client-cert-file=${K}/pki/front-proxy-client.crt`, `--proxy-client-key-file=${K}/pki/front-proxy-client.key`, "--requestheader-allowed-names=front-proxy-client", `--requestheader-client-ca-file=${K}/pki/front-proxy-ca.crt`,
    "--requestheader-extra-headers-prefix=X-Remote-Extra-", "--requestheader-group-headers=X-Remote-Group", "--requestheader-username-headers=X-Remote-User", `--secure-port=${o.apiServerPort}`,
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local", `--service-account-key-file=${K}/pki/sa.pub`, `--service-account-signing-key-file=${K}/pki/sa.key`,
    `--service-cluster-ip-range=${o.serviceCidr}`, `--tls-cert-file=${K}/pki/apiserver.crt`, `--tls-private-key-file=${K}/pki/apiserver.key`,
  ];
  return componentPod(
    {
      command,
      image: `registry.k8s.io/kube-apiserver:${CONTROL_PLANE_VERSION}`,
      imagePullPolicy: "IfNotPresent",
      livenessProbe: livenessProbe(ip, "/livez", o.apiServerPort, "HTTPS"),
      name: "kube-apiserver",
      readinessProbe: readinessProbe(ip, "/readyz", o.apiServerPort, "HTTPS"),
      resources: { requests: { cpu: "250m" } },
      startupProbe: startupProbe(ip, "/livez", o.apiServerPort, "HTTPS"),
    },
    CA_MOUNTS,
    { "kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint": `${ip}:${o.apiServerPort}` },
  );
}

/** kube-controller-manager.yaml (`kubeadm init phase control-plane controller-manager`). */
export function kubeControllerManagerPod(o: KubeadmControlPlaneOptions): Pod {
  const command = [
    "kube-controller-manager", "--allocate-node-cidrs=true", `--authentication-kubeconfig=${K}/controller-manager.conf`, `--authorization-kubeconfig=${K}/controller-manager.conf`, "--bind-address=127.0.0.1",
    `--client-ca-file=${K}/pki/ca.crt`, `--cluster-cidr=${o.podNetworkCidr}`, "--cluster-name=kubernetes", `--cluster-signing-cert-file=${K}/pki/ca.crt`, `--cluster-signing-key-file=${K}/pki/ca.key`,
    "--controllers=*,bootstrapsigner,tokencleaner", `--kubeconfig=${K}/controller-manager.conf`, "--leader-elect=true", `--requestheader-client-ca-file=${K}/pki/front-proxy-ca.crt`,
    `--root-ca-file=${K}/pki/ca.crt`, `--service-account-private-key-file=${K}/pki/sa.key`, `--service-cluster-ip-range=${o.serviceCidr}`, "--use-service-account-credentials=true",
  ];
  return componentPod(
    {
      command,
      image: `registry.k8s.io/kube-controller-manager:${CONTROL_PLANE_VERSION}`,
      imagePullPolicy: "IfNotPresent",
      livenessProbe: livenessProbe("127.0.0.1", "/healthz", KUBE_CONTROLLER_MANAGER_PORT, "HTTPS"),
      name: "kube-controller-manager",
      resources: { requests: { cpu: "200m" } },
      startupProbe: startupProbe("127.0.0.1", "/healthz", KUBE_CONTROLLER_MANAGER_PORT, "HTTPS"),
    },
    [
      ...CA_MOUNTS.slice(0, 2),
      { name: "flexvolume-dir", path: "/usr/libexec/kubernetes/kubelet-plugins/volume/exec", type: "DirectoryOrCreate", readOnly: false },
      ...CA_MOUNTS.slice(2, 3),
      { name: "kubeconfig", path: `${K}/controller-manager.conf`, type: "FileOrCreate", readOnly: true },
      ...CA_MOUNTS.slice(3),
    ],
  );
}

/** kube-scheduler.yaml (`kubeadm init phase control-plane scheduler`). */
export function kubeSchedulerPod(): Pod {
  const command = ["kube-scheduler", `--authentication-kubeconfig=${K}/scheduler.conf`, `--authorization-kubeconfig=${K}/scheduler.conf`, "--bind-address=127.0.0.1", `--kubeconfig=${K}/scheduler.conf`, "--leader-elect=true"];
  return componentPod(
    {
      command,
      image: `registry.k8s.io/kube-scheduler:${CONTROL_PLANE_VERSION}`,
      imagePullPolicy: "IfNotPresent",
      livenessProbe: livenessProbe("127.0.0.1", "/livez", KUBE_SCHEDULER_PORT, "HTTPS"),
      name: "kube-scheduler",
      readinessProbe: readinessProbe("127.0.0.1", "/readyz", KUBE_SCHEDULER_PORT, "HTTPS"),
      resources: { requests: { cpu: "100m" } },
      startupProbe: startupProbe("127.0.0.1", "/livez", KUBE_SCHEDULER_PORT, "HTTPS"),
    },
    [{ name: "kubeconfig", path: `${K}/scheduler.conf`, type: "FileOrCreate", readOnly: true }],
  );
}

/** etcd.yaml as `kubeadm init phase etcd local` writes it (probes on the metrics port, /livez and /readyz). */
export function etcdPod(o: KubeadmControlPlaneOptions): Pod {
  const ip = o.advertiseAddress;
  const command = [
    "etcd", `--advertise-client-urls=https://${ip}:2379`, `--cert-file=${K}/pki/etcd/server.crt`, "--client-cert-auth=true", "--data-dir=/var/lib/etcd", "--experimental-initial-corrupt-check=true",
    "--experimental-watch-progress-notify-interval=5s", `--initial-advertise-peer-urls=https://${ip}:2380`, `--initial-cluster=${o.nodeName}=https://${ip}:2380`, `--key-file=${K}/pki/etcd/server.key`,
    `--listen-client-urls=https://127.0.0.1:2379,https://${ip}:2379`, `--listen-metrics-urls=http://127.0.0.1:${ETCD_METRICS_PORT}`, `--listen-peer-urls=https://${ip}:2380`, `--name=${o.nodeName}`,
    `--peer-cert-file=${K}/pki/etcd/peer.crt`, "--peer-client-cert-auth=true", `--peer-key-file=${K}/pki/etcd/peer.key`, `--peer-trusted-ca-file=${K}/pki/etcd/ca.crt`, "--snapshot-count=10000",
    `--trusted-ca-file=${K}/pki/etcd/ca.crt`,
  ];
  return componentPod(
    {
      command,
      image: `registry.k8s.io/etcd:${ETCD_IMAGE_TAG}`,
      imagePullPolicy: "IfNotPresent",
      livenessProbe: livenessProbe("127.0.0.1", "/livez", ETCD_METRICS_PORT, "HTTP"),
      name: "etcd",
      readinessProbe: readinessProbe("127.0.0.1", "/readyz", ETCD_METRICS_PORT, "HTTP"),
      resources: { requests: { cpu: "100m", memory: "100Mi" } },
      startupProbe: startupProbe("127.0.0.1", "/readyz", ETCD_METRICS_PORT, "HTTP"),
    },
    [
      { name: "etcd-data", path: "/var/lib/etcd", type: "DirectoryOrCreate", readOnly: false },
      { name: "etcd-certs", path: `${K}/pki/etcd`, type: "DirectoryOrCreate", readOnly: false },
    ],
    { "kubeadm.kubernetes.io/etcd.advertise-client-urls": `https://${ip}:2379` },
  );
}

/**
 * A manifest's text as kubeadm writes it (sigs.k8s.io/yaml: keys sorted, sequences not indented
 * under their key, `creationTimestamp: null`).
 */
export function staticPodManifestText(pod: Pod): string {
  const withTimestamp: Pod = { ...pod, metadata: { ...pod.metadata, creationTimestamp: null as unknown as string } };
  return stringify(withTimestamp, { sortMapEntries: true, indentSeq: false, lineWidth: 0 });
}
