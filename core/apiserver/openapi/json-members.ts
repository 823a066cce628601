/**
 * A tiny JSON scanner that keeps what `JSON.parse` loses: every member of every object in
 * document order, duplicates included. Used to report `duplicate field` for fieldValidation.
 */
export type JsonNode =
  | { kind: "object"; members: [string, JsonNode][] }
  | { kind: "array"; items: JsonNode[] }
  | { kind: "scalar" };

/** Scans a JSON text; throws a SyntaxError on malformed input. */
export function scanJson(text: string): JsonNode {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && (text[i] === " " || text[i] === "\n" || text[i] === "\r" || text[i] === "\t")) i++;
  };
  const fail = (what: string): never => {
    throw new SyntaxError(`invalid JSON at offset ${i}: ${what}`);
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    if (i >= text.length) fail("unterminated string");
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (): JsonNode => {
    ws();
    const ch = text[i];
    if (ch === "{") {
      i++;
      const members: [string, JsonNode][] = [];
      ws();
      if (text[i] === "}") {
        i++;
        return { kind: "object", members };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected a member name");
        const key = str();
        ws();
        if (text[i] !== ":") fail("expected ':'");
        i++;
        members.push([key, value()]);
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") {
          i++;
          return { kind: "object", members };
        } else fail("expected ',' or '}'");
      }
    }
    if (ch === "[") {
      i++;
      const items: JsonNode[] = [];
      ws();
      if (text[i] === "]") {
        i++;
        return { kind: "array", items };
      }
      for (;;) {
        items.push(value());
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") {
          i++;
          return { kind: "array", items };
        } else fail("expected ',' or ']'");
      }
    }
    if (ch === '"') {
      str();
      return { kind: "scalar" };
    }
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) fail("unexpected character");
    i += m![0].length;
    return { kind: "scalar" };
  };
  const root = value();
  ws();
  if (i !== text.length) fail("trailing characters");
  return root;
}

/** The scanner's view of an already parsed value (no duplicates possible). */
export function nodeOf(value: unknown): JsonNode {
  if (Array.isArray(value)) return { kind: "array", items: value.map(nodeOf) };
  if (value !== null && typeof value === "object") return { kind: "object", members: Object.entries(value).map(([k, v]) => [k, nodeOf(v)]) };
  return { kind: "scalar" };
}
