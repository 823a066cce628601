import type { LogStore } from "../../core/cri/runtime-service.js";

/** Formats a time as Go's RFC3339Nano in UTC (trailing zeros of the fraction trimmed). */
export function rfc3339Nano(ms: number): string {
  // Busy containers log many lines in the same millisecond: the text is kept for the last one asked.
  if (ms === lastMs) return lastText;
  // The date and time of day are formatted once per second; the fraction comes from a table.
  const t = Math.trunc(ms);
  const millis = t % 1000;
  const second = t - millis;
  if (second !== lastSecond || millis < 0) {
    lastSecond = second;
    lastSecondText = new Date(t).toISOString().slice(0, 19);
  }
  lastMs = ms;
  lastText = lastSecondText + (millis < 0 ? new Date(t).toISOString().slice(19, 23).replace(/\.?0+$/, "") : FRACTIONS[millis]!) + "Z";
  return lastText;
}
let lastMs = Number.NaN;
let lastText = "";
let lastSecond = Number.NaN;
let lastSecondText = "";
/** `.d`, `.dd` or `.ddd` for each millisecond, trailing zeros trimmed (none for 0). */
const FRACTIONS = Array.from({ length: 1000 }, (_, i) => (i === 0 ? "" : `.${String(i).padStart(3, "0").replace(/0+$/, "")}`));

/** A CRI log line's `<time> <stream> <tag> ` prefix, as text and as its UTF-8 bytes. */
interface LinePrefix {
  time: string;
  text: string;
  bytes: Uint8Array;
}

/** The prefix of CRI log lines, kept for the last time asked per stream and tag (one piece in front of each line's text, its bytes encoded once). */
function linePrefix(time: number, stream: "stdout" | "stderr", partial: boolean): LinePrefix {
  const text = rfc3339Nano(time);
  const cached = (partial ? PARTIAL : FULL)[stream === "stdout" ? 0 : 1]!;
  if (cached.time !== text) {
    cached.time = text;
    cached.text = `${text} ${stream} ${partial ? "P" : "F"} `;
    cached.bytes = Buffer.from(cached.text);
  }
  return cached;
}
const newPrefix = (): LinePrefix => ({ time: "", text: "", bytes: new Uint8Array(0) });
const FULL = [newPrefix(), newPrefix()];
const PARTIAL = [newPrefix(), newPrefix()];

/** One piece of a log file: whole `\n`-terminated lines as UTF-8 bytes, `used` of them written, `lines` lines. */
interface Chunk {
  bytes: Buffer & Utf8Writer;
  used: number;
  lines: number;
}

/**
 * Node's native UTF-8 write into a Buffer (`buf.write(text, offset)` without its argument checks):
 * returns the bytes written. On every Buffer, not in Node's typings.
 */
interface Utf8Writer {
  utf8Write(text: string, offset: number): number;
}

/**
 * A log file's kept lines as UTF-8 bytes in a few large chunks, not a string per line: a busy
 * container (an access log line per request) appends without leaving objects for the garbage
 * collector to trace, and the cap drops lines off the front by moving an offset. Lines are split
 * out only when asked for (`kubectl logs`, `crictl logs`, stats).
 */
interface LogFile {
  /** The last one is the open chunk appended to; a line never spans two chunks. */
  chunks: Chunk[];
  /** Lines at the front of `chunks[0]` that were trimmed (the chunk goes once all of its lines have). */
  skip: number;
  /** Byte offset in `chunks[0]` after its first `startSkip` lines: found when read, not per line trimmed (see {@link frontOffset}). */
  start: number;
  startSkip: number;
  /** Lines kept (at most MAX_LOG_LINES). */
  kept: number;
  /** Lines trimmed from the front so far (the file keeps lines `dropped` .. `dropped + kept`). */
  dropped: number;
  followers?: Set<(line: string) => void>;
  /** The file's text as last asked for, covering lines `textFrom` .. `textTo` (absolute numbers), read up to `textChunk`'s `textEnd` byte. */
  text?: string;
  textFrom: number;
  textTo: number;
  textChunk?: Chunk;
  textEnd: number;
  /** The lines as last asked for, while `linesTo` is still the file's end. */
  lines?: string[];
  linesTo: number;
}

const newFile = (): LogFile => ({ chunks: [], skip: 0, start: 0, startSkip: 0, kept: 0, dropped: 0, textFrom: 0, textTo: 0, textEnd: 0, linesTo: -1 });

/**
 * Every log file created and not written to yet (a pause container's never is): one frozen
 * record shared by all of them rather than a record per container; the first line written, or
 * the first follower, gives the file its own.
 */
const UNWRITTEN: LogFile = Object.freeze(newFile());

/** The first chunk's size (at least: a file starts as large as its container name's previous one holds); it grows in place by a quarter (in 64-byte steps) up to CHUNK_MAX, then each next chunk is CHUNK_MAX (most containers write little). */
const CHUNK_MIN = 512;
const CHUNK_MAX = 64 * 1024;
/** How much larger a small chunk becomes each time it is full. */
const GROWTH = 1.25;
const NEWLINE = 10;

/**
 * The largest first chunk a new log file is given from what the previous file of its container
 * name holds ({@link CriLogStore}'s start-up sizes): a chattier sibling costs a new file at most
 * this much unused room.
 */
const START_MAX = 4096;
/** Container names whose last file a store remembers (a node runs a few kinds of containers). */
const MAX_START_NAMES = 1024;

/** The most lines a log file keeps (a stand-in for kubelet's containerLogMaxSize rotation). */
export const MAX_LOG_LINES = 10_000;

/**
 * Container log files in the CRI format containerd's CRI plugin writes
 * (`<RFC3339Nano> <stdout|stderr> <F|P> <text>`), one line per entry.
 */
export class CriLogStore implements LogStore {
  private readonly byPath = new Map<string, LogFile>();
  /**
   * `/`-terminated directory with log files below it → how many of its direct entries hold some
   * (files, and directories that are keys here): answers {@link hasFilesUnder} without a walk of
   * every file. A new file counts in its parent, and a directory in its own parent only when it
   * gets its first entry, so adding and removing stop at the first directory already (still)
   * holding others (a pod's log directory, not `/var/log/pods/` and each directory above it).
   */
  private readonly below = new Map<string, number>();
  /**
   * Container name → the file of that name that last opened its first chunk. A Deployment's
   * containers write the same start-up lines: a new file's first chunk is made as large as what
   * that sibling's holds (rounded up to 64 bytes, between CHUNK_MIN and {@link START_MAX}) rather
   * than grown to it in five copies, each a new buffer for the collector, and no larger than
   * growing would have made it for the same lines.
   */
  private readonly lastStarted = new Map<string, LogFile>();

  /** Enters a new log file (it was not there): its own record, or {@link UNWRITTEN}. */
  private add(path: string, file: LogFile = newFile()): LogFile {
    this.byPath.set(path, file);
    for (let end = path.lastIndexOf("/", path.length - 2); end >= 0; end = path.lastIndexOf("/", end - 1)) {
      const dir = path.slice(0, end + 1);
      const n = this.below.get(dir) ?? 0;
      this.below.set(dir, n + 1);
      if (n > 0 || end === 0) break;
    }
    return file;
  }

  hasFilesUnder(dir: string): boolean {
    return this.below.has(dir);
  }

  append(path: string, time: number, stream: "stdout" | "stderr", text: string, partial = false): void {
    this.appendParts(path, linePrefix(time, stream, partial), text);
  }

  /**
   * Appends each `\n`-terminated line of `text` (which ends with `\n`) as {@link append} would one
   * after another, all at `time` on `stream`. The lines go into the open chunk as one piece (one
   * UTF-8 encoding rather than two per line: a process's start-up messages come as one write)
   * when they fit its room and the line cap, and nobody follows the file; else one by one.
   */
  appendLines(path: string, time: number, stream: "stdout" | "stderr", text: string): void {
    const file = this.writable(path);
    const head = linePrefix(time, stream, false);
    let lines = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", nl + 1)) lines++;
    if (file.followers || file.kept + lines > MAX_LOG_LINES) {
      let from = 0;
      for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", from)) {
        this.appendParts(path, head, text.slice(from, nl));
        from = nl + 1;
      }
      return;
    }
    // The lines' UTF-8 bytes at most (3 per UTF-16 code unit), each after its prefix.
    const chunk = this.room(file, path, lines * head.bytes.length + text.length * 3, text, lines * head.bytes.length);
    let body = "";
    let from = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", from)) {
      body += head.text + text.slice(from, nl + 1);
      from = nl + 1;
    }
    chunk.used += chunk.bytes.utf8Write(body, chunk.used);
    chunk.lines += lines;
    file.kept += lines;
  }

  /** Creates an empty log file (a container was created). */
  create(path: string): void {
    if (!this.byPath.has(path)) this.add(path, UNWRITTEN);
  }

  /** The file's own record, to be written to or followed (entered when it was not there; its own once it was {@link UNWRITTEN}). */
  private writable(path: string): LogFile {
    const file = this.byPath.get(path);
    if (!file) return this.add(path);
    if (file !== UNWRITTEN) return file;
    const own = newFile();
    this.byPath.set(path, own);
    return own;
  }

  lines(path: string): readonly string[] | undefined {
    const file = this.byPath.get(path);
    if (!file) return undefined;
    if (file === UNWRITTEN) return [];
    const end = file.dropped + file.kept;
    if (file.lines && file.linesTo === end) return file.lines;
    const text = this.text(path)!;
    const lines = text ? text.split("\n") : [];
    lines.pop();
    file.lines = lines;
    file.linesTo = end;
    return lines;
  }

  follow(path: string, fn: (line: string) => void): () => void {
    const file = this.writable(path);
    (file.followers ??= new Set()).add(fn);
    return () => file.followers?.delete(fn);
  }

  parse(line: string): { time: number; stream: "stdout" | "stderr"; text: string; partial: boolean } | undefined {
    const a = line.indexOf(" ");
    const b = line.indexOf(" ", a + 1);
    const c = line.indexOf(" ", b + 1);
    if (a < 0 || b < 0 || c < 0) return undefined;
    const stream = line.slice(a + 1, b);
    if (stream !== "stdout" && stream !== "stderr") return undefined;
    return { time: Date.parse(line.slice(0, a)), stream, partial: line.slice(b + 1, c) === "P", text: line.slice(c + 1) };
  }

  remove(path: string): void {
    const file = this.byPath.get(path);
    if (!file) return;
    this.byPath.delete(path);
    const name = containerOf(path);
    if (this.lastStarted.get(name) === file) this.lastStarted.delete(name);
    for (let end = path.lastIndexOf("/", path.length - 2); end >= 0; end = path.lastIndexOf("/", end - 1)) {
      const dir = path.slice(0, end + 1);
      const n = this.below.get(dir)! - 1;
      if (n > 0) {
        this.below.set(dir, n);
        break;
      }
      this.below.delete(dir);
      if (end === 0) break;
    }
  }

  files(): Iterable<string> {
    return this.byPath.keys();
  }

  size(path: string): number | undefined {
    const file = this.byPath.get(path);
    if (!file) return undefined;
    let bytes = -frontOffset(file);
    for (const c of file.chunks) bytes += c.used;
    return bytes;
  }

  /** The file's text, kept between calls: only lines appended (or trimmed) since the last call are applied. */
  text(path: string): string | undefined {
    const file = this.byPath.get(path);
    if (!file) return undefined;
    if (file === UNWRITTEN) return "";
    const end = file.dropped + file.kept;
    let text = file.text;
    const from = file.textChunk ? file.chunks.indexOf(file.textChunk) : -1;
    if (text === undefined || file.textTo < file.dropped || from < 0) {
      text = decode(file.chunks, 0, frontOffset(file));
    } else {
      if (file.textTo === end && file.textFrom === file.dropped) return text;
      let pos = 0;
      for (let skip = file.dropped - file.textFrom; skip > 0; skip--) pos = text.indexOf("\n", pos) + 1;
      if (pos) text = text.slice(pos);
      if (file.textTo < end) text += decode(file.chunks, from, file.textEnd);
    }
    const last = file.chunks[file.chunks.length - 1];
    file.text = text;
    file.textFrom = file.dropped;
    file.textTo = end;
    file.textChunk = last;
    file.textEnd = last?.used ?? 0;
    return text;
  }

  /** The size of a new first chunk for a file of container `name`: what its last sibling's first chunk holds ({@link lastStarted}). */
  private startSize(name: string): number {
    const used = this.lastStarted.get(name)?.chunks[0]?.used ?? 0;
    return Math.max(CHUNK_MIN, Math.min(START_MAX, Math.ceil(used / 64) * 64));
  }

  /** Appends one whole line (without its `\n`). */
  protected appendLine(path: string, line: string): void {
    this.appendParts(path, undefined, line);
  }

  /**
   * The chunk to append `bound` bytes at most to: the open one when it has that room; else, with
   * the exact need (`text`'s UTF-8 bytes and `extra`), a first chunk (as large as the last sibling's,
   * {@link startSize}), the open one grown in place while small, or a new one once it is full size.
   */
  private room(file: LogFile, path: string, bound: number, text: string, extra: number): Chunk {
    let chunk = file.chunks[file.chunks.length - 1];
    if (chunk && chunk.bytes.length - chunk.used >= bound) return chunk;
    const need = extra + Buffer.byteLength(text);
    if (!chunk) {
      const name = containerOf(path);
      chunk = { bytes: Buffer.allocUnsafeSlow(Math.max(need, this.startSize(name))) as Buffer & Utf8Writer, used: 0, lines: 0 };
      file.chunks.push(chunk);
      if (this.lastStarted.size < MAX_START_NAMES || this.lastStarted.has(name)) this.lastStarted.set(name, file);
    } else if (chunk.bytes.length - chunk.used < need && chunk.bytes.length >= CHUNK_MAX) {
      chunk = { bytes: Buffer.allocUnsafeSlow(Math.max(need, CHUNK_MAX)) as Buffer & Utf8Writer, used: 0, lines: 0 };
      file.chunks.push(chunk);
    } else if (chunk.bytes.length - chunk.used < need) {
      // A small open chunk grows in place (its bytes copied into one a quarter as large again)
      // rather than a second chunk opening beside it: a container that writes a few lines (most
      // write their start-up lines and little after) keeps one buffer close to its size, not
      // three whose last is mostly empty. A quarter, not a half: what a container stops at is
      // its log's size for good, so the unused tail (an eighth of the buffer on average, not a
      // quarter) outweighs one or two more small copies (nginx's 1,734 start-up bytes end in
      // 1,792 after 5 growths, not in 2,624 after 4). Offsets into it stay the same.
      const bytes = Buffer.allocUnsafeSlow(Math.max(chunk.used + need, Math.min(CHUNK_MAX, Math.ceil((chunk.bytes.length * GROWTH) / 64) * 64))) as Buffer & Utf8Writer;
      chunk.bytes.copy(bytes, 0, 0, chunk.used);
      chunk.bytes = bytes;
    }
    return chunk;
  }

  /** Appends the line `head + rest` (written as two pieces: the line's string is never built unless followed). */
  private appendParts(path: string, head: LinePrefix | undefined, rest: string): void {
    const file = this.writable(path);
    const headBytes = head ? head.bytes.length : 0;
    // UTF-8 takes at most 3 bytes per UTF-16 code unit: the exact length is counted only near a chunk's end.
    const chunk = this.room(file, path, headBytes + rest.length * 3 + 1, rest, headBytes + 1);
    const bytes = chunk.bytes;
    if (head) {
      // The prefix's bytes copied (a typed-array copy, not a string encoding per line).
      bytes.set(head.bytes, chunk.used);
      chunk.used += headBytes;
    }
    chunk.used += bytes.utf8Write(rest, chunk.used);
    bytes[chunk.used++] = NEWLINE;
    chunk.lines++;
    if (++file.kept > MAX_LOG_LINES) {
      // The cap: the first kept line goes (its chunk too once all of its lines have gone). Where
      // the next kept line starts is found only when the file is read.
      file.kept--;
      file.dropped++;
      if (++file.skip >= file.chunks[0]!.lines) {
        file.chunks.shift();
        file.skip = file.start = file.startSkip = 0;
      }
    }
    if (file.followers) {
      const line = head ? head.text + rest : rest;
      for (const f of file.followers) f(line);
    }
  }
}

/** The container directory's name in a log path (`/var/log/pods/<pod>/<container>/<n>.log` → `<container>`); the parent directory's name for any other path. */
function containerOf(path: string): string {
  const end = path.lastIndexOf("/");
  return path.slice(path.lastIndexOf("/", end - 1) + 1, end);
}

/** The byte offset of the first kept line in the file's first chunk (after its `skip` trimmed lines), found from the last one found. */
function frontOffset(file: LogFile): number {
  if (file.startSkip !== file.skip) {
    const bytes = file.chunks[0]!.bytes;
    let pos = file.start;
    for (let n = file.skip - file.startSkip; n > 0; n--) pos = bytes.indexOf(NEWLINE, pos) + 1;
    file.start = pos;
    file.startSkip = file.skip;
  }
  return file.start;
}

/** The text of `chunks[from..]`, starting `offset` bytes into the first. */
function decode(chunks: readonly Chunk[], from: number, offset: number): string {
  let text = "";
  for (let i = from; i < chunks.length; i++) {
    const c = chunks[i]!;
    text += c.bytes.toString("utf8", i === from ? offset : 0, c.used);
  }
  return text;
}

/** Splits a process's output into lines, holding back an unterminated tail until more arrives or the stream ends. */
export class LineSplitter {
  private tail = "";
  constructor(private readonly emit: (line: string) => void) {}

  write(text: string): void {
    // The common case, one whole line (an access log line): no array of parts.
    const nl = text.indexOf("\n");
    if (nl === text.length - 1 && this.tail === "") {
      this.emit(text.slice(0, nl));
      return;
    }
    const parts = (this.tail + text).split("\n");
    this.tail = parts.pop()!;
    for (const p of parts) this.emit(p);
  }

  flush(): void {
    if (this.tail) this.emit(this.tail);
    this.tail = "";
  }
}
