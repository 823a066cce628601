import type { IncomingMessage } from "node:http";
import { TLSSocket } from "node:tls";
import type { UserInfo } from "../admission.js";

const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
/** A connection's certificate user, worked out once per TLS connection (null: none). */
const users = new WeakMap<TLSSocket, UserInfo | null>();

function list(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/**
 * kube-apiserver's x509 authenticator (`--client-ca-file`): a client certificate that the cluster
 * CA signed, still valid and usable for client auth (no extended key usage, or `clientAuth` among
 * them) authenticates as its subject — CN the user name, each O a group — plus
 * `system:authenticated`. Undefined when the connection presented no such certificate (an
 * untrusted one is ignored, so other credentials on the request still count).
 */
export function clientCertificateUser(req: IncomingMessage): UserInfo | undefined {
  const socket = req.socket;
  if (!(socket instanceof TLSSocket)) return undefined;
  let user = users.get(socket);
  if (user === undefined) {
    user = null;
    if (socket.authorized) {
      const cert = socket.getPeerCertificate();
      const cn = list(cert?.subject?.CN)[0];
      const usable = !cert?.ext_key_usage || cert.ext_key_usage.includes(CLIENT_AUTH);
      if (cn && usable) user = Object.freeze({ username: cn, groups: Object.freeze([...list(cert.subject.O), "system:authenticated"]) });
    }
    users.set(socket, user);
  }
  return user ?? undefined;
}
