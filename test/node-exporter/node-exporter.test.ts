import { test } from "uvu";
import * as assert from "uvu/assert";
import type { DaemonSet } from "kubernetes-types/apps/v1.js";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { DEFAULT_PLUGINS } from "../../core/cluster/default-distribution.js";
import { PodStreams } from "../../core/apiserver/http/pod-streams.js";
import { parseQuantity, quantityToNumber } from "../../core/api/quantity.js";
import { parseExposition as parsePrometheusText } from "../support/prometheus-text.js";

const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 2, plugins: [...DEFAULT_PLUGINS, "node-exporter"] });

async function scrape(ip: string): Promise<ReturnType<typeof parsePrometheusText>> {
  const session = await cluster.resolve(PodStreams).exec!("default", "client", { command: ["wget", "-qO-", `http://${ip}:9100/metrics`], stdin: false, tty: false });
  let out = "";
  session.onStdout((d) => (out += d));
  session.onStderr((d) => (out += d));
  assert.is(await session.exit, 0, out);
  return parsePrometheusText(out);
}

test.before(async () => {
  await cluster.start();
  await cluster.apply(`
apiVersion: v1
kind: Pod
metadata: { name: client, namespace: default }
spec: { containers: [{ name: c, image: busybox:1.36, command: [sleep, infinity] }] }
`);
  await cluster.waitFor<DaemonSet>("DaemonSet", (d) => d.metadata?.name === "node-exporter" && (d.status?.numberReady ?? 0) === 2, { namespace: "monitoring", timeout: 120_000 });
  await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "client" && p.status?.phase === "Running", { timeout: 60_000 });
});

test.after(async () => {
  await cluster.stop();
});

test("each node's exporter on <node IP>:9100 reports that node's model: CPUs, memory, filesystem, uname, network counters", async () => {
  const nodes = await cluster.client.resource<Node>("Node").list();
  for (const node of nodes.items) {
    const ip = node.status!.addresses!.find((a) => a.type === "InternalIP")!.address;
    const f = await scrape(ip);
    const cap = node.status!.capacity!;
    const cpus = new Set(f.get("node_cpu_seconds_total")!.samples.map((s) => s.labels["cpu"]));
    assert.is(cpus.size, quantityToNumber(parseQuantity(cap["cpu"]!)));
    assert.is(f.get("node_cpu_seconds_total")!.type, "counter");
    const memTotal = f.get("node_memory_MemTotal_bytes")!.samples[0]!.value;
    assert.is(memTotal, quantityToNumber(parseQuantity(cap["memory"]!)));
    const avail = f.get("node_memory_MemAvailable_bytes")!.samples[0]!.value;
    assert.ok(avail > 0 && avail < memTotal);
    assert.is(f.get("node_filesystem_size_bytes")!.samples[0]!.value, quantityToNumber(parseQuantity(cap["ephemeral-storage"]!)));
    assert.is(f.get("node_uname_info")!.samples[0]!.labels["nodename"], node.metadata!.name);
    assert.ok(f.get("node_network_receive_bytes_total")!.samples.some((s) => s.labels["device"] === "eth0" && s.value > 0), "eth0 has carried traffic");
  }
});

test("CPU seconds only grow, and idle time tracks the clock", async () => {
  const node = (await cluster.client.resource<Node>("Node").list()).items[0]!;
  const ip = node.status!.addresses!.find((a) => a.type === "InternalIP")!.address;
  const sum = (f: ReturnType<typeof parsePrometheusText>, mode: string): number => f.get("node_cpu_seconds_total")!.samples.filter((s) => s.labels["mode"] === mode).reduce((a, s) => a + s.value, 0);
  const a = await scrape(ip);
  await cluster.clock.sleep(10_000);
  const b = await scrape(ip);
  const cores = quantityToNumber(parseQuantity(node.status!.capacity!["cpu"]!));
  const idleDelta = sum(b, "idle") - sum(a, "idle");
  const busyDelta = sum(b, "user") + sum(b, "system") - sum(a, "user") - sum(a, "system");
  assert.ok(busyDelta > 0, "the node's processes use CPU");
  assert.ok(Math.abs(idleDelta + busyDelta - cores * 10) < 1, `idle+busy grew by ${idleDelta + busyDelta} s over 10 s on ${cores} cores`);
});

test.run();
