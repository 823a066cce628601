import { test } from "uvu";
import * as assert from "uvu/assert";
import type { DaemonSet, Deployment } from "kubernetes-types/apps/v1.js";
import type { Pod, Service } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { DEFAULT_PLUGINS } from "../../core/cluster/default-distribution.js";
import { PodStreams } from "../../core/apiserver/http/pod-streams.js";

const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 2, plugins: [...DEFAULT_PLUGINS, "coredns", "logging"] });

async function exec(podName: string, command: string[]): Promise<{ code: number; out: string }> {
  const session = await cluster.resolve(PodStreams).exec!("default", podName, { command, stdin: false, tty: false });
  let out = "";
  session.onStdout((d) => (out += d));
  session.onStderr((d) => (out += d));
  return { code: await session.exit, out };
}

interface SearchHit {
  _index: string;
  _id: string;
  _source: { "@timestamp": string; log: string; stream: string; kubernetes: Record<string, unknown> };
}

/** `GET <path>` on the elasticsearch Service from a pod, through cluster DNS and kube-proxy. */
async function es<T>(path: string): Promise<T> {
  const r = await exec("client", ["wget", "-qO-", `http://elasticsearch.logging:9200${path}`]);
  assert.is(r.code, 0, r.out);
  return JSON.parse(r.out) as T;
}

async function talkerHits(): Promise<SearchHit[]> {
  const r = await es<{ hits: { total: { value: number }; hits: SearchHit[] } }>("/logstash-*/_search?q=kubernetes.pod_name:talker&size=1000&sort=@timestamp:asc");
  return r.hits.hits;
}

test.before(async () => {
  await cluster.start();
  await cluster.apply(`
apiVersion: v1
kind: Pod
metadata: { name: client, namespace: default }
spec: { containers: [{ name: c, image: busybox:1.36, command: [sleep, infinity] }] }
---
apiVersion: v1
kind: Pod
metadata: { name: talker, namespace: default, labels: { app: talker, tier: demo } }
spec: { containers: [{ name: say, image: busybox:1.36, command: [sh, -c, "for i in $(seq 1 90); do echo \\"talker line $i\\"; sleep 1; done; sleep infinity"] }] }
`);
  await cluster.waitFor<Deployment>("Deployment", (d) => d.metadata?.name === "elasticsearch" && d.status?.readyReplicas === 1, { namespace: "logging", timeout: 120_000 });
  await cluster.waitFor<DaemonSet>("DaemonSet", (d) => d.metadata?.name === "fluent-bit" && (d.status?.numberReady ?? 0) === 2, { namespace: "logging", timeout: 120_000 });
  await cluster.waitFor<Deployment>("Deployment", (d) => d.metadata?.name === "coredns" && d.status?.readyReplicas === 2, { namespace: "kube-system", timeout: 120_000 });
  await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "client" && p.status?.phase === "Running", { timeout: 60_000 });
  await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "talker" && p.status?.phase === "Running", { timeout: 60_000 });
  // kube-proxy programs the Service once the endpoint is ready.
  for (let i = 0; i < 30 && (await exec("client", ["wget", "-qO-", "http://elasticsearch.logging:9200/"])).code !== 0; i++) await cluster.clock.sleep(1000);
});

test.after(async () => {
  await cluster.stop();
});

test("the logging namespace: elasticsearch Service on 9200, fluent-bit on every node", async () => {
  const svc = await cluster.client.resource<Service>("Service").get("elasticsearch", { namespace: "logging" });
  assert.equal(svc.spec?.ports?.map((p) => `${p.name}:${p.port}`), ["http:9200", "transport:9300"]);
  const info = await es<{ version: { number: string }; tagline: string }>("/");
  assert.is(info.tagline, "You Know, for Search");
});

test("a pod's lines are found by _search on its pod name within seconds, with the kubernetes metadata", async () => {
  // fluent-bit retries its failed flushes (elasticsearch was starting) after 1, 2, 4, 8, then 10 s.
  let hits: SearchHit[] = [];
  for (let waited = 0; waited < 15 && hits.length < 3; waited++) {
    await cluster.clock.sleep(1000);
    hits = await talkerHits();
  }
  assert.ok(hits.length >= 3, `only ${hits.length} lines indexed`);
  const pod = await cluster.client.resource<Pod>("Pod").get("talker", { namespace: "default" });
  const first = hits[0]!;
  assert.is(first._source.log, "talker line 1");
  assert.is(first._source.stream, "stdout");
  const day = first._source["@timestamp"].slice(0, 10).replace(/-/g, ".");
  assert.is(first._index, `logstash-${day}`);
  const k = first._source.kubernetes;
  assert.is(k["pod_name"], "talker");
  assert.is(k["namespace_name"], "default");
  assert.is(k["container_name"], "say");
  assert.is(k["pod_id"], pod.metadata!.uid);
  assert.is(k["host"], pod.spec!.nodeName);
  assert.equal(k["labels"], { app: "talker", tier: "demo" });
  assert.is(k["container_image"], pod.status!.containerStatuses![0]!.image);
  assert.is(k["docker_id"], pod.status!.containerStatuses![0]!.containerID!.replace("containerd://", ""));
  // The newest line is at most a couple of seconds behind the clock.
  const newest = Date.parse(hits[hits.length - 1]!._source["@timestamp"]);
  assert.ok(cluster.clock.now() - newest <= 3000, `newest indexed line is ${cluster.clock.now() - newest} ms old`);
});

test("the query DSL through the Service: match, term on .keyword, range on @timestamp, bool, _count and _cat/indices", async () => {
  const body = JSON.stringify({ query: { bool: { must: [{ match: { log: "line" } }], filter: [{ term: { "kubernetes.pod_name.keyword": "talker" } }, { range: { "@timestamp": { gte: "now-1h" } } }], must_not: [{ match_phrase: { log: "talker line 2" } }] } }, size: 2, sort: [{ "@timestamp": { order: "desc" } }] });
  const r = await exec("client", ["wget", "-qO-", `http://elasticsearch.logging:9200/logstash-*/_search?source_content_type=application/json&source=${encodeURIComponent(body)}`]);
  const res = JSON.parse(r.out) as { hits: { total: { value: number }; hits: (SearchHit & { sort: number[] })[] } };
  assert.is(res.hits.hits.length, 2);
  assert.ok(res.hits.hits[0]!.sort[0]! >= res.hits.hits[1]!.sort[0]!, "sorted newest first");
  assert.ok(res.hits.hits.every((h) => h._source.log !== "talker line 2"));
  const all = await talkerHits();
  assert.is(res.hits.total.value, all.length - 1);
  const count = await es<{ count: number }>("/logstash-*/_count?q=kubernetes.pod_name:talker");
  assert.is(count.count, all.length);
  const cat = await exec("client", ["wget", "-qO-", "http://elasticsearch.logging:9200/_cat/indices?v"]);
  assert.match(cat.out, /^health status index\s+uuid\s+pri rep docs.count docs.deleted store.size pri.store.size dataset.size\n/);
  assert.match(cat.out, /\nyellow open   logstash-\d{4}\.\d\d\.\d\d /);
});

test("deleting the collector pod loses nothing and duplicates nothing: the new one resumes from the offsets DB", async () => {
  const talker = await cluster.client.resource<Pod>("Pod").get("talker", { namespace: "default" });
  const collectors = await cluster.client.resource<Pod>("Pod").list({ namespace: "logging", labelSelector: "k8s-app=fluent-bit-logging" });
  const mine = collectors.items.find((p) => p.spec?.nodeName === talker.spec?.nodeName)!;
  const before = (await talkerHits()).length;
  await cluster.client.resource("Pod").delete(mine.metadata!.name!, { namespace: "logging" });
  await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.labels?.["k8s-app"] === "fluent-bit-logging" && p.spec?.nodeName === talker.spec?.nodeName && p.metadata?.name !== mine.metadata?.name && p.status?.phase === "Running", { namespace: "logging", timeout: 60_000 });
  // The talker writes 90 lines a second apart; wait until it is done and the collector caught up.
  await cluster.clock.sleep(100_000);
  const hits = await talkerHits();
  const lines = hits.map((h) => h._source.log);
  assert.ok(hits.length > before, "lines written while the collector was replaced were shipped");
  assert.is(new Set(lines).size, lines.length, "no line indexed twice");
  assert.equal(lines, Array.from({ length: 90 }, (_, i) => `talker line ${i + 1}`));
});

test.run();
