import { createPrivateKey, createPublicKey } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createCertificateAuthority, issueCertificate, loadOrCreateClientCertificate, type CertificateSpec } from "../apiserver/http/tls.js";
import { newServiceAccountKey, privateKeyPem } from "../apiserver/serviceaccount/cluster-credentials.js";
import { KUBEADM_KUBECONFIGS, nodeIdentity, readCertificateAuthority, writeComponentKubeconfig } from "./component-kubeconfigs.js";

/**
 * kubeadm's certificate tree (`kubeadm init phase certs`), under `<state-dir>/pki` as under
 * /etc/kubernetes/pki. The API server itself makes `ca.*` and `apiserver.*` (with the SANs it
 * serves) and keeps the admin token there; the rest is made here.
 */
export const PKI_DIR = "pki";

const write = (path: string, pem: { certPem: string; keyPem: string }): void => {
  writeFileSync(`${path}.crt`, pem.certPem);
  writeFileSync(`${path}.key`, pem.keyPem, { mode: 0o600 });
};

const read = (path: string): { certPem: string; keyPem: string } => ({ certPem: readFileSync(`${path}.crt`, "utf8"), keyPem: readFileSync(`${path}.key`, "utf8") });

/** A CA at `<dir>/<name>.{crt,key}`, made when missing. */
async function ensureCa(dir: string, name: string, commonName: string): Promise<{ certPem: string; keyPem: string }> {
  const path = join(dir, name);
  if (existsSync(`${path}.crt`) && existsSync(`${path}.key`)) return read(path);
  const ca = await createCertificateAuthority(commonName);
  write(path, ca);
  return ca;
}

/** A leaf certificate at `<dir>/<name>.{crt,key}` signed by `ca`, made when missing. */
async function ensureLeaf(dir: string, name: string, ca: { certPem: string; keyPem: string }, spec: CertificateSpec): Promise<void> {
  const path = join(dir, name);
  if (existsSync(`${path}.crt`) && existsSync(`${path}.key`)) return;
  write(path, await issueCertificate(ca, spec));
}

/**
 * Completes kubeadm's tree in `pkiDir` once the API server has made `ca.*` and `apiserver.*`:
 * `apiserver-kubelet-client`, `front-proxy-ca` + `front-proxy-client`, `sa.key` + `sa.pub`,
 * `etcd/ca`, `etcd/server`, `etcd/peer`, `etcd/healthcheck-client` and `apiserver-etcd-client`,
 * with kubeadm's subjects and usages. Files already there are kept. `nodeName` and `hostIp` go
 * into etcd's serving SANs, as kubeadm puts the control-plane node's name and address there.
 */
export async function ensureKubeadmPki(pkiDir: string, options: { nodeName: string; hostIp: string }): Promise<void> {
  mkdirSync(join(pkiDir, "etcd"), { recursive: true });
  await loadOrCreateClientCertificate(pkiDir, "apiserver-kubelet-client", { commonName: "kube-apiserver-kubelet-client", organization: "kubeadm:cluster-admins" });
  const frontProxyCa = await ensureCa(pkiDir, "front-proxy-ca", "front-proxy-ca");
  await ensureLeaf(pkiDir, "front-proxy-client", frontProxyCa, { commonName: "front-proxy-client", clientAuth: true });
  const saKey = join(pkiDir, "sa.key");
  if (!existsSync(saKey)) writeFileSync(saKey, privateKeyPem(newServiceAccountKey()), { mode: 0o600 });
  const saPub = join(pkiDir, "sa.pub");
  if (!existsSync(saPub)) writeFileSync(saPub, createPublicKey(createPrivateKey(readFileSync(saKey, "utf8"))).export({ type: "spki", format: "pem" }));
  const etcdCa = await ensureCa(join(pkiDir, "etcd"), "ca", "etcd-ca");
  const sans = { dnsNames: [options.nodeName, "localhost"], ipAddresses: [options.hostIp, "127.0.0.1", "::1"] };
  await ensureLeaf(join(pkiDir, "etcd"), "server", etcdCa, { commonName: options.nodeName, serverAuth: true, clientAuth: true, ...sans });
  await ensureLeaf(join(pkiDir, "etcd"), "peer", etcdCa, { commonName: options.nodeName, serverAuth: true, clientAuth: true, ...sans });
  await ensureLeaf(join(pkiDir, "etcd"), "healthcheck-client", etcdCa, { commonName: "kube-etcd-healthcheck-client", clientAuth: true });
  await ensureLeaf(pkiDir, "apiserver-etcd-client", etcdCa, { commonName: "kube-apiserver-etcd-client", clientAuth: true });
}

/**
 * kubeadm's kubeconfig files in `stateDir` (`kubeadm init phase kubeconfig`): admin.conf
 * (`kubernetes-admin` in `kubeadm:cluster-admins`), super-admin.conf (`system:masters`),
 * controller-manager.conf, scheduler.conf and, with `nodeName`, kubelet.conf for that node —
 * each with a client certificate the cluster CA in `<stateDir>/pki` signed. Returns their paths.
 */
export async function writeKubeadmKubeconfigs(stateDir: string, server: string, nodeName?: string): Promise<string[]> {
  const ca = readCertificateAuthority(join(stateDir, PKI_DIR));
  const files: [string, { commonName: string; organization?: readonly string[] }][] = [...Object.entries(KUBEADM_KUBECONFIGS), ...(nodeName ? [["kubelet.conf", nodeIdentity(nodeName)] as [string, { commonName: string; organization?: readonly string[] }]] : [])];
  return Promise.all(files.map(([file, identity]) => writeComponentKubeconfig(join(stateDir, file), { server, ca, identity })));
}

/** kubeadm's static pod manifest for one control-plane component (`/etc/kubernetes/manifests/<name>.yaml`). */
function staticPodManifest(name: string, image: string, command: readonly string[], port: number, scheme: "HTTP" | "HTTPS", path: string): string {
  return `apiVersion: v1
kind: Pod
metadata:
  labels:
    component: ${name}
    tier: control-plane
  name: ${name}
  namespace: kube-system
spec:
  containers:
  - command:
${command.map((c) => `    - ${c}`).join("\n")}
    image: ${image}
    imagePullPolicy: IfNotPresent
    livenessProbe:
      failureThreshold: 8
      httpGet:
        host: 127.0.0.1
        path: ${path}
        port: ${port}
        scheme: ${scheme}
      initialDelaySeconds: 10
      periodSeconds: 10
      timeoutSeconds: 15
    name: ${name}
    volumeMounts:
    - mountPath: /etc/kubernetes
      name: k8s-certs
      readOnly: true
  hostNetwork: true
  priority: 2000001000
  priorityClassName: system-node-critical
  volumes:
  - hostPath:
      path: /etc/kubernetes
      type: DirectoryOrCreate
    name: k8s-certs
status: {}
`;
}

/**
 * Writes kubeadm's static pod manifests to `<stateDir>/manifests` (`kubeadm init phase
 * control-plane` and `etcd local`): kube-apiserver, kube-controller-manager, kube-scheduler and
 * etcd with the flags that point them at the pki tree and kubeconfigs above. They describe the
 * control plane as kubeadm would run it; kubesim runs the same components as its own processes.
 */
export function writeStaticPodManifests(stateDir: string, options: { advertiseAddress: string; port: number; serviceCidr: string; podNetworkCidr: string; nodeName: string }): string[] {
  const dir = join(stateDir, "manifests");
  mkdirSync(dir, { recursive: true });
  const k = "/etc/kubernetes";
  const version = "v1.32.0";
  const manifests: Record<string, string> = {
    "kube-apiserver": staticPodManifest("kube-apiserver", `registry.k8s.io/kube-apiserver:${version}`, [
      "kube-apiserver", `--advertise-address=${options.advertiseAddress}`, "--allow-privileged=true", "--authorization-mode=Node,RBAC", `--client-ca-file=${k}/pki/ca.crt`, "--enable-admission-plugins=NodeRestriction", "--enable-bootstrap-token-auth=true",
      `--etcd-cafile=${k}/pki/etcd/ca.crt`, `--etcd-certfile=${k}/pki/apiserver-etcd-client.crt`, `--etcd-keyfile=${k}/pki/apiserver-etcd-client.key`, "--etcd-servers=https://127.0.0.1:2379",
      `--kubelet-client-certificate=${k}/pki/apiserver-kubelet-client.crt`, `--kubelet-client-key=${k}/pki/apiserver-kubelet-client.key`, `--proxy-client-cert-file=${k}/pki/front-proxy-client.crt`, `--proxy-client-key-file=${k}/pki/front-proxy-client.key`,
      `--requestheader-client-ca-file=${k}/pki/front-proxy-ca.crt`, `--secure-port=${options.port}`, `--service-account-issuer=https://kubernetes.default.svc.cluster.local`, `--service-account-key-file=${k}/pki/sa.pub`, `--service-account-signing-key-file=${k}/pki/sa.key`,
      `--service-cluster-ip-range=${options.serviceCidr}`, `--tls-cert-file=${k}/pki/apiserver.crt`, `--tls-private-key-file=${k}/pki/apiserver.key`,
    ], options.port, "HTTPS", "/livez"),
    "kube-controller-manager": staticPodManifest("kube-controller-manager", `registry.k8s.io/kube-controller-manager:${version}`, [
      "kube-controller-manager", "--allocate-node-cidrs=true", `--authentication-kubeconfig=${k}/controller-manager.conf`, `--authorization-kubeconfig=${k}/controller-manager.conf`, "--bind-address=127.0.0.1", `--client-ca-file=${k}/pki/ca.crt`, `--cluster-cidr=${options.podNetworkCidr}`, "--cluster-name=kubernetes",
      `--cluster-signing-cert-file=${k}/pki/ca.crt`, `--cluster-signing-key-file=${k}/pki/ca.key`, "--controllers=*,bootstrapsigner,tokencleaner", `--kubeconfig=${k}/controller-manager.conf`, "--leader-elect=true", `--requestheader-client-ca-file=${k}/pki/front-proxy-ca.crt`,
      `--root-ca-file=${k}/pki/ca.crt`, `--service-account-private-key-file=${k}/pki/sa.key`, `--service-cluster-ip-range=${options.serviceCidr}`, "--use-service-account-credentials=true",
    ], 10257, "HTTPS", "/healthz"),
    "kube-scheduler": staticPodManifest("kube-scheduler", `registry.k8s.io/kube-scheduler:${version}`, [
      "kube-scheduler", `--authentication-kubeconfig=${k}/scheduler.conf`, `--authorization-kubeconfig=${k}/scheduler.conf`, "--bind-address=127.0.0.1", `--kubeconfig=${k}/scheduler.conf`, "--leader-elect=true",
    ], 10259, "HTTPS", "/livez"),
    etcd: staticPodManifest("etcd", "registry.k8s.io/etcd:3.5.16-0", [
      "etcd", `--advertise-client-urls=https://${options.advertiseAddress}:2379`, `--cert-file=${k}/pki/etcd/server.crt`, "--client-cert-auth=true", "--data-dir=/var/lib/etcd", `--key-file=${k}/pki/etcd/server.key`,
      `--listen-client-urls=https://127.0.0.1:2379,https://${options.advertiseAddress}:2379`, `--name=${options.nodeName}`, `--peer-cert-file=${k}/pki/etcd/peer.crt`, "--peer-client-cert-auth=true", `--peer-key-file=${k}/pki/etcd/peer.key`,
      `--peer-trusted-ca-file=${k}/pki/etcd/ca.crt`, `--trusted-ca-file=${k}/pki/etcd/ca.crt`,
    ], 2381, "HTTP", "/health?exclude=NOSPACE&serializable=true"),
  };
  return Object.entries(manifests).map(([name, text]) => {
    const path = join(dir, `${name}.yaml`);
    writeFileSync(path, text);
    return path;
  });
}
