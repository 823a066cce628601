import type { Pod } from "kubernetes-types/core/v1.js";
import { rfc3339 } from "../../core/api/time.js";
import type { FileSystem } from "../../core/cri/filesystem.js";
import type { ContainerStats, NodeRuntime } from "../../core/cri/runtime-service.js";

/** `/proc/sys/kernel/pid_max` on a 64-bit node: the rlimit the PID signal is measured against. */
export const PID_MAX = 4_194_304;

/** What the summary is built from: the kubelet's node, its pods and its runtime. */
export interface StatsSource {
  readonly nodeName: string;
  readonly runtime: NodeRuntime;
  readonly hostFs: FileSystem;
  readonly now: number;
  readonly bootTime: number;
  readonly memoryCapacity: number;
  /** Node filesystem size (`ephemeral-storage` capacity); the image filesystem shares it (kind's layout). */
  readonly fsCapacity: number;
  readonly pods: readonly { pod: Pod; sandbox: string | undefined }[];
  /** Persistent (CSI) volume figures per pod uid, from the drivers' NodeGetVolumeStats. */
  readonly volumeStats?: ReadonlyMap<string, readonly VolumeStats[]>;
}

/** One volume's figures in a pod's `volume` list (statsapi.VolumeStats). */
export interface VolumeStats {
  time: string;
  name: string;
  usedBytes: number;
  availableBytes?: number;
  capacityBytes?: number;
  inodesFree?: number;
  inodes?: number;
  inodesUsed?: number;
  pvcRef?: { name: string; namespace: string };
}

interface CpuStats {
  time: string;
  usageNanoCores: number;
  usageCoreNanoSeconds: number;
}

interface MemoryStats {
  time: string;
  availableBytes?: number;
  usageBytes: number;
  workingSetBytes: number;
  rssBytes: number;
  pageFaults: number;
  majorPageFaults: number;
}

interface FsStats {
  time: string;
  availableBytes: number;
  capacityBytes: number;
  usedBytes: number;
  inodesFree: number;
  inodes: number;
  inodesUsed: number;
}

/** One pod's figures in the summary (statsapi.PodStats, trimmed to what kubesim measures). */
export interface PodStatsSummary {
  podRef: { name: string; namespace: string; uid: string };
  startTime: string;
  containers: { name: string; startTime: string; cpu: CpuStats; memory: MemoryStats; rootfs: { time: string; usedBytes: number }; logs: { time: string; usedBytes: number } }[];
  cpu: CpuStats;
  memory: MemoryStats;
  volume: VolumeStats[];
  "ephemeral-storage": { time: string; usedBytes: number };
  process_stats: { process_count: number };
}

/** The kubelet's `/stats/summary` (k8s.io/kubelet/pkg/apis/stats/v1alpha1 Summary). */
export interface StatsSummary {
  node: {
    nodeName: string;
    systemContainers: { name: string; startTime: string; cpu: CpuStats; memory: MemoryStats }[];
    startTime: string;
    cpu: CpuStats;
    memory: MemoryStats;
    fs: FsStats;
    runtime: { imageFs: FsStats; containerFs: FsStats };
    rlimit: { time: string; maxpid: number; curproc: number };
  };
  pods: PodStatsSummary[];
}

const INODE_BYTES = 16_384;

/** Bytes of the files under `dir` (what `du` would count). */
export function diskUsage(fs: FileSystem, dir: string): number {
  let total = 0;
  for (const name of fs.list(dir) ?? []) {
    const path = `${dir}/${name}`;
    if (fs.isDirectory(path)) total += diskUsage(fs, path);
    else total += Buffer.byteLength(fs.read(path) ?? "");
  }
  return total;
}

function memory(time: string, workingSet: number, available?: number): MemoryStats {
  return { time, ...(available !== undefined ? { availableBytes: available } : {}), usageBytes: workingSet, workingSetBytes: workingSet, rssBytes: workingSet, pageFaults: 0, majorPageFaults: 0 };
}

function fsStats(time: string, capacity: number, used: number): FsStats {
  const inodes = Math.floor(capacity / INODE_BYTES);
  const inodesUsed = Math.min(inodes, Math.ceil(used / INODE_BYTES));
  return { time, availableBytes: Math.max(0, capacity - used), capacityBytes: capacity, usedBytes: used, inodesFree: inodes - inodesUsed, inodes, inodesUsed };
}

/** Builds the summary from the runtime's container stats, image filesystem and the node's files. */
export async function statsSummary(src: StatsSource): Promise<StatsSummary> {
  const time = rfc3339(src.now);
  const stats = await src.runtime.runtime.listContainerStats();
  const bySandbox = new Map<string, ContainerStats[]>();
  for (const s of stats) bySandbox.set(s.podSandboxId, [...(bySandbox.get(s.podSandboxId) ?? []), s]);
  const containers = new Map((await src.runtime.runtime.listContainers()).map((c) => [c.id, c]));
  const imageFs = await src.runtime.images.imageFsInfo();
  const pods: PodStatsSummary[] = [];
  let nodeWorkingSet = 0;
  let nodeCpu = 0;
  let nodeCpuTotal = 0;
  let podsFs = 0;
  for (const { pod, sandbox } of src.pods) {
    if (!sandbox) continue;
    const uid = pod.metadata!.uid!;
    const cs = (bySandbox.get(sandbox) ?? []).filter((s) => containers.get(s.id)?.state === "CONTAINER_RUNNING");
    const podStart = pod.status?.startTime ?? time;
    let ws = 0;
    let cpu = 0;
    let cpuTotal = 0;
    const perContainer = cs.map((s) => {
      ws += s.memory.workingSetBytes;
      cpu += s.cpu.usageNanoCores;
      cpuTotal += s.cpu.usageCoreNanoSeconds;
      const created = containers.get(s.id)?.createdAt ?? src.now;
      return { name: s.name, startTime: rfc3339(created), cpu: { time, usageNanoCores: s.cpu.usageNanoCores, usageCoreNanoSeconds: s.cpu.usageCoreNanoSeconds }, memory: memory(time, s.memory.workingSetBytes), rootfs: { time, usedBytes: 0 }, logs: { time, usedBytes: logBytes(src.runtime, pod, s.name) } };
    });
    // Node-local volumes count as the pod's ephemeral storage; CSI volumes are mounted from elsewhere.
    const volumesDir = `/var/lib/kubelet/pods/${uid}/volumes`;
    const volumeBytes = (src.hostFs.list(volumesDir) ?? []).filter((d) => d !== "kubernetes.io~csi").reduce((n, d) => n + diskUsage(src.hostFs, `${volumesDir}/${d}`), 0);
    const ephemeral = volumeBytes + perContainer.reduce((n, c) => n + c.logs.usedBytes, 0);
    podsFs += ephemeral;
    nodeWorkingSet += ws;
    nodeCpu += cpu;
    nodeCpuTotal += cpuTotal;
    pods.push({
      podRef: { name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, uid },
      startTime: podStart,
      containers: perContainer,
      cpu: { time, usageNanoCores: cpu, usageCoreNanoSeconds: cpuTotal },
      memory: memory(time, ws),
      volume: [...(volumeBytes ? [{ time, name: "volumes", usedBytes: volumeBytes }] : []), ...(src.volumeStats?.get(uid) ?? [])],
      "ephemeral-storage": { time, usedBytes: ephemeral },
      process_stats: { process_count: cs.length },
    });
  }
  const fsUsed = imageFs.usedBytes + podsFs;
  const processes = src.runtime.processes().length;
  const boot = rfc3339(src.bootTime);
  return {
    node: {
      nodeName: src.nodeName,
      systemContainers: ["kubelet", "runtime", "pods"].map((name) => ({ name, startTime: boot, cpu: { time, usageNanoCores: name === "pods" ? nodeCpu : 0, usageCoreNanoSeconds: name === "pods" ? nodeCpuTotal : 0 }, memory: memory(time, name === "pods" ? nodeWorkingSet : 0) })),
      startTime: boot,
      cpu: { time, usageNanoCores: nodeCpu, usageCoreNanoSeconds: nodeCpuTotal },
      memory: memory(time, nodeWorkingSet, Math.max(0, src.memoryCapacity - nodeWorkingSet)),
      fs: fsStats(time, src.fsCapacity, fsUsed),
      runtime: { imageFs: fsStats(time, src.fsCapacity, fsUsed), containerFs: fsStats(time, src.fsCapacity, fsUsed) },
      rlimit: { time, maxpid: PID_MAX, curproc: processes },
    },
    pods,
  };
}

function logBytes(runtime: NodeRuntime, pod: Pod, container: string): number {
  const dir = `/var/log/pods/${pod.metadata!.namespace}_${pod.metadata!.name}_${pod.metadata!.uid}/${container}`;
  let n = 0;
  for (let attempt = 0; ; attempt++) {
    const size = runtime.logs.size(`${dir}/${attempt}.log`);
    if (size === undefined) return n;
    n += size;
  }
}
