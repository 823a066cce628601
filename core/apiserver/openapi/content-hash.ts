import { createHash } from "node:crypto";

/** The hash kube-apiserver puts in `/openapi/v3` links: uppercase hex SHA-512 of the served bytes. */
export function contentHash(serialized: string): string {
  return createHash("sha512").update(serialized).digest("hex").toUpperCase();
}
