import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event, Node, Pod } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { NodeKubelet } from "../../plugins/kubelet/index.js";
import type { Kubelet } from "../../plugins/kubelet/index.js";

test("node failure end to end: kubelet stops -> Unknown after ~50 s -> unreachable taint -> pods evicted 300 s later -> ReplicaSet replaces them elsewhere", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 7, nodes: 3 });
  await cluster.start();
  try {
    await cluster.apply(`
apiVersion: apps/v1
kind: ReplicaSet
metadata: { name: web, namespace: default }
spec:
  replicas: 4
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: nginx }] }
`);
    const running = (pods: Pod[]) => pods.filter((p) => p.status?.phase === "Running" && !p.metadata?.deletionTimestamp);
    const list = async () => (await cluster.client.resource<Pod>("Pod").list({ namespace: "default", labelSelector: "app=web" })).items as Pod[];
    for (let i = 0; i < 120 && running(await list()).length < 4; i++) await cluster.clock.sleep(1_000);
    const before = running(await list());
    assert.is(before.length, 4);
    const victim = before[0]!.spec!.nodeName!;
    const onVictim = before.filter((p) => p.spec?.nodeName === victim).map((p) => p.metadata!.name!);
    const stoppedAt = cluster.clock.now();
    await cluster.nodes.get(victim)!.scope.resolve<Kubelet>(NodeKubelet).stop();

    const unknown = await cluster.waitFor<Node>("Node", (n) => n.metadata?.name === victim && n.status?.conditions?.find((c) => c.type === "Ready")?.status === "Unknown", { timeout: 120_000 });
    assert.ok(cluster.clock.now() - stoppedAt >= 40_000 && cluster.clock.now() - stoppedAt <= 70_000, `Unknown after ${cluster.clock.now() - stoppedAt} ms`);
    assert.ok(unknown);
    await cluster.waitFor<Node>("Node", (n) => n.metadata?.name === victim && !!n.spec?.taints?.some((t) => t.key === "node.kubernetes.io/unreachable" && t.effect === "NoExecute"), { timeout: 60_000 });
    const taintedAt = cluster.clock.now();

    // Until the toleration runs out the pods stay where they are.
    await cluster.clock.sleep(290_000);
    for (const name of onVictim) assert.not.ok((await cluster.client.resource<Pod>("Pod").get(name, { namespace: "default" })).metadata?.deletionTimestamp, `${name} still tolerated`);
    await cluster.waitFor<Pod>("Pod", (p) => onVictim.includes(p.metadata!.name!) && !!p.metadata?.deletionTimestamp, { namespace: "default", timeout: 60_000 });
    assert.ok(Math.abs(cluster.clock.now() - taintedAt - 300_000) <= 1_000, `evicted ${cluster.clock.now() - taintedAt} ms after the taint`);

    for (let i = 0; i < 120; i++) {
      const now = running(await list()).filter((p) => p.spec?.nodeName !== victim);
      if (now.length === 4) break;
      await cluster.clock.sleep(1_000);
    }
    const after = running(await list()).filter((p) => p.spec?.nodeName !== victim);
    assert.is(after.length, 4, "four replicas run on the healthy nodes");
    const events = (await cluster.client.resource<Event>("Event").list({ namespace: "default" })).items;
    assert.ok(events.some((e) => e.reason === "TaintManagerEviction" && e.involvedObject?.name === onVictim[0]));
  } finally {
    await cluster.stop();
  }
});

test.run();
