import type { FileSystem } from "../../../core/cri/filesystem.js";

/** One record read from a container log file (after the cri/docker multiline parser). */
export interface LogRecord {
  /** The file (tag `kube.<path with dots>`). */
  file: string;
  /** Where the record's last line ends in the file: its position in the offsets DB. */
  offset: number;
  /** RFC 3339 time written by the runtime. */
  time: string;
  stream: string;
  log: string;
}

interface FileState {
  offset: number;
  /** The last line consumed (with its newline): finds the position again after the file's front was trimmed. */
  last: string;
}

/**
 * fluent-bit's `tail` input over container log files: finds files matching `Path`
 * (`/var/log/containers/*.log`), reads what was appended since the offset kept in its DB file
 * (one line per file: path, offset, last line), joins CRI partial lines (`P`) and parses the CRI
 * and docker json-file formats. Offsets are committed only once the records were delivered, so a
 * restarted collector resumes where delivery stopped. A file whose front was trimmed is found
 * again by its last consumed line; one that shrank below it starts over.
 */
export class TailInput {
  private readonly files = new Map<string, FileState>();
  private readonly dir: string;
  private readonly pattern: RegExp;

  constructor(
    private readonly fs: FileSystem,
    path: string,
    private readonly dbPath: string | undefined,
    private readonly readFromHead: boolean,
  ) {
    const slash = path.lastIndexOf("/");
    this.dir = path.slice(0, slash) || "/";
    this.pattern = new RegExp(`^${path.slice(slash + 1).split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
    this.loadDb();
  }

  private loadDb(): void {
    const text = this.dbPath ? this.fs.read(this.dbPath) : undefined;
    for (const line of (text ?? "").split("\n")) {
      const [name, offset, last] = line.split("\t");
      if (!name || offset === undefined) continue;
      this.files.set(name, { offset: Number(offset), last: last ? (JSON.parse(last) as string) : "" });
    }
  }

  /** Files currently matching the pattern. */
  private scan(): string[] {
    return (this.fs.list(this.dir) ?? []).filter((n) => this.pattern.test(n)).map((n) => `${this.dir === "/" ? "" : this.dir}/${n}`);
  }

  /** Records appended since the committed offsets (at most `limit` lines per call). Nothing is committed. */
  read(limit = 5000, firstScan = false): LogRecord[] {
    const out: LogRecord[] = [];
    for (const file of this.scan()) {
      if (out.length >= limit) break;
      const text = this.fs.read(file);
      if (text === undefined) continue;
      let state = this.files.get(file);
      if (!state) {
        // A file seen for the first time: from its head, or (at startup without Read_from_Head) from its end.
        state = firstScan && !this.readFromHead ? { offset: text.length, last: lastLine(text, text.length) } : { offset: 0, last: "" };
        this.files.set(file, state);
      }
      let start = state.offset;
      if (start > text.length || (start > 0 && lastLine(text, start) !== state.last)) {
        // The runtime trimmed the file's front (or it was rotated): find the last consumed line again.
        const at = state.last ? text.lastIndexOf(state.last) : -1;
        start = at >= 0 ? at + state.last.length : 0;
      }
      let partial: { time: string; stream: string; log: string } | undefined;
      let pos = start;
      while (pos < text.length && out.length < limit) {
        const nl = text.indexOf("\n", pos);
        if (nl < 0) break; // an unterminated line waits for its end
        const line = text.slice(pos, nl);
        pos = nl + 1;
        const e = parseLine(line);
        if (!e) continue;
        if (e.partial) {
          partial = partial ? { ...partial, log: partial.log + e.log } : { time: e.time, stream: e.stream, log: e.log };
          continue;
        }
        const rec = partial ? { ...partial, log: partial.log + e.log } : e;
        partial = undefined;
        out.push({ file, offset: pos, time: rec.time, stream: rec.stream, log: rec.log });
      }
    }
    return out;
  }

  /** Marks records as delivered: their files' offsets move past them and the DB file is rewritten. */
  commit(records: readonly LogRecord[]): void {
    for (const r of records) {
      const text = this.fs.read(r.file);
      const state = this.files.get(r.file) ?? { offset: 0, last: "" };
      // Records come in file order: the last one of a file carries its new offset.
      state.offset = r.offset;
      if (text !== undefined) state.last = lastLine(text, r.offset);
      this.files.set(r.file, state);
    }
    // Files gone from disk are forgotten (their containers were removed).
    const present = new Set(this.scan());
    for (const f of [...this.files.keys()]) if (!present.has(f)) this.files.delete(f);
    this.saveDb();
  }

  /** Rewrites the DB file: one line per file, `path<TAB>offset<TAB>last line (JSON)`. */
  private saveDb(): void {
    if (!this.dbPath) return;
    let text = "";
    for (const [name, s] of this.files) text += `${name}\t${s.offset}\t${JSON.stringify(s.last)}\n`;
    this.fs.write(this.dbPath, text);
  }

  /** Committed offset of `file` (tests). */
  offsetOf(file: string): number | undefined {
    return this.files.get(file)?.offset;
  }
}

/** The line (with its newline) that ends at `end` in `text`. */
function lastLine(text: string, end: number): string {
  if (end <= 0) return "";
  const start = text.lastIndexOf("\n", end - 2) + 1;
  return text.slice(start, end);
}

/** A CRI (`<time> <stream> <P|F> <log>`) or docker json-file line. */
function parseLine(line: string): { time: string; stream: string; log: string; partial: boolean } | undefined {
  if (line.startsWith("{")) {
    try {
      const j = JSON.parse(line) as { log?: string; stream?: string; time?: string };
      if (typeof j.log !== "string") return undefined;
      const partial = !j.log.endsWith("\n");
      return { time: j.time ?? "", stream: j.stream ?? "stdout", log: partial ? j.log : j.log.slice(0, -1), partial };
    } catch {
      return undefined;
    }
  }
  const a = line.indexOf(" ");
  const b = line.indexOf(" ", a + 1);
  const c = line.indexOf(" ", b + 1);
  if (a < 0 || b < 0) return undefined;
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  return { time: line.slice(0, a), stream: line.slice(a + 1, b), log: c < 0 ? "" : line.slice(c + 1), partial: tag === "P" };
}
