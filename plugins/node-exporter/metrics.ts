import { parseQuantity, quantityToNumber } from "../../core/api/quantity.js";
import type { CpuAccount, NodeModel } from "./node-model.js";

const q = (v: string | undefined, fallback: number): number => {
  if (v === undefined) return fallback;
  try {
    return quantityToNumber(parseQuantity(v));
  } catch {
    return fallback;
  }
};

/** A float as node-exporter (Go's client_golang) writes it: shortest form, exponent from 1e21. */
function num(v: number): string {
  return Number.isInteger(v) && Math.abs(v) < 1e21 ? String(v) : String(v).replace(/e\+?/, "e+").replace("e+-", "e-");
}

function family(out: string[], name: string, help: string, type: string, samples: [Record<string, string>, number][]): void {
  out.push(`# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`);
  for (const [labels, value] of samples) {
    const l = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')}"`).join(",");
    out.push(`${name}${l ? `{${l}}` : ""} ${num(value)}\n`);
  }
}

/**
 * node-exporter's node_* families for one node, from the node's model: CPUs and memory from the
 * Node's capacity, use from its running processes, the root filesystem from ephemeral-storage and
 * the runtime's image filesystem, network counters from the root namespace's devices. Sorted by
 * family name as client_golang writes them.
 */
export async function renderNodeMetrics(node: NodeModel, cpu: CpuAccount, now: number): Promise<string> {
  const cap = node.capacity() ?? {};
  const cores = Math.max(1, Math.round(q(cap["cpu"], 1)));
  const memTotal = q(cap["memory"], 8 * 1024 ** 3);
  const fsSize = q(cap["ephemeral-storage"], 100 * 1024 ** 3);
  const rt = node.runtime();
  const procs = rt?.processes() ?? [];
  let busyMillis = 0;
  let usedMem = 0;
  for (const p of procs) {
    busyMillis += p.usage?.cpuMillis ?? 0;
    usedMem += p.usage?.memoryBytes ?? 0;
  }
  const fsUsed = rt ? (await rt.images.imageFsInfo()).usedBytes : 0;
  // Node baseline (kernel, systemd, kubelet, containerd): 5% of a core and 400 MiB.
  const { busy, total } = cpu.advance(now, (busyMillis + 50) / 1000, cores);
  const memUsed = Math.min(memTotal, usedMem + 400 * 1024 ** 2);
  const out: string[] = [];
  family(out, "node_boot_time_seconds", "Node boot time, in unixtime.", "gauge", [[{}, Math.floor(node.bootTime / 1000)]]);
  const perCpuBusy = busy / cores;
  const perCpuTotal = total / cores;
  const cpuSamples: [Record<string, string>, number][] = [];
  for (let c = 0; c < cores; c++) {
    const user = perCpuBusy * 0.7;
    const system = perCpuBusy * 0.3;
    const idle = Math.max(0, perCpuTotal - perCpuBusy);
    for (const [mode, v] of [["idle", idle], ["iowait", 0], ["irq", 0], ["nice", 0], ["softirq", 0], ["steal", 0], ["system", system], ["user", user]] as const) cpuSamples.push([{ cpu: String(c), mode }, Math.round(v * 100) / 100]);
  }
  family(out, "node_cpu_seconds_total", "Seconds the CPUs spent in each mode.", "counter", cpuSamples);
  const mounts: [Record<string, string>][] = [[{ device: "/dev/root", fstype: "ext4", mountpoint: "/" }]];
  family(out, "node_filesystem_avail_bytes", "Filesystem space available to non-root users in bytes.", "gauge", mounts.map(([l]) => [l, Math.max(0, fsSize - fsUsed)]));
  family(out, "node_filesystem_free_bytes", "Filesystem free space in bytes.", "gauge", mounts.map(([l]) => [l, Math.max(0, fsSize - fsUsed)]));
  family(out, "node_filesystem_size_bytes", "Filesystem size in bytes.", "gauge", mounts.map(([l]) => [l, fsSize]));
  const load = busyMillis / 1000;
  family(out, "node_load1", "1m load average.", "gauge", [[{}, Math.round(load * 100) / 100]]);
  family(out, "node_load15", "15m load average.", "gauge", [[{}, Math.round(load * 100) / 100]]);
  family(out, "node_load5", "5m load average.", "gauge", [[{}, Math.round(load * 100) / 100]]);
  family(out, "node_memory_MemAvailable_bytes", "Memory information field MemAvailable_bytes.", "gauge", [[{}, memTotal - memUsed]]);
  family(out, "node_memory_MemFree_bytes", "Memory information field MemFree_bytes.", "gauge", [[{}, Math.floor((memTotal - memUsed) * 0.6)]]);
  family(out, "node_memory_MemTotal_bytes", "Memory information field MemTotal_bytes.", "gauge", [[{}, memTotal]]);
  const devices = [...(node.netns()?.devices.values() ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1));
  family(out, "node_network_receive_bytes_total", "Network device statistic receive_bytes.", "counter", devices.map((d) => [{ device: d.name }, d.rxBytes]));
  family(out, "node_network_receive_packets_total", "Network device statistic receive_packets.", "counter", devices.map((d) => [{ device: d.name }, d.rxPackets]));
  family(out, "node_network_transmit_bytes_total", "Network device statistic transmit_bytes.", "counter", devices.map((d) => [{ device: d.name }, d.txBytes]));
  family(out, "node_network_transmit_packets_total", "Network device statistic transmit_packets.", "counter", devices.map((d) => [{ device: d.name }, d.txPackets]));
  family(out, "node_procs_running", "Number of processes in runnable state.", "gauge", [[{}, procs.length]]);
  family(out, "node_time_seconds", "System time in seconds since epoch (1970).", "gauge", [[{}, now / 1000]]);
  family(out, "node_uname_info", "Labeled system information as provided by the uname system call.", "gauge", [[{ domainname: "(none)", machine: "x86_64", nodename: node.name, release: node.kernelRelease, sysname: "Linux", version: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.0-26 (2024-10-01)" }, 1]]);
  return out.join("");
}
