import type { LogFields, Logger, LogLevel } from "../log/logger.js";

/** A logger that adds `fields` to every record (what controller-runtime's request-scoped logger does). */
export class FieldsLogger implements Logger {
  constructor(
    private readonly inner: Logger,
    private readonly fields: LogFields,
  ) {}

  get component(): string {
    return this.inner.component;
  }

  debug(msg: string, fields?: LogFields): void {
    if (this.inner.enabled("debug")) this.inner.debug(msg, this.merge(fields));
  }
  info(msg: string, fields?: LogFields): void {
    if (this.inner.enabled("info")) this.inner.info(msg, this.merge(fields));
  }
  warn(msg: string, fields?: LogFields): void {
    if (this.inner.enabled("warn")) this.inner.warn(msg, this.merge(fields));
  }
  error(msg: string, fields?: LogFields): void {
    if (this.inner.enabled("error")) this.inner.error(msg, this.merge(fields));
  }

  child(component: string): Logger {
    return new FieldsLogger(this.inner.child(component), this.fields);
  }

  enabled(level: LogLevel): boolean {
    return this.inner.enabled(level);
  }

  private merge(fields: LogFields | undefined): LogFields {
    return fields ? { ...this.fields, ...fields } : this.fields;
  }
}
