import type { NodeScrape, Sample } from "./resource-metrics.js";

/** A usage figure: CPU in nanocores and memory in bytes over a window ending at `timestamp`. */
export interface Usage {
  cpuNanoCores: number;
  memoryBytes: number;
  /** End of the window, ms since the epoch. */
  timestamp: number;
  /** Window length, ms. */
  windowMs: number;
}

/** CPU rate between two cumulative samples; undefined when the counter went back or no time passed. */
function rate(prev: Sample | undefined, last: Sample | undefined): { nanoCores: number; windowMs: number } | undefined {
  if (!prev || !last || last.time <= prev.time || last.value < prev.value) return undefined;
  return { nanoCores: ((last.value - prev.value) * 1e9 * 1000) / (last.time - prev.time), windowMs: last.time - prev.time };
}

/**
 * metrics-server's in-memory storage: the last two scrapes of each node; a figure needs both (the
 * CPU rate comes from two cumulative samples), so usage shows one resolution after a node or
 * container first appears. A container restarted between the scrapes (its counter reset) has no
 * figure until the next.
 */
export class MetricsStorage {
  private readonly nodes = new Map<string, { prev?: NodeScrape; last: NodeScrape }>();

  store(node: string, scrape: NodeScrape): void {
    const entry = this.nodes.get(node);
    this.nodes.set(node, { ...(entry ? { prev: entry.last } : {}), last: scrape });
  }

  /** Forgets nodes no longer in the cluster. */
  retain(names: ReadonlySet<string>): void {
    for (const n of this.nodes.keys()) if (!names.has(n)) this.nodes.delete(n);
  }

  /** Whether every node has been scraped at least twice (metrics-server's readiness). */
  ready(): boolean {
    return this.nodes.size > 0 && [...this.nodes.values()].some((e) => e.prev);
  }

  nodeUsage(node: string): Usage | undefined {
    const e = this.nodes.get(node);
    const r = rate(e?.prev?.node.cpu, e?.last.node.cpu);
    const mem = e?.last.node.memory;
    if (!e || !r || !mem) return undefined;
    return { cpuNanoCores: r.nanoCores, memoryBytes: mem.value, timestamp: e.last.node.cpu!.time, windowMs: r.windowMs };
  }

  /** Each container's usage of a pod (`namespace/name`); undefined unless every container has a figure. */
  podUsage(key: string): { containers: Map<string, Usage>; timestamp: number; windowMs: number } | undefined {
    for (const e of this.nodes.values()) {
      const last = e.last.pods.get(key);
      if (!last) continue;
      const prev = e.prev?.pods.get(key);
      const containers = new Map<string, Usage>();
      let timestamp = 0;
      let windowMs = 0;
      for (const [name, c] of last) {
        const r = rate(prev?.get(name)?.cpu, c.cpu);
        if (!r || !c.memory) return undefined;
        containers.set(name, { cpuNanoCores: r.nanoCores, memoryBytes: c.memory.value, timestamp: c.cpu!.time, windowMs: r.windowMs });
        timestamp = Math.max(timestamp, c.cpu!.time);
        windowMs = Math.max(windowMs, r.windowMs);
      }
      return containers.size ? { containers, timestamp, windowMs } : undefined;
    }
    return undefined;
  }
}
