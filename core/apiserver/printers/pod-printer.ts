import type { Container, ContainerStatus, Pod } from "kubernetes-types/core/v1.js";
import { ageColumn, column, nameColumn, type PrintContext, type PrintedRow, type TablePrinter } from "./printer.js";
import { timestampSince } from "./human-duration.js";
import type { TableRowCondition } from "./table.js";

const CORE = "io.k8s.api.core.v1";

const SUCCEEDED: TableRowCondition[] = [{ type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." }];
const FAILED: TableRowCondition[] = [{ type: "Completed", status: "True", reason: "Failed", message: "The pod failed." }];

/** A sidecar: an init container with `restartPolicy: Always`. */
function isRestartableInitContainer(c: Container | undefined): boolean {
  return c?.restartPolicy === "Always";
}

/** The pod summary kubectl shows: READY `1/2`, STATUS reason, RESTARTS count and the time of the last restart. */
export interface PodSummary {
  ready: string;
  status: string;
  restarts: number;
  /** RFC 3339 time the most recent restart ended, if any. */
  lastRestart?: string;
}

function later(a: string | undefined, b: string | undefined): string | undefined {
  if (!b) return a;
  if (!a) return b;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

/** The STATUS column logic of kube-apiserver's pod printer (Init:0/1, CrashLoopBackOff, Completed, Terminating, ...). */
export function summarizePod(pod: Pod): PodSummary {
  const spec = pod.spec;
  const status = pod.status ?? {};
  let restarts = 0;
  let sidecarRestarts = 0;
  let totalContainers = spec?.containers?.length ?? 0;
  let readyContainers = 0;
  let lastRestart: string | undefined;
  let lastSidecarRestart: string | undefined;

  const phase = status.phase ?? "";
  let reason = status.reason || phase;
  for (const c of status.conditions ?? []) if (c.type === "PodScheduled" && c.reason === "SchedulingGated") reason = "SchedulingGated";

  const initContainers = new Map<string, Container>();
  for (const c of spec?.initContainers ?? []) {
    initContainers.set(c.name, c);
    if (isRestartableInitContainer(c)) totalContainers++;
  }

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i]!;
    restarts += c.restartCount ?? 0;
    lastRestart = later(lastRestart, c.lastState?.terminated?.finishedAt);
    const sidecar = isRestartableInitContainer(initContainers.get(c.name));
    if (sidecar) {
      sidecarRestarts += c.restartCount ?? 0;
      lastSidecarRestart = later(lastSidecarRestart, c.lastState?.terminated?.finishedAt);
    }
    const terminated = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (terminated && terminated.exitCode === 0) continue;
    if (sidecar && c.started) {
      if (c.ready) readyContainers++;
      continue;
    }
    if (terminated) {
      if (!terminated.reason) reason = terminated.signal ? `Init:Signal:${terminated.signal}` : `Init:ExitCode:${terminated.exitCode}`;
      else reason = `Init:${terminated.reason}`;
    } else if (waiting?.reason && waiting.reason !== "PodInitializing") {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${spec?.initContainers?.length ?? 0}`;
    }
    initializing = true;
    break;
  }

  const initialized = (status.conditions ?? []).some((c) => c.type === "Initialized" && c.status === "True");
  if (!initializing || initialized) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses: readonly ContainerStatus[] = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i]!;
      restarts += c.restartCount ?? 0;
      lastRestart = later(lastRestart, c.lastState?.terminated?.finishedAt);
      const waiting = c.state?.waiting;
      const terminated = c.state?.terminated;
      if (waiting?.reason) reason = waiting.reason;
      else if (terminated?.reason) reason = terminated.reason;
      else if (terminated) reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`;
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === "Completed" && hasRunning) {
      reason = (status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True") ? "Running" : "NotReady";
    }
  }

  if (pod.metadata?.deletionTimestamp && status.reason === "NodeLost") reason = "Unknown";
  else if (pod.metadata?.deletionTimestamp && phase !== "Succeeded" && phase !== "Failed") reason = "Terminating";

  const summary: PodSummary = { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts };
  if (lastRestart) summary.lastRestart = lastRestart;
  return summary;
}

/** `5`, or `5 (3m ago)` once a container has restarted. */
export function formatRestarts(summary: PodSummary, now: number): string {
  return summary.restarts !== 0 && summary.lastRestart ? `${summary.restarts} (${timestampSince(summary.lastRestart, now)} ago)` : String(summary.restarts);
}

export const podPrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
    column("Status", "string", "The aggregate status of the containers in this pod."),
    column("Restarts", "string", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
    ageColumn(),
    column("IP", "string", `${CORE}.PodStatus#podIP`, { priority: 1 }),
    column("Node", "string", `${CORE}.PodSpec#nodeName`, { priority: 1 }),
    column("Nominated Node", "string", `${CORE}.PodStatus#nominatedNodeName`, { priority: 1 }),
    column("Readiness Gates", "string", `${CORE}.PodSpec#readinessGates`, { priority: 1 }),
  ],
  row(obj, ctx: PrintContext): PrintedRow {
    const pod = obj as unknown as Pod;
    const summary = summarizePod(pod);
    const gates = pod.spec?.readinessGates ?? [];
    let readinessGates = "<none>";
    if (gates.length) {
      let trueConditions = 0;
      for (const gate of gates) {
        const condition = pod.status?.conditions?.find((c) => c.type === gate.conditionType);
        if (condition?.status === "True") trueConditions++;
      }
      readinessGates = `${trueConditions}/${gates.length}`;
    }
    const row: PrintedRow = {
      cells: [
        pod.metadata?.name ?? "",
        summary.ready,
        summary.status,
        formatRestarts(summary, ctx.now),
        timestampSince(pod.metadata?.creationTimestamp, ctx.now),
        pod.status?.podIPs?.[0]?.ip || "<none>",
        pod.spec?.nodeName || "<none>",
        pod.status?.nominatedNodeName || "<none>",
        readinessGates,
      ],
    };
    if (pod.status?.phase === "Succeeded") row.conditions = SUCCEEDED;
    else if (pod.status?.phase === "Failed") row.conditions = FAILED;
    return row;
  },
};
