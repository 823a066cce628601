import { Composer, Lexer, LineCounter, Parser, type Document } from "yaml";
import { firstNonJson } from "./json-only.js";
import { jsonTextTooDeep, MAX_NESTING_DEPTH, valueTooDeep } from "./nesting-depth.js";

/** A YAML (or JSON) text that cannot become a JSON value; `message` is what sigs.k8s.io/yaml would say, as near as kubesim knows it. */
export class YamlToJsonError extends Error {
  override readonly name = "YamlToJsonError";
}

/** Aliases a document may expand (the yaml library's bound on "billion laughs" documents). */
const MAX_ALIAS_COUNT = 100;

/** The parser's stack holds the stream and the document around the top-level node. */
const PARSER_STACK_BASE = 2;

/**
 * The JSON value of one YAML document, as kube-apiserver's `yaml.YAMLToJSON` makes it, with the
 * work bounded whatever the text: nesting deeper than `limit` is refused while the text is still
 * being parsed (the YAML composer recurses per level, and a stack overflow in V8's regular
 * expression compiler aborts the process), aliases are bounded, and the value must be JSON (no
 * cycles, no infinities or NaN). JSON text takes the JSON parser's fast path. An empty document is
 * null. Throws YamlToJsonError.
 */
export function yamlToJson(text: string, limit = MAX_NESTING_DEPTH): unknown {
  const json = parseJsonText(text, limit);
  if (json !== NOT_JSON) return json;
  const doc = composeDocument(text, limit);
  const error = doc.errors[0];
  if (error) throw new YamlToJsonError(error.message);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (err instanceof ReferenceError && /alias/i.test(err.message)) throw new YamlToJsonError("yaml: document contains excessive aliasing");
    throw new YamlToJsonError(`yaml: ${(err as Error).message}`);
  }
  // Aliases can nest what the text does not (and point at their own ancestors).
  if (valueTooDeep(value, limit)) throw new YamlToJsonError(`yaml: exceeded max depth of ${limit}`);
  const unsupported = firstNonJson(value);
  if (unsupported) throw new YamlToJsonError(unsupported);
  return value;
}

const NOT_JSON = Symbol("not JSON");

/** JSON is YAML: a text that parses as JSON needs none of the YAML machinery. */
function parseJsonText(text: string, limit: number): unknown {
  const first = text.trimStart()[0];
  if (first !== "{" && first !== "[") return NOT_JSON;
  // Too deep, or not JSON after all (a YAML flow string may hold brackets): the YAML path decides.
  if (jsonTextTooDeep(text, limit)) return NOT_JSON;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
  // Only a text that spells or escapes a name can hold `__proto__`.
  const unsupported = text.includes("__proto__") || text.includes("\\u") ? firstNonJson(value) : undefined;
  if (unsupported) throw new YamlToJsonError(unsupported);
  return value;
}

/** Parses the first document, stopping as soon as the parser's stack passes the nesting limit. */
function composeDocument(text: string, limit: number): Document.Parsed {
  const lines = new LineCounter();
  const parser = new Parser(lines.addNewLine);
  lines.addNewLine(0);
  const tokens = [];
  for (const lexeme of new Lexer().lex(text)) {
    for (const token of parser.next(lexeme)) tokens.push(token);
    if (parser.stack.length > limit + PARSER_STACK_BASE) {
      const { line } = lines.linePos(parser.offset);
      throw new YamlToJsonError(`yaml: line ${line}: exceeded max depth of ${limit}`);
    }
  }
  for (const token of parser.end()) tokens.push(token);
  // Duplicate keys are allowed (the last wins), as go-yaml's non-strict decoding allows them;
  // field validation reports them. Documents after the first are ignored, as yaml.Unmarshal does.
  // YAML 1.1 types (!!binary, !!set, timestamps...) stay unresolved: the value is plain JSON.
  // logLevel "error": what the document says about itself is never printed by the server.
  const composer = new Composer({ uniqueKeys: false, resolveKnownTags: false, logLevel: "error" });
  let doc: Document.Parsed | undefined;
  for (const d of composer.compose(tokens, true, text.length)) {
    doc ??= d;
  }
  for (const e of doc!.errors) e.message = `yaml: line ${lines.linePos(e.pos[0]).line}: ${e.message}`;
  return doc!;
}

