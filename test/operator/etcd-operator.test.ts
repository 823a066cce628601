import { test } from "uvu";
import * as assert from "uvu/assert";
import type { StatefulSet } from "kubernetes-types/apps/v1.js";
import type { Pod, Event } from "kubernetes-types/core/v1.js";
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1.js";
import { DEFAULT_PLUGINS } from "../../core/cluster/default-distribution.js";
import { PodStreams } from "../../core/apiserver/http/pod-streams.js";
import { startOperatorTestCluster, type OperatorTestCluster } from "../../core/operator/index.js";
import etcdOperator, { EtcdClusterResource, type EtcdCluster } from "../../plugins/operator-etcd/index.js";

let h: OperatorTestCluster;
const replicasSeen: number[] = [];

async function exec(pod: string, command: string[]): Promise<{ code: number; out: string }> {
  const session = await h.cluster.resolve(PodStreams).exec!("default", pod, { command, stdin: false, tty: false });
  let out = "";
  session.onStdout((d) => (out += d));
  session.onStderr((d) => (out += d));
  return { code: await session.exit, out };
}

const running = (size: number) => (ec: EtcdCluster) =>
  ec.metadata?.name === "demo" && ec.status?.phase === "Running" && ec.status.size === size && ec.status.readyMembers === size && ec.status.observedGeneration === ec.metadata.generation;

test.before(async () => {
  h = await startOperatorTestCluster({ operators: [etcdOperator], nodes: 2, plugins: [...DEFAULT_PLUGINS, "coredns"] });
  h.cluster.informers.forResource<StatefulSet>("StatefulSet").addEventHandler({
    onAdd: (s) => {
      if (s.metadata?.name === "demo") replicasSeen.push(s.spec!.replicas!);
    },
    onUpdate: (o, s) => {
      if (s.metadata?.name === "demo" && o.spec?.replicas !== s.spec?.replicas) replicasSeen.push(s.spec!.replicas!);
    },
  });
});

test.after(async () => {
  await h.stop();
});

test("an EtcdCluster of 3 bootstraps one member and adds the others one at a time; etcdctl sees 3 started members", async () => {
  await EtcdClusterResource.client(h.cluster.client).create({ apiVersion: EtcdClusterResource.apiVersion, kind: "EtcdCluster", metadata: { name: "demo", namespace: "default" }, spec: { size: 3 } }, { namespace: "default" });
  const ec = await h.cluster.waitFor<EtcdCluster>(EtcdClusterResource.ref, running(3), { namespace: "default", timeout: 600_000 });
  assert.equal(replicasSeen, [1, 2, 3]);
  assert.is(ec.spec!.version, "3.5.16"); // defaulted by the schema
  assert.equal(ec.status!.members!.map((m) => [m.name, m.started, m.ready]), [["demo-0", true, true], ["demo-1", true, true], ["demo-2", true, true]]);
  assert.is(ec.status!.members!.filter((m) => m.isLeader).length, 1);
  assert.ok(ec.status!.conditions!.some((c) => c.type === "Available" && c.status === "True" && c.observedGeneration === 1));
  const list = await exec("demo-0", ["etcdctl", "member", "list"]);
  assert.is(list.code, 0, list.out);
  const lines = list.out.trim().split("\n");
  assert.is(lines.length, 3);
  for (const [i, line] of lines.entries()) assert.match(line, new RegExp(`^[0-9a-f]+, started, demo-${i}, http://demo-${i}\\.demo\\.default\\.svc\\.cluster\\.local:2380, http://demo-${i}\\.demo\\.default\\.svc\\.cluster\\.local:2379, false$`));
  const health = await exec("demo-1", ["etcdctl", "endpoint", "health"]);
  assert.match(health.out, /^127\.0\.0\.1:2379 is healthy: successfully committed proposal: took = /);
  const put = await exec("demo-2", ["etcdctl", "put", "greeting", "hello"]);
  assert.is(put.out, "OK\n");
  const pdb = await h.cluster.client.resource<PodDisruptionBudget>("PodDisruptionBudget").get("demo", { namespace: "default" });
  assert.is(pdb.spec!.minAvailable, 2);
});

test("scaling 3 → 5 → 3 adds and removes one member at a time", async () => {
  replicasSeen.length = 0;
  await EtcdClusterResource.client(h.cluster.client).patch("demo", "merge", { spec: { size: 5 } }, { namespace: "default" });
  await h.cluster.waitFor<EtcdCluster>(EtcdClusterResource.ref, running(5), { namespace: "default", timeout: 600_000 });
  assert.equal(replicasSeen, [4, 5]);
  const five = await exec("demo-4", ["etcdctl", "member", "list"]);
  assert.is(five.out.trim().split("\n").filter((l) => l.includes(", started, ")).length, 5);
  const read = await exec("demo-4", ["etcdctl", "get", "greeting"]);
  assert.is(read.out, "greeting\nhello\n"); // the new member got the data
  await EtcdClusterResource.client(h.cluster.client).patch("demo", "merge", { spec: { size: 3 } }, { namespace: "default" });
  await h.cluster.waitFor<EtcdCluster>(EtcdClusterResource.ref, running(3), { namespace: "default", timeout: 600_000 });
  assert.equal(replicasSeen, [4, 5, 4, 3]);
  const three = await exec("demo-0", ["etcdctl", "member", "list"]);
  assert.equal(three.out.trim().split("\n").map((l) => l.split(", ")[2]), ["demo-0", "demo-1", "demo-2"]);
  const events = await h.cluster.client.resource<Event>("Event").list({ namespace: "default" });
  const reasons = events.items.filter((e) => e.involvedObject.kind === "EtcdCluster").map((e) => e.reason);
  assert.is(reasons.filter((r) => r === "MemberAdded").length, 4);
  assert.is(reasons.filter((r) => r === "MemberRemoved").length, 2);
});

test("a deleted member pod is recreated and rejoins with its member ID and the data", async () => {
  const before = (await exec("demo-0", ["etcdctl", "member", "list"])).out;
  const old = await h.cluster.client.resource<Pod>("Pod").get("demo-1", { namespace: "default" });
  await h.cluster.client.resource<Pod>("Pod").delete("demo-1", { namespace: "default" });
  await h.cluster.waitFor<EtcdCluster>(EtcdClusterResource.ref, (ec) => ec.status?.phase === "Degraded" || (ec.status?.readyMembers ?? 3) < 3, { namespace: "default", timeout: 120_000 });
  await h.cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "demo-1" && p.metadata.uid !== old.metadata!.uid && (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"), { namespace: "default", timeout: 300_000 });
  await h.cluster.waitFor<EtcdCluster>(EtcdClusterResource.ref, running(3), { namespace: "default", timeout: 300_000 });
  const after = (await exec("demo-0", ["etcdctl", "member", "list"])).out;
  assert.is(after, before);
  const read = await exec("demo-1", ["etcdctl", "get", "greeting"]);
  assert.is(read.out, "greeting\nhello\n");
});

test.run();
