import type { NodeCommand, NodeCommandResult } from "../../core/cluster/node-commands.js";
import { Clock } from "../../core/clock/clock.js";
import { familiarName } from "../../core/cri/images.js";
import { NodeRuntimeToken } from "../../core/cri/runtime-service.js";
import { rfc3339Nano, type ContainerRecord, type SandboxRecord } from "../runtime-containerd/index.js";
import { DOCKER_VERSION, DockerRuntime } from "./docker-runtime.js";

/** go-units' HumanDuration, as `docker ps` prints ages and uptimes. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return "Less than a second";
  if (seconds === 1) return "1 second";
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return "About a minute";
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return "About an hour";
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 14) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 60) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/** Docker CLI's table writer: tabwriter with min width 10 and padding 3. */
function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 10, [...c].length + 3)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + " ".repeat(widths[i]! - [...c].length))).join("").trimEnd()).join("\n") + "\n";
}

/** Docker's `Ellipsis`: at most `max` characters, the last one `…` when cut. */
function ellipsis(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : chars.slice(0, max - 1).join("") + "…";
}

/** go-units' HumanSizeWithPrecision(size, 3): decimal units. */
function humanSize(b: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let i = 0;
  while (b >= 1000 && i < units.length - 1) {
    b /= 1000;
    i++;
  }
  return `${Number(b.toPrecision(3))}${units[i]}`;
}

const shortId = (id: string): string => id.replace(/^sha256:/, "").slice(0, 12);

/** One row of `docker ps`: an app container or a pod's pause (`k8s_POD_...`) container. */
interface DockerContainer {
  id: string;
  name: string;
  image: string;
  command: string;
  created: number;
  started: number;
  finished: number;
  running: boolean;
  exitCode: number;
  oom: boolean;
  record?: ContainerRecord;
  sandbox: SandboxRecord;
}

function dockerContainers(rt: DockerRuntime): DockerContainer[] {
  const out: DockerContainer[] = [];
  for (const sb of rt.allSandboxes()) {
    const running = sb.state === "SANDBOX_READY";
    out.push({ id: sb.id, name: rt.sandboxName(sb), image: "registry.k8s.io/pause:3.9", command: "/pause", created: sb.createdAt, started: sb.createdAt, finished: 0, running, exitCode: running ? 0 : 0, oom: false, sandbox: sb });
  }
  for (const c of rt.allContainers()) {
    out.push({
      id: c.id, name: rt.dockerName(c), image: shortId(c.image.image.id), command: c.argv.join(" "), created: c.createdAt, started: c.startedAt, finished: c.finishedAt,
      running: c.state === "CONTAINER_RUNNING", exitCode: c.exitCode, oom: c.reason === "OOMKilled", record: c, sandbox: c.sandbox,
    });
  }
  return out.sort((a, b) => b.created - a.created);
}

function statusOf(c: DockerContainer, now: number): string {
  if (c.running) return `Up ${humanDuration(now - c.started)}`;
  if (c.record && c.record.state === "CONTAINER_CREATED") return "Created";
  return `Exited (${c.exitCode}) ${humanDuration(now - (c.finished || c.created))} ago`;
}

function find(rt: DockerRuntime, ref: string): DockerContainer | undefined {
  if (!ref) return undefined;
  return dockerContainers(rt).find((c) => c.id.startsWith(ref) || c.name === ref);
}

const noSuch = (ref: string): NodeCommandResult => ({ stdout: "", stderr: `Error response from daemon: No such container: ${ref}\n`, exitCode: 1 });

function inspect(c: DockerContainer, rt: DockerRuntime): unknown {
  const r = c.record;
  const iso = (ms: number): string => (ms ? rfc3339Nano(ms) : "0001-01-01T00:00:00Z");
  const pid = r?.process?.running ? r.process.pid : c.record ? 0 : c.running ? c.sandbox.pausePid : 0;
  const status = c.running ? "running" : r?.state === "CONTAINER_CREATED" ? "created" : "exited";
  const argv = r?.argv ?? ["/pause"];
  return {
    Id: c.id,
    Created: iso(c.created),
    Path: argv[0],
    Args: argv.slice(1),
    State: { Status: status, Running: c.running, Paused: false, Restarting: false, OOMKilled: c.oom, Dead: false, Pid: pid, ExitCode: c.exitCode, Error: "", StartedAt: iso(c.started), FinishedAt: iso(c.finished) },
    Image: r ? r.image.image.id : (rt.storedImages().find((i) => i.definition.repository === "registry.k8s.io/pause")?.image.id ?? ""),
    LogPath: r ? `/var/lib/docker/containers/${c.id}/${c.id}-json.log` : "",
    Name: `/${c.name}`,
    RestartCount: 0,
    Driver: "overlay2",
    Platform: "linux",
    HostConfig: {
      LogConfig: { Type: "json-file", Config: { "max-size": "100m" } },
      NetworkMode: r ? `container:${c.sandbox.id}` : c.sandbox.config.networkNamespace === "NODE" ? "host" : "none",
      ...(r?.config.linux?.resources?.memoryLimitInBytes ? { Memory: r.config.linux.resources.memoryLimitInBytes } : { Memory: 0 }),
    },
    Config: {
      Hostname: c.sandbox.config.hostname,
      Env: r ? Object.entries(r.env).map(([k, v]) => `${k}=${v}`) : ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
      Cmd: argv.slice(1),
      Image: r ? r.image.image.id : "registry.k8s.io/pause:3.9",
      Entrypoint: [argv[0]],
      Labels: r ? { ...r.config.labels, ...r.config.annotations, "io.kubernetes.docker.type": "container", "io.kubernetes.sandbox.id": c.sandbox.id } : { ...c.sandbox.config.labels, "io.kubernetes.docker.type": "podsandbox" },
    },
  };
}

/**
 * `docker` on a node whose runtime is Docker Engine (cri-dockerd): `ps [-a]`, `images`,
 * `inspect <id|name>`, `logs <id|name>`, `version`, in the Docker CLI's formats. On other nodes
 * there is no `docker` binary.
 */
export const dockerCli: NodeCommand = async ({ scope, argv }): Promise<NodeCommandResult> => {
  const rt = scope.isRegistered(NodeRuntimeToken, true) ? scope.resolve(NodeRuntimeToken) : undefined;
  if (!(rt instanceof DockerRuntime)) return { stdout: "", stderr: "bash: docker: command not found\n", exitCode: 127 };
  const now = scope.isRegistered(Clock, true) ? scope.resolve<Clock>(Clock).now() : Date.now();
  const [sub, ...args] = argv.slice(1);
  switch (sub) {
    case "ps": {
      const all = args.includes("-a") || args.includes("--all");
      const rows = [["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"]];
      for (const c of dockerContainers(rt)) {
        if (!all && !c.running) continue;
        rows.push([c.id.slice(0, 12), c.image, JSON.stringify(ellipsis(c.command, 20)), `${humanDuration(now - c.created)} ago`, statusOf(c, now), "", c.name]);
      }
      return { stdout: table(rows), exitCode: 0 };
    }
    case "images": {
      const rows = [["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"]];
      for (const s of rt.storedImages()) {
        for (const tag of s.image.repoTags) {
          const at = tag.lastIndexOf(":");
          rows.push([familiarName(tag.slice(0, at)), tag.slice(at + 1), shortId(s.image.id), "N/A", humanSize(s.image.size)]);
        }
      }
      return { stdout: table(rows), exitCode: 0 };
    }
    case "inspect": {
      const refs = args.filter((a) => !a.startsWith("-"));
      if (!refs.length) return { stdout: "", stderr: '"docker inspect" requires at least 1 argument.\n', exitCode: 1 };
      const found = refs.map((r) => find(rt, r));
      const missing = refs.filter((_, i) => !found[i]);
      const objs = found.filter((c): c is DockerContainer => !!c).map((c) => inspect(c, rt));
      return { stdout: JSON.stringify(objs, null, 4) + "\n", ...(missing.length ? { stderr: missing.map((m) => `Error: No such object: ${m}\n`).join("") } : {}), exitCode: missing.length ? 1 : 0 };
    }
    case "logs": {
      const ref = args.find((a) => !a.startsWith("-")) ?? "";
      const c = find(rt, ref);
      if (!c) return noSuch(ref);
      let stdout = "";
      let stderr = "";
      for (const line of (c.record && rt.logs.lines(c.record.logPath)) ?? []) {
        const e = rt.logs.parse(line);
        if (!e) continue;
        const text = e.text + (e.partial ? "" : "\n");
        if (e.stream === "stderr") stderr += text;
        else stdout += text;
      }
      return { stdout, stderr, exitCode: 0 };
    }
    case "version":
      return { stdout: `Client: Docker Engine - Community\n Version:           ${DOCKER_VERSION}\n API version:       1.47\n\nServer: Docker Engine - Community\n Engine:\n  Version:          ${DOCKER_VERSION}\n  API version:      1.47 (minimum version 1.24)\n containerd:\n  Version:          1.7.24\n runc:\n  Version:          1.1.14\n`, exitCode: 0 };
    default:
      return { stdout: "", stderr: `docker: '${sub ?? ""}' is not a docker command.\nSee 'docker --help'\n`, exitCode: 1 };
  }
};
