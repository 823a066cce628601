import type { NodeCommand, NodeCommandResult } from "../../core/cluster/node-commands.js";
import { NodeRuntimeToken, type NodeProcess, type NodeRuntime } from "../../core/cri/runtime-service.js";
import { familiarName } from "../../core/cri/images.js";
import { Clock } from "../../core/clock/clock.js";

/** `2 minutes ago`, as crictl and docker print creation times. */
export function ago(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return s <= 1 ? "Less than a second ago" : `${s} seconds ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return m === 1 ? "About a minute ago" : `${m} minutes ago`;
  const h = Math.floor(m / 60);
  return h === 1 ? "About an hour ago" : `${h} hours ago`;
}


/** Lays rows out as crictl's tabwriter does: each column at least 20 wide, 3 spaces past its longest cell. */
function table(rows: string[][], minWidth = 20): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? minWidth, c.length + 3)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("").trimEnd()).join("\n") + "\n";
}

function runtimeOf(scope: { isRegistered(t: symbol, r?: boolean): boolean; resolve<T>(t: symbol): T }): NodeRuntime | undefined {
  return scope.isRegistered(NodeRuntimeToken, true) ? scope.resolve<NodeRuntime>(NodeRuntimeToken) : undefined;
}

/** go-units' HumanSize: four significant digits, decimal units. */
const humanSize = (b: number): string => {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let i = 0;
  while (b >= 1000 && i < units.length - 1) {
    b /= 1000;
    i++;
  }
  return `${Number(b.toPrecision(4))}${units[i]}`;
};

/**
 * `crictl` on a node: `ps [-a]`, `pods`, `images`, `inspect <id>`, `logs <id>`, `version`, in
 * crictl's column layout (IDs shortened to 13 characters).
 */
export const crictl: NodeCommand = async ({ scope, argv }): Promise<NodeCommandResult> => {
  const rt = runtimeOf(scope);
  if (!rt) return { stdout: "", stderr: 'time="" level=fatal msg="validate service connection: validate CRI v1 runtime API for endpoint \\"unix:///run/containerd/containerd.sock\\": rpc error: code = Unavailable desc = connection error"\n', exitCode: 1 };
  const [sub, ...args] = argv.slice(1);
  const now = scope.isRegistered(Clock, true) ? scope.resolve<Clock>(Clock).now() : Date.now();
    switch (sub) {
    case "ps": {
      const all = args.includes("-a") || args.includes("--all");
      const sandboxes = new Map((await rt.runtime.listPodSandbox()).map((s) => [s.id, s]));
      const images = new Map((await rt.images.listImages()).map((i) => [i.id, i]));
      const lines = [(["CONTAINER", "IMAGE", "CREATED", "STATE", "NAME", "ATTEMPT", "POD ID", "POD"])];
      const cs = (await rt.runtime.listContainers()).filter((c) => all || c.state === "CONTAINER_RUNNING").sort((a, b) => b.createdAt - a.createdAt);
      for (const c of cs) {
        const img = images.get(c.imageRef);
        const state = c.state.replace("CONTAINER_", "");
        lines.push(([c.id.slice(0, 13), (img?.id ?? c.imageRef).replace("sha256:", "").slice(0, 13), ago(now - c.createdAt), state[0] + state.slice(1).toLowerCase(), c.metadata.name, String(c.metadata.attempt), c.podSandboxId.slice(0, 13), sandboxes.get(c.podSandboxId)?.metadata.name ?? ""]));
      }
      return { stdout: table(lines), exitCode: 0 };
    }
    case "pods": {
      const sbs = (await rt.runtime.listPodSandbox()).sort((a, b) => b.createdAt - a.createdAt);
      const lines = [(["POD ID", "CREATED", "STATE", "NAME", "NAMESPACE", "ATTEMPT", "RUNTIME"])];
      for (const s of sbs) lines.push(([s.id.slice(0, 13), ago(now - s.createdAt), s.state === "SANDBOX_READY" ? "Ready" : "NotReady", s.metadata.name, s.metadata.namespace, String(s.metadata.attempt), s.runtimeHandler || "(default)"]));
      return { stdout: table(lines), exitCode: 0 };
    }
    case "images": {
      const lines = [(["IMAGE", "TAG", "IMAGE ID", "SIZE"])];
      for (const i of await rt.images.listImages()) {
        for (const tag of i.repoTags) {
          const at = tag.lastIndexOf(":");
          lines.push(([tag.slice(0, at), tag.slice(at + 1), i.id.replace("sha256:", "").slice(0, 13), humanSize(i.size)]));
        }
      }
      return { stdout: table(lines), exitCode: 0 };
    }
    case "inspect": {
      const id = args[0] ?? "";
      const c = (await rt.runtime.listContainers({ id }))[0];
      if (!c) return { stdout: "", stderr: `E0000 remote_runtime.go:432] "ContainerStatus from runtime service failed" err="rpc error: code = NotFound desc = an error occurred when try to find container \\"${id}\\": not found"\n`, exitCode: 1 };
      const st = await rt.runtime.containerStatus(c.id);
      return { stdout: JSON.stringify({ status: { ...st, createdAt: String(st.createdAt * 1e6), startedAt: String(st.startedAt * 1e6), finishedAt: String(st.finishedAt * 1e6), state: st.state } , info: { sandboxID: c.podSandboxId, pid: rt.processes().find((p) => p.command && p.pid > 1)?.pid ?? 0, runtimeType: "io.containerd.runc.v2" } }, null, 2) + "\n", exitCode: 0 };
    }
    case "logs": {
      const id = args.find((a) => !a.startsWith("-")) ?? "";
      const c = (await rt.runtime.listContainers({ id }))[0];
      if (!c) return { stdout: "", stderr: `E0000 "ContainerStatus from runtime service failed" err="rpc error: code = NotFound desc = an error occurred when try to find container \\"${id}\\": not found"\n`, exitCode: 1 };
      const st = await rt.runtime.containerStatus(c.id);
      let out = "";
      let err = "";
      for (const line of rt.logs.lines(st.logPath) ?? []) {
        const e = rt.logs.parse(line);
        if (e?.stream === "stderr") err += e.text + "\n";
        else if (e) out += e.text + "\n";
      }
      return { stdout: out, stderr: err, exitCode: 0 };
    }
    case "version": {
      const v = await rt.runtime.version();
      return { stdout: `Version:  0.1.0\nRuntimeName:  ${v.runtimeName}\nRuntimeVersion:  ${v.runtimeVersion}\nRuntimeApiVersion:  ${v.runtimeApiVersion}\n`, exitCode: 0 };
    }
    default:
      return { stdout: "", stderr: `No help topic for '${sub ?? ""}'\n`, exitCode: 3 };
  }
};

/** `ps aux`-like process table of the node (systemd → containerd → shims → pause / app processes). */
export const ps: NodeCommand = ({ scope }) => {
  const rt = runtimeOf(scope);
  const procs = rt?.processes() ?? [];
  const lines = ["USER         PID    PPID CMD"];
  for (const p of procs.sort((a, b) => a.pid - b.pid)) lines.push(`${p.user.padEnd(8)} ${String(p.pid).padStart(7)} ${String(p.ppid).padStart(7)} ${p.command}`);
  return { stdout: lines.join("\n") + "\n", exitCode: 0 };
};

/** `pstree -p`: the node's process tree. */
export const pstree: NodeCommand = ({ scope }) => {
  const rt = runtimeOf(scope);
  const procs = rt?.processes() ?? [];
  const children = new Map<number, NodeProcess[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const name = (p: NodeProcess): string => `${(p.command.split(" ")[0] ?? "").split("/").pop()}(${p.pid})`;
  const lines: string[] = [];
  const walk = (p: NodeProcess, prefix: string, last: boolean, root: boolean): void => {
    lines.push(root ? name(p) : `${prefix}${last ? "└─" : "├─"}${name(p)}`);
    const kids = (children.get(p.pid) ?? []).sort((a, b) => a.pid - b.pid);
    kids.forEach((k, i) => walk(k, root ? "" : prefix + (last ? "  " : "│ "), i === kids.length - 1, false));
  };
  const init = procs.find((p) => p.pid === 1);
  if (init) walk(init, "", true, true);
  return { stdout: lines.join("\n") + "\n", exitCode: 0 };
};

export { familiarName };
