/** The representation of `/openapi/v2` a client asked for. */
export type OpenApiV2Format = "json" | "protobuf";

/** The Content-Type of the protobuf answer (also for the deprecated `@v1.0` request spelling). */
export const OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

const OFFERS: readonly { subtype: string; format: OpenApiV2Format }[] = [
  { subtype: "json", format: "json" },
  { subtype: "com.github.proto-openapi.spec.v2@v1.0+protobuf", format: "protobuf" },
  { subtype: "com.github.proto-openapi.spec.v2.v1.0+protobuf", format: "protobuf" },
];

interface Clause {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(accept: string): Clause[] {
  const clauses: Clause[] = [];
  for (const part of accept.split(",")) {
    const [range, ...params] = part.split(";").map((s) => s.trim());
    if (!range) continue;
    const slash = range.indexOf("/");
    const type = slash < 0 ? range : range.slice(0, slash);
    const subtype = slash < 0 ? "*" : range.slice(slash + 1);
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split("=").map((s) => s.trim());
      if (k === "q" && v !== undefined && !Number.isNaN(Number(v))) q = Number(v);
    }
    clauses.push({ type, subtype, q });
  }
  // Highest quality first, then concrete types before wildcards (a stable sort keeps the client's order otherwise).
  const rank = (c: Clause): number => (c.type === "*" ? 0 : c.subtype === "*" ? 1 : 2);
  return clauses.sort((a, b) => b.q - a.q || rank(b) - rank(a));
}

/**
 * Chooses JSON or protobuf for `/openapi/v2` from an `Accept` header as kube-openapi's handler
 * does: the first clause (by quality) matching `application/json` or either protobuf spelling wins;
 * none or `*\/*` is JSON; undefined when nothing offered is acceptable (the handler answers 406).
 */
export function negotiateOpenApiV2(accept: string | undefined): OpenApiV2Format | undefined {
  for (const clause of parseAccept(accept || "*/*")) {
    if (clause.q <= 0) continue;
    for (const offer of OFFERS) {
      if ((clause.type === "application" || clause.type === "*") && (clause.subtype === offer.subtype || clause.subtype === "*")) return offer.format;
    }
  }
  return undefined;
}
