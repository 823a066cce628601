import { token } from "../di/token.js";
import type { UserInfo } from "../apiserver/admission.js";
import type { Client } from "./client.js";

/**
 * Hands a component the client it acts through, authenticated as its own user — as each of
 * kube-scheduler, kube-controller-manager (and each of its controllers), the kubelets and
 * kube-proxy carries its own credentials in a real cluster. In a Cluster the clients are
 * in-process: requests carry the user and are authorized exactly as the HTTP server authorizes
 * that user (Node, RBAC, the contributed authorizers), and admission sees the user (NodeRestriction
 * for kubelets). One client per user and User-Agent, kept for the cluster's life.
 */
export interface ClientFactory {
  /**
   * `userAgent` is what the component's requests carry (see componentUserAgent): writes that name
   * no `fieldManager` are recorded under its first segment, as kube-apiserver records them.
   */
  clientFor(user: UserInfo, userAgent?: string): Client;
}

export const ClientFactory = token<ClientFactory>("ClientFactory");

/** The group of every authenticated user. */
const AUTHENTICATED = "system:authenticated";

/** kube-scheduler's user (kubeadm's scheduler.conf: a client certificate with CN `system:kube-scheduler`). */
export const KUBE_SCHEDULER_USER: UserInfo = Object.freeze({ username: "system:kube-scheduler", groups: Object.freeze([AUTHENTICATED]) });

/** kube-controller-manager's own user (controller-manager.conf): leader election, shared informers, service account clients. */
export const KUBE_CONTROLLER_MANAGER_USER: UserInfo = Object.freeze({ username: "system:kube-controller-manager", groups: Object.freeze([AUTHENTICATED]) });

/** kube-proxy's user, bound to `system:node-proxier` by the bootstrap policy. */
export const KUBE_PROXY_USER: UserInfo = Object.freeze({ username: "system:kube-proxy", groups: Object.freeze([AUTHENTICATED]) });

/** A kubelet's user (kubelet.conf): `system:node:<node>` in `system:nodes`, which the Node authorizer and NodeRestriction recognise. */
export function nodeUser(nodeName: string): UserInfo {
  return { username: `system:node:${nodeName}`, groups: ["system:nodes", AUTHENTICATED] };
}

/** A ServiceAccount's user: `system:serviceaccount:<ns>:<name>` in `system:serviceaccounts` and `system:serviceaccounts:<ns>`. */
export function serviceAccountUser(namespace: string, name: string): UserInfo {
  return { username: `system:serviceaccount:${namespace}:${name}`, groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, AUTHENTICATED] };
}
