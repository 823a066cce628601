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

/** The `<time> <stream> <tag> ` prefix of CRI log lines, kept for the last time and stream asked (one piece in front of each line's text). */
function linePrefix(time: number, stream: "stdout" | "stderr", partial: boolean): string {
  const text = rfc3339Nano(time);
  const cached = partial ? PARTIAL : FULL;
  const i = stream === "stdout" ? 0 : 1;
  if (cached.time[i] !== text) {
    cached.time[i] = text;
    cached.prefix[i] = `${text} ${stream} ${partial ? "P" : "F"} `;
  }
  return cached.prefix[i]!;
}
const FULL = { time: ["", ""], prefix: ["", ""] };
const PARTIAL = { time: ["", ""], prefix: ["", ""] };

interface LogFile {
  /** The kept lines are `lines[head..]`: trimming the front moves `head`, and the array is compacted in batches (an append costs O(1), not a shift of the whole file). */
  lines: string[];
  head: number;
  followers?: Set<(line: string) => void>;
  /** Lines trimmed from the front so far (the file keeps lines `dropped` .. `dropped + lines.length`). */
  dropped: number;
  /** The file's text as last asked for, covering lines `textFrom` .. `textTo` (absolute numbers). */
  text?: string;
  textFrom: number;
  textTo: number;
}

const newFile = (): LogFile => ({ lines: [], head: 0, dropped: 0, textFrom: 0, textTo: 0 });

/** How many trimmed lines the front of a file's array may hold before it is compacted. */
const COMPACT_AFTER = 1024;

/** Drops the trimmed lines from the front of the array (reads see exactly the kept lines). */
function compact(file: LogFile): LogFile {
  if (file.head > 0) {
    file.lines.splice(0, file.head);
    file.head = 0;
  }
  return file;
}

/** The most lines a log file keeps (a stand-in for kubelet's containerLogMaxSize rotation). */
export const MAX_LOG_LINES = 10_000;

/**
 * Container log files in the CRI format containerd's CRI plugin writes
 * (`<RFC3339Nano> <stdout|stderr> <F|P> <text>`), one line per entry.
 */
export class CriLogStore implements LogStore {
  private readonly byPath = new Map<string, LogFile>();

  append(path: string, time: number, stream: "stdout" | "stderr", text: string, partial = false): void {
    this.appendLine(path, linePrefix(time, stream, partial) + text);
  }

  /** Creates an empty log file (a container was created). */
  create(path: string): void {
    if (!this.byPath.has(path)) this.byPath.set(path, newFile());
  }

  lines(path: string): readonly string[] | undefined {
    const file = this.byPath.get(path);
    return file ? compact(file).lines : undefined;
  }

  follow(path: string, fn: (line: string) => void): () => void {
    let file = this.byPath.get(path);
    if (!file) this.byPath.set(path, (file = newFile()));
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
    this.byPath.delete(path);
  }

  files(): Iterable<string> {
    return this.byPath.keys();
  }

  /** The file's text, kept between calls: only lines appended (or trimmed) since the last call are applied. */
  text(path: string): string | undefined {
    const file = this.byPath.get(path);
    if (!file) return undefined;
    compact(file);
    const end = file.dropped + file.lines.length;
    let text = file.text;
    if (text === undefined || file.textTo < file.dropped) {
      text = file.lines.length ? file.lines.join("\n") + "\n" : "";
    } else {
      let pos = 0;
      for (let skip = file.dropped - file.textFrom; skip > 0; skip--) pos = text.indexOf("\n", pos) + 1;
      if (pos) text = text.slice(pos);
      if (file.textTo < end) text += file.lines.slice(file.textTo - file.dropped).join("\n") + "\n";
    }
    file.text = text;
    file.textFrom = file.dropped;
    file.textTo = end;
    return text;
  }

  protected appendLine(path: string, line: string): void {
    let file = this.byPath.get(path);
    if (!file) this.byPath.set(path, (file = newFile()));
    file.lines.push(line);
    const kept = file.lines.length - file.head;
    if (kept > MAX_LOG_LINES) {
      const n = kept - MAX_LOG_LINES;
      file.head += n;
      file.dropped += n;
      if (file.head >= COMPACT_AFTER) compact(file);
    }
    if (file.followers) for (const f of file.followers) f(line);
  }
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
