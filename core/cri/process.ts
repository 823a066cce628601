import type { Clock } from "../clock/clock.js";
import type { NetworkStack } from "../net/sockets.js";
import type { FileSystem } from "./filesystem.js";

/** Signals a container process can receive. */
export type Signal = "SIGTERM" | "SIGKILL" | "SIGINT" | "SIGQUIT" | "SIGHUP" | "SIGUSR1";

/** Exit codes as a shell reports a process killed by a signal (128 + signal number). */
export const SIGNAL_EXIT_CODES: Readonly<Record<Signal, number>> = { SIGHUP: 129, SIGINT: 130, SIGQUIT: 131, SIGKILL: 137, SIGUSR1: 138, SIGTERM: 143 };

/** Resource use a process reports (what `ContainerStats` and /stats/summary show). */
export interface ResourceUse {
  /** CPU in millicores, on average. */
  cpuMillis?: number;
  memoryBytes?: number;
}

/**
 * What a program (an image's entrypoint, a shell applet, an exec'd command) runs with: the
 * container's argv, env, filesystem, network namespace and standard streams. A program is an
 * async function returning its exit code; it must stop doing work once `signal` aborts (SIGKILL,
 * or the container stopped): every `sleep` then rejects.
 */
export interface Process {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly hostname: string;
  readonly fs: FileSystem;
  /** The pod's network namespace (the node's for hostNetwork pods). */
  readonly net: NetworkStack;
  readonly clock: Clock;
  /** Aborted when the process is killed; listeners and timers of a killed process are released. */
  readonly signal: AbortSignal;
  /** Reads standard input: the next chunk, or undefined at end of input. */
  read(): Promise<string | undefined>;
  /** Writes to standard output. */
  stdout(text: string): void;
  /** Writes to standard error. */
  stderr(text: string): void;
  /**
   * Handles catchable signals. Without a handler, SIGTERM/SIGINT/SIGQUIT/SIGHUP end the process
   * with 128+n (SIGTERM → 143) as the kernel's default action does.
   */
  onSignal(handler: (signal: Signal) => void): void;
  /** Sleeps on the cluster clock; rejects once the process is killed. */
  sleep(ms: number): Promise<void>;
  /** Reports the process's current resource use. */
  use(usage: ResourceUse): void;
  /**
   * Runs another program of the same image as a child (what a shell does); its output goes to
   * `io` (default: this process's streams). Resolves to its exit code; 127 with
   * `sh: <name>: not found` when the image has no such program.
   */
  spawn(argv: readonly string[], io?: ChildIo): Promise<number>;
}

/** Where a child's standard streams go. */
export interface ChildIo {
  stdin?: () => Promise<string | undefined>;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  env?: Readonly<Record<string, string>>;
  cwd?: string;
}

/** A program: runs until it returns its exit code. */
export type Program = (process: Process) => Promise<number>;

/** Waits until the process is told to stop: 0 on SIGTERM/SIGINT (daemons that shut down cleanly), 137 when killed. */
export function untilStopped(p: Process): Promise<number> {
  return new Promise<number>((resolve) => {
    p.onSignal(stopSignal(resolve));
    p.signal.addEventListener("abort", () => resolve(137), { once: true });
  });
}

/**
 * {@link untilStopped} for a daemon with nothing to do once killed (it returns what this gives):
 * 0 on SIGTERM/SIGINT; never settles when the process is killed (it has ended then, with 137, and
 * what waits here goes with it). It does not look at `p.signal`: every node runs such daemons
 * (kube-proxy, the CNI agents), and an AbortSignal with a listener is about 1.7 KB of each.
 */
export function untilStopSignal(p: Process): Promise<number> {
  return new Promise<number>((resolve) => p.onSignal(stopSignal(resolve)));
}

/** A signal handler resolving 0 on SIGTERM/SIGINT (other catchable signals are handled: ignored). */
function stopSignal(resolve: (code: number) => void): (s: Signal) => void {
  return (s) => (s === "SIGTERM" || s === "SIGINT" ? resolve(0) : undefined);
}
