import { CriLogStore, rfc3339Nano } from "../runtime-containerd/index.js";

/**
 * Docker's `json-file` logging driver: one JSON object per line,
 * `{"log":"hello\n","stream":"stdout","time":"2024-05-01T10:00:00.123Z"}`. cri-dockerd links the
 * kubelet's `/var/log/pods/...` path to this file, and the kubelet parses this format there.
 */
export class JsonFileLogStore extends CriLogStore {
  override append(path: string, time: number, stream: "stdout" | "stderr", text: string, partial = false): void {
    this.appendLine(path, JSON.stringify({ log: partial ? text : `${text}\n`, stream, time: rfc3339Nano(time) }));
  }

  /** Each line as its own JSON entry (see {@link append}). */
  override appendLines(path: string, time: number, stream: "stdout" | "stderr", text: string): void {
    let from = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", from)) {
      this.append(path, time, stream, text.slice(from, nl));
      from = nl + 1;
    }
  }

  override parse(line: string): { time: number; stream: "stdout" | "stderr"; text: string; partial: boolean } | undefined {
    let entry: { log?: unknown; stream?: unknown; time?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      return undefined;
    }
    if (typeof entry.log !== "string" || (entry.stream !== "stdout" && entry.stream !== "stderr") || typeof entry.time !== "string") return undefined;
    const partial = !entry.log.endsWith("\n");
    return { time: Date.parse(entry.time), stream: entry.stream, text: partial ? entry.log : entry.log.slice(0, -1), partial };
  }
}
