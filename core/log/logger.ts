import { token } from "../di/token.js";

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** A structured logger scoped to a component (`apiserver`, `kubelet/node-1`, `plugin/cni-flannel`). */
export interface Logger {
  readonly component: string;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger for a sub-component: `parent.child("x")` logs as `parent/x`. */
  child(component: string): Logger;
  enabled(level: LogLevel): boolean;
}

export const Logger = token<Logger>("Logger");

/** One emitted record, as handed to a {@link LogSink}. */
export interface LogRecord {
  time: number;
  level: Exclude<LogLevel, "silent">;
  component: string;
  msg: string;
  fields?: LogFields;
}

/** Where records go. The default writes one line per record to stderr. */
export type LogSink = (record: LogRecord) => void;

export const stderrSink: LogSink = (r) => {
  const fields = r.fields && Object.keys(r.fields).length > 0 ? " " + JSON.stringify(r.fields, errorReplacer) : "";
  process.stderr.write(`${new Date(r.time).toISOString()} ${r.level.toUpperCase().padEnd(5)} [${r.component}] ${r.msg}${fields}\n`);
};

function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message } : value;
}

export interface LoggerOptions {
  /** Minimum level written. Default: `KUBESIM_LOG_LEVEL`, else `silent` under tests (`NODE_ENV=test`), else `info`. */
  level?: LogLevel;
  sink?: LogSink;
  /** Time source for records (a cluster passes its clock's `now`). */
  now?: () => number;
}

export function defaultLogLevel(): LogLevel {
  const env = process.env["KUBESIM_LOG_LEVEL"] as LogLevel | undefined;
  if (env && env in RANK) return env;
  return process.env["NODE_ENV"] === "test" ? "silent" : "info";
}

/** Creates the root logger of a component tree. */
export function createLogger(component: string, options: LoggerOptions = {}): Logger {
  return new StructuredLogger(component, options.level ?? defaultLogLevel(), options.sink ?? stderrSink, options.now ?? Date.now);
}

class StructuredLogger implements Logger {
  private readonly threshold: number;

  constructor(
    readonly component: string,
    private readonly level: LogLevel,
    private readonly sink: LogSink,
    private readonly now: () => number,
  ) {
    this.threshold = RANK[level];
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= this.threshold;
  }

  debug(msg: string, fields?: LogFields): void {
    this.emit("debug", msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.emit("info", msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.emit("warn", msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.emit("error", msg, fields);
  }

  child(component: string): Logger {
    return new StructuredLogger(`${this.component}/${component}`, this.level, this.sink, this.now);
  }

  private emit(level: Exclude<LogLevel, "silent">, msg: string, fields?: LogFields): void {
    if (RANK[level] < this.threshold) return;
    this.sink(fields ? { time: this.now(), level, component: this.component, msg, fields } : { time: this.now(), level, component: this.component, msg });
  }
}
