import { isIP } from "node:net";
import type { UserInfo } from "../admission.js";

/**
 * The plain-HTTP mode's policy. kubectl (client-go) never sends a bearer token over plain HTTP, so
 * in that mode a request without credentials is served as this superuser — what kube-apiserver's
 * old insecure port did (`system:unsecured`, in `system:masters`). That is safe only on a loopback
 * address: {@link checkInsecureHost} refuses any other unless explicitly allowed.
 */
export const INSECURE_SUPERUSER: UserInfo = Object.freeze({ username: "system:unsecured", groups: Object.freeze(["system:masters", "system:authenticated"]) });

/** True for `localhost`, 127.0.0.0/8 and ::1 (also as ::ffff:127.x.x.x). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost") return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (isIP(h) === 6) return h === "::1" || h === "0:0:0:0:0:0:0:1" || h.startsWith("::ffff:127.");
  return false;
}

/** Throws when plain HTTP would be served on a non-loopback address without `allowRemote`. */
export function checkInsecureHost(host: string, allowRemote: boolean): void {
  if (allowRemote || isLoopbackHost(host)) return;
  throw new Error(
    `refusing to serve plain HTTP on ${host}: over plain HTTP kubectl sends no credentials, so every request is served as cluster admin; ` +
      `use a loopback address (127.0.0.1), HTTPS, or allow it explicitly (--insecure-allow-remote)`,
  );
}
