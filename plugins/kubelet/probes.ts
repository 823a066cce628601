import type { Container, Probe } from "kubernetes-types/core/v1.js";
import type { Clock, TimerHandle } from "../../core/clock/clock.js";
import { httpGet, HttpTimeoutError } from "../../core/cri/http.js";
import { grpcHealthProbe } from "./grpc-probe.js";
import { isCriError } from "../../core/cri/errors.js";
import type { RuntimeService } from "../../core/cri/runtime-service.js";
import { NetError, type NetworkStack } from "../../core/net/sockets.js";

export type ProbeKind = "liveness" | "readiness" | "startup";

export interface ProbeOutcome {
  ok: boolean;
  /** Why it failed, worded as upstream's prober. */
  message: string;
}

/** What a probe runs against. */
export interface ProbeTarget {
  runtime: RuntimeService;
  /** The node's namespace: HTTP and TCP probes connect from it to the pod IP. */
  hostStack: () => NetworkStack;
  podIP: string;
  containerId: string;
  container: Container;
  clock: Clock;
  /** Told of every probe run (`prober_probe_total`). */
  onProbe?: (kind: ProbeKind, ok: boolean) => void;
}

/** Runs one probe once. */
export async function runProbe(probe: Probe, t: ProbeTarget): Promise<ProbeOutcome> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  const port = (p: number | string | undefined): number => (typeof p === "number" ? p : Number.isNaN(Number(p)) ? (t.container.ports?.find((cp) => cp.name === p)?.containerPort ?? 0) : Number(p));
  if (probe.exec) {
    const cmd = probe.exec.command ?? [];
    try {
      const r = await t.runtime.execSync(t.containerId, cmd, probe.timeoutSeconds ?? 1);
      return r.exitCode === 0 ? { ok: true, message: "" } : { ok: false, message: (r.stdout + r.stderr).replace(/\n$/, "") || `command ${JSON.stringify(cmd.join(" "))} exited with ${r.exitCode}` };
    } catch (err) {
      if (isCriError(err, "DeadlineExceeded")) return { ok: false, message: `command "${cmd.join(" ")}" timed out` };
      return { ok: false, message: err instanceof Error ? err.message : String(err) };
    }
  }
  if (probe.httpGet) {
    const host = probe.httpGet.host || t.podIP;
    const p = port(probe.httpGet.port);
    const path = probe.httpGet.path || "/";
    const url = `${(probe.httpGet.scheme ?? "HTTP").toLowerCase()}://${host}:${p}${path}`;
    const headers: Record<string, string> = { "User-Agent": "kube-probe/1.32", Accept: "*/*" };
    for (const h of probe.httpGet.httpHeaders ?? []) headers[h.name] = h.value;
    try {
      const res = await httpGet(t.hostStack(), { host, port: p, path, headers, timeoutMs, clock: t.clock });
      if (res.status >= 200 && res.status < 400) return { ok: true, message: "" };
      return { ok: false, message: `HTTP probe failed with statuscode: ${res.status}` };
    } catch (err) {
      if (err instanceof HttpTimeoutError || (err instanceof NetError && err.code === "ETIMEDOUT")) return { ok: false, message: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` };
      return { ok: false, message: `Get "${url}": ${dialError(host, p, err)}` };
    }
  }
  if (probe.tcpSocket) {
    const host = probe.tcpSocket.host || t.podIP;
    const p = port(probe.tcpSocket.port);
    try {
      const conn = await t.hostStack().connect(host, p, { timeoutMs });
      conn.destroy();
      return { ok: true, message: "" };
    } catch (err) {
      return { ok: false, message: dialError(host, p, err) };
    }
  }
  if (probe.grpc) return grpcHealthProbe(t.hostStack(), t.podIP, probe.grpc.port, probe.grpc.service ?? "", probe.timeoutSeconds ?? 1, t.clock);
  return { ok: true, message: "" };
}

function dialError(host: string, port: number, err: unknown): string {
  if (err instanceof NetError) {
    const what = err.code === "ECONNREFUSED" ? "connection refused" : err.code === "EHOSTUNREACH" ? "no route to host" : err.code === "ETIMEDOUT" ? "i/o timeout" : err.code === "ENETUNREACH" ? "network is unreachable" : err.code.toLowerCase();
    return `dial tcp ${host}:${port}: connect: ${what}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * One probe of one container (upstream's prober worker): waits initialDelaySeconds, runs every
 * periodSeconds, and reports a result change once successThreshold / failureThreshold consecutive
 * outcomes agree. Stops when told or when the container is gone.
 */
export class ProbeWorker {
  /** The current result: undefined until decided (readiness starts false, liveness/startup start success). */
  result: boolean | undefined;
  private successes = 0;
  private failures = 0;
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(
    readonly kind: ProbeKind,
    private readonly probe: Probe,
    private readonly target: ProbeTarget,
    private readonly onResult: (worker: ProbeWorker, ok: boolean, message: string) => void,
    /** Whether to run now (liveness/readiness wait for the startup probe). */
    private readonly enabled: () => boolean,
  ) {
    this.timer = target.clock.setTimeout(() => void this.tick(), (probe.initialDelaySeconds ?? 0) * 1000);
  }

  stop(): void {
    this.stopped = true;
    this.target.clock.clearTimeout(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    if (this.enabled()) {
      const outcome = await runProbe(this.probe, this.target);
      if (this.stopped) return;
      this.target.onProbe?.(this.kind, outcome.ok);
      if (outcome.ok) {
        this.failures = 0;
        this.successes++;
        if (this.result !== true && this.successes >= (this.kind === "readiness" ? (this.probe.successThreshold ?? 1) : 1)) {
          this.result = true;
          this.onResult(this, true, "");
        }
      } else {
        this.successes = 0;
        this.failures++;
        // Every failure is reported (an Unhealthy event each time); the result flips at the threshold.
        const flips = this.failures >= (this.probe.failureThreshold ?? 3) && this.result !== false;
        if (flips) this.result = false;
        this.onResult(this, false, outcome.message);
        if (flips && this.kind !== "readiness") return; // the container is restarted: a new worker takes over
      }
    }
    if (!this.stopped) this.timer = this.target.clock.setTimeout(() => void this.tick(), (this.probe.periodSeconds ?? 10) * 1000);
  }
}
