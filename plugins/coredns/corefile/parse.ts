/**
 * The Corefile: CoreDNS's configuration, in Caddyfile syntax. A Corefile is a list of server
 * blocks; each block has one or more keys (zones with optional port and transport, e.g.
 * `.:53`, `cluster.local:53`, `dns://example.org`) and a body of directives, one per line: a plugin
 * name, its arguments, and optionally a `{ ... }` block of sub-directives.
 *
 * ```
 * .:53 {
 *     errors
 *     kubernetes cluster.local in-addr.arpa ip6.arpa {
 *        pods insecure
 *     }
 *     forward . /etc/resolv.conf
 * }
 * ```
 * Supported: `#` comments, double-quoted and back-quoted tokens, `{$ENV}` placeholders, several
 * keys per block (space or comma separated). Errors are {@link CorefileError}s naming the line.
 */

import { parseGoDuration } from "../../../core/api/duration.js";

/** One token of the Corefile with the line it came from. */
export interface Token {
  readonly text: string;
  readonly line: number;
  /** The token was quoted (so `{` is a literal, not a block). */
  readonly quoted: boolean;
}

/** A directive inside a server block (a plugin) or inside a plugin's block (an option). */
export interface Directive {
  readonly name: string;
  readonly args: readonly string[];
  readonly line: number;
  /** The directive's `{ ... }` block, when it has one. */
  readonly block?: readonly Directive[];
}

/** A server block: its keys as written and its directives in file order. */
export interface ServerBlockConfig {
  readonly keys: readonly string[];
  readonly line: number;
  readonly directives: readonly Directive[];
}

/** A Corefile that could not be parsed; the message reads as CoreDNS's (`Corefile:7 - Error during parsing: ...`). */
export class CorefileError extends Error {
  override readonly name = "CorefileError";
  constructor(
    readonly line: number,
    readonly detail: string,
    readonly plugin?: string,
    readonly file = "Corefile",
  ) {
    super(`${plugin ? `plugin/${plugin}: ` : ""}${file}:${line} - Error during parsing: ${detail}`);
  }
}

/** Splits Corefile text into tokens (comments dropped, quotes and `{$ENV}` resolved). */
export function tokenize(text: string, env: Readonly<Record<string, string | undefined>> = {}): Token[] {
  const out: Token[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === "\n") {
      line++;
      i++;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r" || c === ",") {
      i++;
      continue;
    }
    if (c === "#") {
      while (i < n && text[i] !== "\n") i++;
      continue;
    }
    const start = line;
    if (c === '"' || c === "`") {
      let value = "";
      i++;
      while (i < n && text[i] !== c) {
        if (c === '"' && text[i] === "\\" && i + 1 < n && (text[i + 1] === '"' || text[i + 1] === "\\")) i++;
        if (text[i] === "\n") line++;
        value += text[i++];
      }
      if (i >= n) throw new CorefileError(start, "Unterminated quoted string");
      i++;
      out.push({ text: expandEnv(value, env), line: start, quoted: true });
      continue;
    }
    let value = "";
    while (i < n && !/[\s,]/.test(text[i]!)) {
      if (text[i] === "#" && value === "") break;
      value += text[i++];
    }
    out.push({ text: expandEnv(value, env), line: start, quoted: false });
  }
  return out;
}

function expandEnv(value: string, env: Readonly<Record<string, string | undefined>>): string {
  return value.replace(/\{\$([A-Za-z_][A-Za-z0-9_]*)\}|\{%([A-Za-z_][A-Za-z0-9_]*)%\}/g, (_m, a: string | undefined, b: string | undefined) => env[(a ?? b)!] ?? "");
}

/**
 * Parses a Corefile into server blocks. Structural errors (unbalanced braces, a block without
 * keys, an empty file) are reported here; what a plugin's arguments mean is checked by the plugin.
 */
export function parseCorefile(text: string, env: Readonly<Record<string, string | undefined>> = {}): ServerBlockConfig[] {
  const tokens = tokenize(text, env);
  const blocks: ServerBlockConfig[] = [];
  let i = 0;
  const isOpen = (t: Token | undefined): boolean => t !== undefined && !t.quoted && t.text === "{";
  const isClose = (t: Token | undefined): boolean => t !== undefined && !t.quoted && t.text === "}";

  /** Directives until the matching `}` (the opening brace is already consumed). */
  const body = (openLine: number, owner: string | undefined): Directive[] => {
    const directives: Directive[] = [];
    for (;;) {
      const t = tokens[i];
      if (!t) throw new CorefileError(openLine, "Unexpected EOF: missing closing brace '}'", owner);
      if (isClose(t)) {
        i++;
        return directives;
      }
      if (isOpen(t)) throw new CorefileError(t.line, "Unexpected '{' without a directive before it", owner);
      i++;
      const args: string[] = [];
      while (tokens[i] && tokens[i]!.line === t.line && !isOpen(tokens[i]) && !isClose(tokens[i])) args.push(tokens[i++]!.text);
      let block: Directive[] | undefined;
      if (isOpen(tokens[i]) && tokens[i]!.line === t.line) {
        i++;
        block = body(t.line, owner ?? t.text);
      }
      directives.push({ name: t.text, args, line: t.line, ...(block ? { block } : {}) });
    }
  };

  while (i < tokens.length) {
    const first = tokens[i]!;
    if (isOpen(first) || isClose(first)) throw new CorefileError(first.line, `Unexpected '${first.text}': a server block starts with its zones (e.g. ".:53 {")`);
    const keys: string[] = [];
    while (tokens[i] && !isOpen(tokens[i]) && !isClose(tokens[i])) keys.push(tokens[i++]!.text);
    if (!isOpen(tokens[i])) {
      // A single server block without braces (`.:53` then directives on following lines) is Caddy's
      // shorthand; CoreDNS needs braces to be unambiguous with more than one key line.
      throw new CorefileError(first.line, `Expected '{' after the server block keys ${keys.join(" ")}`);
    }
    i++;
    blocks.push({ keys, line: first.line, directives: body(first.line, undefined) });
  }
  if (blocks.length === 0) throw new CorefileError(1, "no server blocks: the Corefile is empty");
  return blocks;
}

/** Helpers a DNS plugin uses to read its directive, with errors in CoreDNS's wording. */
export class DirectiveReader {
  constructor(
    readonly directive: Directive,
    readonly plugin = directive.name,
  ) {}

  /** `Wrong argument count or unexpected line ending after '<token>'`. */
  argError(line = this.directive.line, after?: string): CorefileError {
    return new CorefileError(line, `Wrong argument count or unexpected line ending after '${after ?? this.directive.name}'`, this.plugin);
  }

  /** Any other error about this directive. */
  error(detail: string, line = this.directive.line): CorefileError {
    return new CorefileError(line, detail, this.plugin);
  }

  /** `unknown property '<name>'` for a sub-directive this plugin does not know. */
  unknown(sub: Directive): CorefileError {
    return new CorefileError(sub.line, `unknown property '${sub.name}'`, this.plugin);
  }

  /** Parses a Go duration (`5s`, `1m30s`, `300ms`) into milliseconds. */
  duration(text: string, line = this.directive.line): number {
    try {
      return parseGoDuration(text);
    } catch (err) {
      throw this.error((err as Error).message, line);
    }
  }

  /** Parses a non-negative integer. */
  integer(text: string, line = this.directive.line, what = "value"): number {
    if (!/^\d+$/.test(text)) throw this.error(`invalid ${what} '${text}': strconv.Atoi: parsing "${text}": invalid syntax`, line);
    return Number(text);
  }
}

