import { createPrivateKey, createPublicKey } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createCertificateAuthority, issueCertificate, loadOrCreateClientCertificate, type CertificateSpec } from "../apiserver/http/tls.js";
import { newServiceAccountKey, privateKeyPem } from "../apiserver/serviceaccount/cluster-credentials.js";
import type { Pod } from "kubernetes-types/core/v1.js";
import { etcdPod, kubeApiServerPod, kubeControllerManagerPod, kubeSchedulerPod, staticPodManifestText } from "../cluster/kubeadm-static-pods.js";
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

/**
 * Writes kubeadm's static pod manifests to `<stateDir>/manifests` (`kubeadm init phase
 * control-plane` and `etcd local`): kube-apiserver, kube-controller-manager, kube-scheduler and
 * etcd with the flags that point them at the pki tree and kubeconfigs above. They describe the
 * control plane as kubeadm would run it; kubesim runs the same components as its own processes.
 */
export function writeStaticPodManifests(stateDir: string, options: { advertiseAddress: string; port: number; serviceCidr: string; podNetworkCidr: string; nodeName: string }): string[] {
  const dir = join(stateDir, "manifests");
  mkdirSync(dir, { recursive: true });
  const o = { ...options, apiServerPort: options.port };
  const manifests: Record<string, Pod> = { "kube-apiserver": kubeApiServerPod(o), "kube-controller-manager": kubeControllerManagerPod(o), "kube-scheduler": kubeSchedulerPod(), etcd: etcdPod(o) };
  return Object.entries(manifests).map(([name, pod]) => {
    const path = join(dir, `${name}.yaml`);
    writeFileSync(path, staticPodManifestText(pod));
    return path;
  });
}
