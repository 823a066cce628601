import type { LogStore } from "../../core/cri/runtime-service.js";

/** Formats a time as Go's RFC3339Nano in UTC (trailing zeros of the fraction trimmed). */
export function rfc3339Nano(ms: number): string {
  const iso = new Date(ms).toISOString();
  const frac = iso.slice(20, 23).replace(/0+$/, "");
  return `${iso.slice(0, 19)}${frac ? "." + frac : ""}Z`;
}

interface LogFile {
  lines: string[];
  followers?: Set<(line: string) => void>;
}

/** The most lines a log file keeps (a stand-in for kubelet's containerLogMaxSize rotation). */
export const MAX_LOG_LINES = 10_000;

/**
 * Container log files in the CRI format containerd's CRI plugin writes
 * (`<RFC3339Nano> <stdout|stderr> <F|P> <text>`), one line per entry.
 */
export class CriLogStore implements LogStore {
  private readonly files = new Map<string, LogFile>();

  append(path: string, time: number, stream: "stdout" | "stderr", text: string, partial = false): void {
    this.appendLine(path, `${rfc3339Nano(time)} ${stream} ${partial ? "P" : "F"} ${text}`);
  }

  /** Creates an empty log file (a container was created). */
  create(path: string): void {
    if (!this.files.has(path)) this.files.set(path, { lines: [] });
  }

  lines(path: string): readonly string[] | undefined {
    return this.files.get(path)?.lines;
  }

  follow(path: string, fn: (line: string) => void): () => void {
    let file = this.files.get(path);
    if (!file) this.files.set(path, (file = { lines: [] }));
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
    this.files.delete(path);
  }

  protected appendLine(path: string, line: string): void {
    let file = this.files.get(path);
    if (!file) this.files.set(path, (file = { lines: [] }));
    file.lines.push(line);
    if (file.lines.length > MAX_LOG_LINES) file.lines.splice(0, file.lines.length - MAX_LOG_LINES);
    if (file.followers) for (const f of file.followers) f(line);
  }
}

/** Splits a process's output into lines, holding back an unterminated tail until more arrives or the stream ends. */
export class LineSplitter {
  private tail = "";
  constructor(private readonly emit: (line: string) => void) {}

  write(text: string): void {
    const parts = (this.tail + text).split("\n");
    this.tail = parts.pop()!;
    for (const p of parts) this.emit(p);
  }

  flush(): void {
    if (this.tail) this.emit(this.tail);
    this.tail = "";
  }
}
