/**
 * The result of running a scheduler plugin (upstream `framework.Status`). `null` stands for
 * Success on the hot path, as a nil `*Status` does upstream; expected outcomes are statuses, never
 * exceptions.
 */
export enum Code {
  Success = 0,
  /** An internal error: the pod is retried with backoff, not marked unschedulable. */
  Error = 1,
  /** The pod does not fit now; preemption may help. */
  Unschedulable = 2,
  /** The pod does not fit and preemption cannot help on this node. */
  UnschedulableAndUnresolvable = 3,
  /** Permit: hold the pod until allowed, rejected or timed out. */
  Wait = 4,
  /** Skip this plugin for this pod (PreFilter/PreScore: skip its Filter/Score; Bind: try the next binder). */
  Skip = 5,
  /** The pod waits for something outside the scheduler (requeued by events only). */
  Pending = 6,
}

export const CODE_NAMES: Record<Code, string> = {
  [Code.Success]: "Success",
  [Code.Error]: "Error",
  [Code.Unschedulable]: "Unschedulable",
  [Code.UnschedulableAndUnresolvable]: "UnschedulableAndUnresolvable",
  [Code.Wait]: "Wait",
  [Code.Skip]: "Skip",
  [Code.Pending]: "Pending",
};

export class Status {
  /** The plugin that returned this status (set by the framework). */
  plugin = "";

  constructor(readonly code: Code, readonly reasons: readonly string[] = []) {}

  static success(): Status {
    return new Status(Code.Success);
  }
  static error(message: string): Status {
    return new Status(Code.Error, [message]);
  }
  static unschedulable(...reasons: string[]): Status {
    return new Status(Code.Unschedulable, reasons);
  }
  static unresolvable(...reasons: string[]): Status {
    return new Status(Code.UnschedulableAndUnresolvable, reasons);
  }
  static skip(): Status {
    return SKIP;
  }
  static wait(): Status {
    return new Status(Code.Wait);
  }

  /** The reasons joined by ", " (upstream `Status.Message`). */
  get message(): string {
    return this.reasons.join(", ");
  }

  withPlugin(name: string): Status {
    if (this === SKIP) {
      const s = new Status(Code.Skip);
      s.plugin = name;
      return s;
    }
    this.plugin = name;
    return this;
  }

  toString(): string {
    return `${CODE_NAMES[this.code]}${this.reasons.length ? `: ${this.message}` : ""}`;
  }
}

const SKIP = new Status(Code.Skip);

/** True for null (success) and Success statuses. */
export function isSuccess(s: Status | null | undefined): boolean {
  return !s || s.code === Code.Success;
}

/** Unschedulable or UnschedulableAndUnresolvable. */
export function isRejected(s: Status | null | undefined): boolean {
  return !!s && (s.code === Code.Unschedulable || s.code === Code.UnschedulableAndUnresolvable);
}
