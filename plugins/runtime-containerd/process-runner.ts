import type { Clock } from "../../core/clock/clock.js";
import type { Connection, Datagram, Listener, NetworkStack, UdpSocket } from "../../core/net/sockets.js";
import type { FileSystem } from "../../core/cri/filesystem.js";
import { SIGNAL_EXIT_CODES, type ChildIo, type Process, type Program, type ResourceUse, type Signal } from "../../core/cri/process.js";

export interface ProcessOptions {
  argv: readonly string[];
  env: Record<string, string>;
  cwd: string;
  hostname: string;
  fs: FileSystem;
  net: NetworkStack;
  clock: Clock;
  programs: Readonly<Record<string, Program>>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /**
   * The container's init (PID 1 of its PID namespace): the kernel does not apply the default action
   * of a signal it has no handler for, so an unhandled SIGTERM is ignored and only SIGKILL ends it.
   */
  init?: boolean;
  /** Memory limit in bytes: reported use above it kills the process (OOMKilled, 137). */
  memoryLimit?: number;
  /** CPU limit in millicores (the CFS quota): reported use above it is throttled to it. */
  cpuLimitMillis?: number;
}

/** Why a process ended. */
export type ExitReason = "exited" | "signaled" | "oom";

/** The basename of a program path: `/usr/sbin/nginx` → `nginx`. */
export function programName(path: string): string {
  const i = path.lastIndexOf("/");
  return i >= 0 ? path.slice(i + 1) : path;
}

/**
 * One running program: its streams, its signals, its sockets. Ends when the program returns, when
 * it is killed, or when a catchable signal arrives that it does not handle; the sockets it
 * opened are closed then.
 */
export class RunningProcess {
  readonly exit: Promise<number>;
  exitCode: number | undefined;
  exitReason: ExitReason = "exited";
  /** Replaced, never changed in place, by each report (a process that reports nothing shares {@link NO_USAGE}). */
  usage: ResourceUse = NO_USAGE;
  /** CPU time used up to `cpuSince` (core-nanoseconds), integrated over every change of `usage`. */
  private cpuNanos = 0;
  private cpuSince: number;
  private resolveExit!: (code: number) => void;
  /** Made when a program first looks at its signal: most (a pause container) never do, and a node runs hundreds. */
  private abort: AbortController | undefined;
  /** The signal handlers: the one handler itself (most programs install one, if any), or several in an array. */
  private handlers: SignalHandler | SignalHandler[] | undefined;
  private stdinChunks: string[] | undefined;
  private stdinWaiters: ((chunk: string | undefined) => void)[] | undefined;
  private stdinClosed = false;
  private sockets: { close(): void }[] | undefined;

  /** CPU in millicores now: the reported use, throttled to the CPU limit. */
  cpuMillis(): number {
    const want = this.usage.cpuMillis ?? 0;
    return this.options.cpuLimitMillis !== undefined ? Math.min(want, this.options.cpuLimitMillis) : want;
  }

  /** Cumulative CPU time in core-nanoseconds (cgroup cpuacct.usage). */
  cpuCoreNanoSeconds(): number {
    this.accountCpu();
    return Math.round(this.cpuNanos);
  }

  private accountCpu(): void {
    const now = this.options.clock.now();
    this.cpuNanos += this.cpuMillis() * 1e6 * ((now - this.cpuSince) / 1000);
    this.cpuSince = now;
  }

  constructor(
    readonly pid: number,
    private readonly options: ProcessOptions,
    stdin?: () => Promise<string | undefined>,
  ) {
    this.exit = new Promise((resolve) => (this.resolveExit = resolve));
    this.cpuSince = options.clock.now();
    const program = options.programs[programName(options.argv[0] ?? "")];
    if (!program) throw new Error(`exec: "${options.argv[0] ?? ""}": executable file not found in $PATH`);
    const proc = this.processFor(options, stdin);
    program(proc).then(
      (code) => this.finish(code, "exited"),
      (err: unknown) => {
        if (this.exitCode !== undefined) return;
        options.stderr(`${err instanceof Error ? err.message : String(err)}\n`);
        this.finish(1, "exited");
      },
    );
  }

  /** Delivers a signal: SIGKILL ends the process at once; others go to its handlers or end it with 128+n. */
  kill(signal: Signal): void {
    if (this.exitCode !== undefined) return;
    const handlers = this.handlers;
    if (signal !== "SIGKILL" && handlers) {
      if (typeof handlers === "function") handlers(signal);
      else for (const h of handlers) h(signal);
      return;
    }
    if (signal !== "SIGKILL" && this.options.init) return;
    this.finish(SIGNAL_EXIT_CODES[signal], "signaled");
  }

  write(data: string): void {
    if (this.stdinClosed) return;
    const w = this.stdinWaiters?.shift();
    if (w) w(data);
    else (this.stdinChunks ??= []).push(data);
  }

  closeStdin(): void {
    this.stdinClosed = true;
    const waiters = this.stdinWaiters;
    this.stdinWaiters = undefined;
    for (const w of waiters ?? []) w(undefined);
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Aborts when the process ends (SIGKILL, exit, an unhandled signal). */
  get signal(): AbortSignal {
    if (!this.abort) {
      this.abort = new AbortController();
      if (this.exitCode !== undefined) this.abort.abort();
    }
    return this.abort.signal;
  }

  /** Reads the process's own standard input (what {@link write} sent): the views' `read` when they were given no other. */
  readStdin(): Promise<string | undefined> {
    const chunk = this.stdinChunks?.shift();
    if (chunk !== undefined) return Promise.resolve(chunk);
    if (this.stdinClosed) return Promise.resolve(undefined);
    return new Promise((resolve) => (this.stdinWaiters ??= []).push(resolve));
  }

  private finish(code: number, reason: ExitReason): void {
    if (this.exitCode !== undefined) return;
    this.exitCode = code;
    this.exitReason = reason;
    this.abort?.abort();
    // Signals are no longer delivered (kill returns early): the handlers, and what they hold, go.
    this.handlers = undefined;
    const sockets = this.sockets;
    this.sockets = undefined;
    for (const s of sockets ?? []) s.close();
    this.closeStdin();
    this.resolveExit(code);
  }

  /** The program's view: its streams are the options' own (no object of them) unless a stdin reader was given; its socket layer is made when first used. */
  private processFor(o: ProcessOptions, read: (() => Promise<string | undefined>) | undefined): Process {
    return new ProcessView(this, o, undefined, o.argv, o.env, o.cwd, read ? { stdin: read, stdout: o.stdout, stderr: o.stderr } : o);
  }

  /** Called by the process's views: a signal handler. */
  addHandler(h: SignalHandler): void {
    const handlers = this.handlers;
    if (!handlers) this.handlers = h;
    else if (typeof handlers === "function") this.handlers = [handlers, h];
    else handlers.push(h);
  }

  /** Called by the process's views: a socket to close when the process ends (closed at once if it already has). */
  track(socket: { close(): void }): void {
    if (this.exitCode !== undefined) socket.close();
    else (this.sockets ??= []).push(socket);
  }

  /** Called by the process's views: reported resource use (over the memory limit kills it). */
  report(u: ResourceUse, memoryLimit: number | undefined): void {
    this.accountCpu();
    this.usage = { ...this.usage, ...u };
    if (memoryLimit && (u.memoryBytes ?? 0) > memoryLimit) this.finish(137, "oom");
  }
}

type SignalHandler = (s: Signal) => void;

/** What {@link RunningProcess.usage} is until the process reports any (frozen: shared by every process). */
const NO_USAGE: ResourceUse = Object.freeze({});

/** A view's standard streams (without `stdin`, the process's own standard input). */
interface ViewIo {
  readonly stdin?: () => Promise<string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/**
 * What a program of a {@link RunningProcess} (or a child it spawned) sees. A class with methods on
 * its prototype rather than an object of closures: a node runs a process per container, and
 * per-process closures were most of a pause container's memory.
 */
class ProcessView implements Process {
  constructor(
    private readonly owner: RunningProcess,
    private readonly o: ProcessOptions,
    /** The tracking socket layer, made when the program first uses the network (a pause container never does). */
    private tracking: TrackingStack | undefined,
    readonly argv: readonly string[],
    readonly env: Record<string, string>,
    readonly cwd: string,
    private readonly io: ViewIo,
  ) {}

  get net(): NetworkStack {
    return (this.tracking ??= new TrackingStack(this.o.net, this.owner));
  }

  get hostname(): string {
    return this.o.hostname;
  }

  get signal(): AbortSignal {
    return this.owner.signal;
  }

  get fs(): FileSystem {
    return this.o.fs;
  }

  get clock(): Clock {
    return this.o.clock;
  }

  read(): Promise<string | undefined> {
    const stdin = this.io.stdin;
    return stdin ? stdin() : this.owner.readStdin();
  }

  stdout(text: string): void {
    if (this.owner.running) this.io.stdout(text);
  }

  stderr(text: string): void {
    if (this.owner.running) this.io.stderr(text);
  }

  onSignal(handler: (s: Signal) => void): void {
    this.owner.addHandler(handler);
  }

  sleep(ms: number): Promise<void> {
    return this.o.clock.sleep(ms, this.signal);
  }

  use(usage: ResourceUse): void {
    this.owner.report(usage, this.o.memoryLimit);
  }

  async spawn(childArgv: readonly string[], childIo: ChildIo = {}): Promise<number> {
    const program = this.o.programs[programName(childArgv[0] ?? "")];
    const stderr = childIo.stderr ?? this.io.stderr;
    if (!program) {
      stderr(`sh: ${childArgv[0]}: not found\n`);
      return 127;
    }
    const io: ViewIo = { stdin: childIo.stdin ?? this.io.stdin, stdout: childIo.stdout ?? this.io.stdout, stderr };
    // Without variables of its own the child sees the parent's (read-only) environment itself, not a copy held for its lifetime.
    const env = childIo.env ? { ...this.env, ...childIo.env } : this.env;
    return program(new ProcessView(this.owner, this.o, this.tracking, childArgv, env, childIo.cwd ?? this.cwd, io));
  }
}

/** The namespace's socket layer, remembering what the process opened so it is closed when the process ends. */
class TrackingStack implements NetworkStack {
  constructor(
    private readonly net: NetworkStack,
    private readonly owner: RunningProcess,
  ) {}

  get addresses(): readonly string[] {
    return this.net.addresses;
  }

  listen(protocol: "TCP", port: number, onConnection: (conn: Connection) => void, options?: { address?: string }): Listener {
    const l = this.net.listen(protocol, port, onConnection, options);
    this.owner.track(l);
    return l;
  }

  bindUdp(port: number, onMessage: (msg: Datagram, socket: UdpSocket) => void, options?: { address?: string }): UdpSocket {
    const s = this.net.bindUdp(port, onMessage, options);
    this.owner.track(s);
    return s;
  }

  connect(address: string, port: number, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<Connection> {
    return this.net.connect(address, port, options);
  }
}
