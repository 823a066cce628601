import type { IncomingMessage } from "node:http";
import { badRequest } from "../../api/status.js";
import type { UserInfo } from "../admission.js";
import type { AuthorizationAttributes } from "./authorization.js";

const USER = "impersonate-user";
const GROUP = "impersonate-group";
const UID = "impersonate-uid";
const EXTRA_PREFIX = "impersonate-extra-";
const SA_PREFIX = "system:serviceaccount:";

function values(req: IncomingMessage, header: string): string[] {
  const v = req.headers[header];
  if (v === undefined) return [];
  // Node joins repeated headers with ", " (set-cookie aside): split them again.
  return (Array.isArray(v) ? v : v.split(",")).map((s) => s.trim()).filter(Boolean);
}

/**
 * kube-apiserver's impersonation filter (`kubectl --as`, `--as-group`, `--as-uid`): when a request
 * carries `Impersonate-User` (with optional `Impersonate-Group`, `Impersonate-Uid`,
 * `Impersonate-Extra-<key>` headers), the requester must be allowed the `impersonate` verb on each
 * (users, groups, service accounts by namespace and name, uids and userextras of
 * authentication.k8s.io); the request then runs as that user, in `system:authenticated` (service
 * accounts also in their groups). `authorize` throws the Forbidden for a refused check. Without
 * the headers, `user` is returned as is.
 */
export async function impersonatedUser(req: IncomingMessage, user: UserInfo, authorize: (attributes: AuthorizationAttributes) => Promise<void>): Promise<UserInfo> {
  const users = values(req, USER);
  const groups = values(req, GROUP);
  const uids = values(req, UID);
  const extraHeaders = Object.keys(req.headers).filter((h) => h.startsWith(EXTRA_PREFIX));
  if (!users.length) {
    if (groups.length || uids.length || extraHeaders.length) {
      const requested = [...groups.map((g) => `{Group  ${g}}`), ...uids.map((u) => `{UID  ${u}}`)];
      throw badRequest(`requested [${requested.join(" ")}] without impersonating a user`);
    }
    return user;
  }
  if (users.length > 1) throw badRequest("only one user may be impersonated");
  const check = (a: Omit<AuthorizationAttributes, "user" | "verb" | "isResourceRequest" | "path">): Promise<void> =>
    authorize({ user, verb: "impersonate", isResourceRequest: true, path: req.url ?? "/", apiVersion: "", ...a });
  const username = users[0]!;
  let serviceAccountGroups: string[] = [];
  if (username.startsWith(SA_PREFIX)) {
    const [namespace, name] = username.slice(SA_PREFIX.length).split(":");
    await check({ apiGroup: "", resource: "serviceaccounts", namespace: namespace ?? "", name: name ?? "" });
    serviceAccountGroups = ["system:serviceaccounts", `system:serviceaccounts:${namespace}`];
  } else {
    await check({ apiGroup: "", resource: "users", name: username });
  }
  for (const g of groups) await check({ apiGroup: "", resource: "groups", name: g });
  if (uids.length > 1) throw badRequest("only one uid may be impersonated");
  for (const u of uids) await check({ apiGroup: "authentication.k8s.io", resource: "uids", name: u });
  const extra: Record<string, string[]> = {};
  for (const h of extraHeaders) {
    const key = decodeURIComponent(h.slice(EXTRA_PREFIX.length));
    for (const v of values(req, h)) {
      await check({ apiGroup: "authentication.k8s.io", resource: "userextras", subresource: key, name: v });
      (extra[key] ??= []).push(v);
    }
  }
  const all = [...serviceAccountGroups, ...groups];
  const implicit = username === "system:anonymous" ? "system:unauthenticated" : "system:authenticated";
  if (!all.includes(implicit)) all.push(implicit);
  return { username, groups: all, ...(uids[0] ? { uid: uids[0] } : {}), ...(Object.keys(extra).length ? { extra } : {}) };
}
