import type { DirectiveReader } from "../corefile/parse.js";

/** The port of a listen address (`:8080`, `0.0.0.0:8181`, `localhost:9153`), or `fallback` when none is given. */
export function httpPort(reader: DirectiveReader, address: string | undefined, fallback: number): number {
  if (address === undefined) return fallback;
  const m = /^(?:[^:]*|\[[^\]]*\]):(\d+)$/.exec(address);
  if (!m || Number(m[1]) > 65535) throw reader.error(`invalid address '${address}': expected [HOST]:PORT`);
  return Number(m[1]);
}
