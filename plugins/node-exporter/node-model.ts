import type { NodeRuntime } from "../../core/cri/runtime-service.js";
import type { NetNamespace } from "../../core/net/netns.js";

/** What node-exporter reads of one simulated node: its Node's capacity, its runtime's processes and image fs, its root network namespace. */
export interface NodeModel {
  name: string;
  bootTime: number;
  /** Node.status.capacity (cpu, memory, ephemeral-storage), or undefined before registration. */
  capacity(): Readonly<Record<string, string>> | undefined;
  runtime(): NodeRuntime | undefined;
  netns(): NetNamespace | undefined;
  kernelRelease: string;
}

/** CPU time kept per node across scrapes: busy seconds integrate the running processes' use. */
export class CpuAccount {
  private last = 0;
  private busySeconds = 0;

  constructor(private readonly boot: number) {
    this.last = boot;
  }

  /** Advances to `now` with `busyCores` cores in use since the last call; returns busy and total CPU seconds since boot. */
  advance(now: number, busyCores: number, cores: number): { busy: number; total: number } {
    const dt = Math.max(0, now - this.last) / 1000;
    this.busySeconds += Math.min(busyCores, cores) * dt;
    this.last = now;
    return { busy: this.busySeconds, total: (cores * Math.max(0, now - this.boot)) / 1000 };
  }
}
