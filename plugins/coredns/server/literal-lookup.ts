import { lookup, type LookupOneOptions } from "node:dns";
import { isIP } from "node:net";

/**
 * A dgram socket's `lookup`: an IP literal (a datagram's source, where a reply goes) as it is, at
 * once; names through the resolver. dgram's default runs `dns.lookup` for every send.
 */
export function literalAddress(address: string, options: LookupOneOptions | number, callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void): void {
  const literal = isIP(address);
  if (literal) callback(null, address, literal);
  // dgram passes the socket's family as a number.
  else lookup(address, typeof options === "number" ? { family: options } : options, callback);
}
