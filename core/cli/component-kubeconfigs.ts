import { existsSync, readFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import { emptyKubeconfig, readKubeconfig, writeKubeconfig, type Kubeconfig } from "../client/kubeconfig.js";
import { issueCertificate } from "../apiserver/http/tls.js";

/** Who a component's kubeconfig authenticates as: its client certificate's CN (user) and O (groups). */
export interface ComponentIdentity {
  commonName: string;
  organization?: readonly string[];
}

/** kubeadm's identities: the files under /etc/kubernetes it writes and the subjects of their client certificates. */
export const KUBEADM_KUBECONFIGS = {
  "admin.conf": { commonName: "kubernetes-admin", organization: ["kubeadm:cluster-admins"] },
  "super-admin.conf": { commonName: "kubernetes-super-admin", organization: ["system:masters"] },
  "controller-manager.conf": { commonName: "system:kube-controller-manager" },
  "scheduler.conf": { commonName: "system:kube-scheduler" },
} as const satisfies Record<string, ComponentIdentity>;

/** A kubelet's identity: `system:node:<node>` in `system:nodes` (what the Node authorizer and NodeRestriction expect). */
export function nodeIdentity(nodeName: string): ComponentIdentity {
  return { commonName: `system:node:${nodeName}`, organization: ["system:nodes"] };
}

/** kube-proxy's identity, bound to `system:node-proxier` by the bootstrap policy. */
export const KUBE_PROXY_IDENTITY: ComponentIdentity = { commonName: "system:kube-proxy" };

/** kubeadm's kubeconfig layout: cluster `kubernetes`, user = the CN, context `<user>@kubernetes`, credentials embedded. */
export function clientCertificateKubeconfig(server: string, caPem: string, user: string, cert: { certPem: string; keyPem: string }, clusterName = "kubernetes"): Kubeconfig {
  const context = `${user}@${clusterName}`;
  return {
    ...emptyKubeconfig(),
    clusters: [{ name: clusterName, cluster: { server, "certificate-authority-data": Buffer.from(caPem).toString("base64") } }],
    users: [{ name: user, user: { "client-certificate-data": Buffer.from(cert.certPem).toString("base64"), "client-key-data": Buffer.from(cert.keyPem).toString("base64") } }],
    contexts: [{ name: context, context: { cluster: clusterName, user } }],
    "current-context": context,
  };
}

/** The kubeconfig at `path` if it names `server` and holds a client certificate for `identity` that `caPem` issued and that is still valid. */
function reusable(path: string, server: string, caPem: string, identity: ComponentIdentity): boolean {
  if (!existsSync(path)) return false;
  try {
    const config = readKubeconfig(path);
    const data = config.users[0]?.user["client-certificate-data"];
    if (!data || config.clusters[0]?.cluster.server !== server) return false;
    const cert = new X509Certificate(Buffer.from(data, "base64"));
    const ca = new X509Certificate(caPem);
    const subject = [...(identity.organization ?? []).map((o) => `O=${o}`), `CN=${identity.commonName}`].join("\n");
    return cert.checkIssued(ca) && cert.verify(ca.publicKey) && Date.parse(cert.validTo) > Date.now() && cert.subject === subject;
  } catch {
    return false;
  }
}

/**
 * Writes the kubeconfig a component runs with (mode 0600): the API server, the cluster CA and a
 * client certificate for `identity` signed by that CA (valid a year, as kubeadm's). A file already
 * there with a valid certificate for the same identity and server is kept. Returns `path`.
 */
export async function writeComponentKubeconfig(path: string, options: { server: string; ca: { certPem: string; keyPem: string }; identity: ComponentIdentity }): Promise<string> {
  const { server, ca, identity } = options;
  if (reusable(path, server, ca.certPem, identity)) return path;
  const cert = await issueCertificate(ca, { commonName: identity.commonName, ...(identity.organization ? { organization: identity.organization } : {}), clientAuth: true });
  writeKubeconfig(path, clientCertificateKubeconfig(server, ca.certPem, identity.commonName, cert));
  return path;
}

/** The CA (certificate and key) a certificates directory holds (`ca.crt`, `ca.key`). */
export function readCertificateAuthority(dir: string): { certPem: string; keyPem: string } {
  return { certPem: readFileSync(`${dir}/ca.crt`, "utf8"), keyPem: readFileSync(`${dir}/ca.key`, "utf8") };
}
