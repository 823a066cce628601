import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";

test("a Deployment's pods are bound and spread over the workers; the control-plane taint keeps them off it", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 4, plugins: ["kube-controller-manager", "kube-scheduler"] });
  await cluster.start();
  try {
    await cluster.apply(`apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: default }
spec:
  replicas: 6
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers: [{ name: web, image: nginx, resources: { requests: { cpu: 100m, memory: 64Mi } } }]
`);
    const bound = async (): Promise<Pod[]> => ((await cluster.client.resource<Pod>("Pod").list({ namespace: "default", labelSelector: "app=web" } as never)).items as Pod[]).filter((p) => p.spec?.nodeName);
    const deadline = cluster.clock.now() + 60_000;
    let pods = await bound();
    while (pods.length < 6 && cluster.clock.now() < deadline) {
      await cluster.clock.sleep(500);
      pods = await bound();
    }
    assert.is(pods.length, 6);
    const perNode = new Map<string, number>();
    for (const p of pods) perNode.set(p.spec!.nodeName!, (perNode.get(p.spec!.nodeName!) ?? 0) + 1);
    assert.not.ok(perNode.has("kubesim-control-plane"));
    // Spread by the system default topology constraints (the ReplicaSet's selector) and LeastAllocated.
    assert.equal([...perNode.entries()].sort(), [["kubesim-worker", 2], ["kubesim-worker2", 2], ["kubesim-worker3", 2]]);
  } finally {
    await cluster.stop();
  }
});

test.run();
