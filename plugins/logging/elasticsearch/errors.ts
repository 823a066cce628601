/** An Elasticsearch error response: HTTP status, exception type and reason, shaped as ES writes it. */
export class EsError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly reason: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(reason);
  }

  body(): Record<string, unknown> {
    const cause = { type: this.type, reason: this.reason, ...this.extra };
    return { error: { root_cause: [cause], ...cause }, status: this.status };
  }
}

export const parsingError = (reason: string): EsError => new EsError(400, "parsing_exception", reason, { line: 1, col: 1 });
export const indexNotFound = (index: string): EsError => new EsError(404, "index_not_found_exception", `no such index [${index}]`, { "resource.type": "index_or_alias", "resource.id": index, index_uuid: "_na_", index });
