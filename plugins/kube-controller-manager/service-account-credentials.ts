import type { ServiceAccount } from "kubernetes-types/core/v1.js";
import { HttpClient, isStatusError, type Client } from "../../core/index.js";
import type { HttpConnection } from "../../core/client/http-transport.js";
import { serviceAccountUser } from "../../core/client/client-factory.js";
import { componentUserAgent } from "../../core/client/user-agent.js";
import type { UserInfo } from "../../core/apiserver/admission.js";

/** The namespace controllers' service accounts live in. */
export const CONTROLLER_SA_NAMESPACE = "kube-system";

/** A controller's client by its service account name (`--use-service-account-credentials`). */
export type ServiceAccountClients = (serviceAccount: string) => Promise<Client>;

/** Creates `kube-system/<name>` unless it exists, as upstream's SA client builder does before asking for a token. */
async function ensureServiceAccount(root: Client, name: string): Promise<void> {
  await root.resource<ServiceAccount>("ServiceAccount").create({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace: CONTROLLER_SA_NAMESPACE } }, { fieldManager: "kube-controller-manager" }).catch((err: unknown) => {
    if (!isStatusError(err, "AlreadyExists")) throw err;
  });
}

/** Memoises one client per service account, created on first use. */
function memoised(make: (name: string) => Promise<Client>): ServiceAccountClients {
  const clients = new Map<string, Promise<Client>>();
  return (name) => {
    let c = clients.get(name);
    if (!c) {
      clients.set(name, (c = make(name)));
      c.catch(() => clients.delete(name));
    }
    return c;
  };
}

/**
 * In the API server's process: each controller's service account is created with the
 * controller manager's own client, and the controller gets an in-process client acting as
 * `system:serviceaccount:kube-system:<name>` (authorized like a request with that account's token).
 */
export function inProcessServiceAccountClients(root: Client, clientFor: (user: UserInfo) => Client): ServiceAccountClients {
  return memoised(async (name) => {
    await ensureServiceAccount(root, name);
    return clientFor(serviceAccountUser(CONTROLLER_SA_NAMESPACE, name));
  });
}

/** How long the tokens the out-of-process controllers ask for are valid (kubesim does not rotate them: a year). */
export const CONTROLLER_TOKEN_SECONDS = 365 * 24 * 3600;

/**
 * Over HTTP (upstream's SAControllerClientBuilder): the service account is created, a token is
 * requested for it through TokenRequest with the controller manager's own credentials, and the
 * controller talks to the same server with that bearer token.
 */
export function tokenServiceAccountClients(root: Client, connection: HttpConnection): ServiceAccountClients {
  return memoised(async (name) => {
    await ensureServiceAccount(root, name);
    const review = await root.resource<ServiceAccount>("ServiceAccount").createSubresource(name, "token", { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: CONTROLLER_TOKEN_SECONDS } } as never, { namespace: CONTROLLER_SA_NAMESPACE }) as { status?: { token?: string } };
    const token = review.status?.token;
    if (!token) throw new Error(`no token was issued for service account ${CONTROLLER_SA_NAMESPACE}/${name}`);
    const { clientCertData: _c, clientKeyData: _k, ...server } = connection;
    return new HttpClient({ ...server, token, userAgent: componentUserAgent("kube-controller-manager", serviceAccountUser(CONTROLLER_SA_NAMESPACE, name).username) });
  });
}
