/** One sample of the kubelet's `/metrics/resource`: a cumulative CPU time or a working set, at a time. */
export interface Sample {
  /** CPU: core-seconds consumed so far; memory: bytes. */
  value: number;
  /** Milliseconds since the epoch, from the sample's timestamp. */
  time: number;
}

/** What one scrape of a kubelet gives: the node's and each container's CPU and memory. */
export interface NodeScrape {
  node: { cpu?: Sample; memory?: Sample };
  /** Keyed `namespace/pod`, then container name. */
  pods: Map<string, Map<string, { cpu?: Sample; memory?: Sample; startTime?: number }>>;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s+(\S+)(?:\s+(\d+))?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * Decodes the Prometheus text of `/metrics/resource` into what metrics-server keeps (its
 * `decodeBatch`): samples without a timestamp take `scrapeTime`.
 */
export function decodeResourceMetrics(text: string, scrapeTime: number): NodeScrape {
  const out: NodeScrape = { node: {}, pods: new Map() };
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const [, name, labelText = "", raw, ts] = m;
    const labels: Record<string, string> = {};
    for (const l of labelText.matchAll(LABEL)) labels[l[1]!] = l[2]!;
    const sample: Sample = { value: Number(raw), time: ts ? Number(ts) : scrapeTime };
    if (Number.isNaN(sample.value)) continue;
    if (name === "node_cpu_usage_seconds_total") out.node.cpu = sample;
    else if (name === "node_memory_working_set_bytes") out.node.memory = sample;
    else if (name!.startsWith("container_") && labels["namespace"] && labels["pod"] && labels["container"]) {
      const key = `${labels["namespace"]}/${labels["pod"]}`;
      const pod = out.pods.get(key) ?? new Map();
      out.pods.set(key, pod);
      const c = pod.get(labels["container"]) ?? {};
      pod.set(labels["container"], c);
      if (name === "container_cpu_usage_seconds_total") c.cpu = sample;
      else if (name === "container_memory_working_set_bytes") c.memory = sample;
      else if (name === "container_start_time_seconds") c.startTime = sample.value * 1000;
    }
  }
  return out;
}
