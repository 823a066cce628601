import { randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { IncomingMessage } from "node:http";
import type { UserInfo } from "../admission.js";

/** The user the admin token authenticates as (kubeadm's admin.conf user, in system:masters). */
export const ADMIN_USER: UserInfo = Object.freeze({ username: "kubernetes-admin", groups: Object.freeze(["system:masters", "system:authenticated"]) });

/** Maps a bearer token to a user; undefined when the token is not known. May answer asynchronously (service account tokens look their account up). */
export interface TokenAuthenticator {
  authenticate(token: string): UserInfo | undefined | Promise<UserInfo | undefined>;
}

/** One static token for one user, compared in constant time. */
export function staticTokenAuthenticator(token: string, user: UserInfo = ADMIN_USER): TokenAuthenticator {
  const expected = Buffer.from(token);
  return {
    authenticate(candidate) {
      const got = Buffer.from(candidate);
      return got.length === expected.length && timingSafeEqual(got, expected) ? user : undefined;
    },
  };
}

/** The bearer token of a request (`Authorization: Bearer <token>`), or undefined. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : undefined;
}

/** A new random admin token (32 bytes, hex). */
export function newAdminToken(): string {
  return randomBytes(32).toString("hex");
}

const TOKEN_FILE = "admin-token";

/**
 * The admin token kept in `stateDir/admin-token` (mode 0600), created on first use, so
 * kubeconfigs written by an earlier start keep working.
 */
export function loadOrCreateAdminToken(stateDir: string): string {
  const path = join(stateDir, TOKEN_FILE);
  if (existsSync(path)) {
    const t = readFileSync(path, "utf8").trim();
    if (t) return t;
  }
  mkdirSync(stateDir, { recursive: true });
  const token = newAdminToken();
  writeFileSync(path, token + "\n", { mode: 0o600 });
  return token;
}
