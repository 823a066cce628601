import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ConfigMap, Node } from "kubernetes-types/core/v1.js";
import type { Deployment } from "kubernetes-types/apps/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { definePlugin } from "../../core/plugins/plugin.js";
import { Client } from "../../core/client/client.js";
import { ApiTypes } from "../../core/plugins/extension-points.js";
import { NodeName } from "../../core/cluster/node-spec.js";
import { manifest as exampleManifest } from "../../examples/compose-cluster/main.js";

/** The example's manifest (Namespace, Deployment with 3 replicas, NodePort Service) plus a ConfigMap. */
const manifest = `${exampleManifest}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
data:
  mode: fast
`;

test("compose, start, apply a multi-document manifest, re-apply unchanged and configured", async () => {
  const cluster = new Cluster({ name: "t", clock: "virtual", seed: 1, nodes: 3 });
  await cluster.start();
  const first = await cluster.apply(manifest);
  assert.equal(first.map((r) => `${r.action} ${r.object.kind}/${r.object.metadata!.name}`), ["created Namespace/shop", "created Deployment/web", "created Service/web", "created ConfigMap/settings"]);
  const again = await cluster.apply(manifest);
  assert.equal(again.map((r) => r.action), ["unchanged", "unchanged", "unchanged", "unchanged"]);
  const changed = await cluster.apply(manifest.replace("replicas: 3", "replicas: 5").replace("mode: fast", "mode: slow"));
  assert.equal(changed.map((r) => r.action), ["unchanged", "configured", "unchanged", "configured"]);
  const d = (await cluster.client.resource<Deployment>("Deployment").get("web", { namespace: "shop" })) as Deployment;
  assert.is(d.spec!.replicas, 5);
  // A field removed from the manifest is removed from the object (three-way merge).
  await cluster.apply(manifest.replace("  mode: fast", "  other: x"));
  const cm = (await cluster.client.resource<ConfigMap>("ConfigMap").get("settings", { namespace: "shop" })) as ConfigMap;
  assert.equal(cm.data, { other: "x" });
  await cluster.stop();
});

test("nodes are registered as Node objects, kind-style names, pod CIDRs; add and remove while running", async () => {
  const cluster = new Cluster({ name: "lab", clock: "virtual", nodes: 3 });
  await cluster.start();
  const nodes = (await cluster.client.resource<Node>("Node").list()).items as Node[];
  assert.equal(nodes.map((n) => n.metadata!.name).sort(), ["lab-control-plane", "lab-worker", "lab-worker2"]);
  const cp = nodes.find((n) => n.metadata!.name === "lab-control-plane")!;
  assert.is(cp.metadata!.labels!["node-role.kubernetes.io/control-plane"], "");
  assert.equal(cp.spec!.taints, [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }]);
  assert.equal(nodes.map((n) => n.spec!.podCIDR).sort(), ["10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24"]);
  const added = await cluster.addNode({ name: "gpu-1", labels: { accelerator: "gpu" } });
  assert.is(added.scope.resolve(NodeName), "gpu-1");
  assert.is(added.scope.resolve(Client), cluster.client);
  await cluster.waitFor<Node>("Node", (n) => n.metadata?.name === "gpu-1", { timeout: 1000 });
  await cluster.removeNode("lab-worker");
  assert.not.ok(cluster.nodes.has("lab-worker"));
  const after = (await cluster.client.resource("Node").list()).items.map((n) => n.metadata!.name).sort();
  assert.equal(after, ["gpu-1", "lab-control-plane", "lab-worker2"]);
  await cluster.stop();
});

test("waitFor resolves on a later change and times out on the cluster clock", async () => {
  const cluster = new Cluster({ clock: "virtual", autoAdvance: false });
  await cluster.start();
  const clock = cluster.clock as VirtualClock;
  const waiting = cluster.waitFor<ConfigMap>("ConfigMap", (c) => c.data?.["ready"] === "yes", { namespace: "default" });
  await cluster.client.resource("ConfigMap").create({ metadata: { name: "c", namespace: "default" }, data: { ready: "no" } });
  const c = await cluster.client.resource<ConfigMap>("ConfigMap").get("c", { namespace: "default" });
  await cluster.client.resource("ConfigMap").update({ ...c, data: { ready: "yes" } });
  const found = await waiting;
  assert.is(found.metadata!.name, "c");
  const never = cluster.waitFor("ConfigMap", () => false, { timeout: 5_000 });
  let error: Error | undefined;
  void never.catch((e: Error) => (error = e));
  await clock.advance(4_999);
  assert.is(error, undefined);
  await clock.advance(1);
  assert.match(error!.message, /timed out after 5000 ms waiting for ConfigMap/);
  await cluster.stop();
});

test("two clusters in one process share no state", async () => {
  const a = new Cluster({ name: "a", clock: "virtual", seed: 1 });
  const b = new Cluster({ name: "b", clock: "virtual", seed: 1 });
  await a.start();
  await b.start();
  await a.client.resource("ConfigMap").create({ metadata: { name: "only-in-a", namespace: "default" } });
  const inB = (await b.client.resource("ConfigMap").list({ namespace: "default" })).items;
  assert.is(inB.length, 0);
  assert.is.not(a.resolve(Client), b.resolve(Client));
  await a.stop();
  await b.stop();
});

test("a seed plus the virtual clock reproduce generated names, uids and timestamps", async () => {
  const run = async (): Promise<string[]> => {
    const c = new Cluster({ clock: "virtual", seed: 99 });
    await c.start();
    const made = await c.client.resource("ConfigMap").create({ metadata: { generateName: "x-", namespace: "default" } });
    await c.stop();
    return [made.metadata!.name!, made.metadata!.uid!, made.metadata!.creationTimestamp!];
  };
  assert.equal(await run(), await run());
});

test("plugins get the cluster's client in setup; teardown runs at stop", async () => {
  const log: string[] = [];
  const cluster = new Cluster({ clock: "virtual" }).use(definePlugin({
    name: "seeder",
    async setup(ctx) {
      await ctx.resolve(Client).resource("ConfigMap").create({ metadata: { name: "seeded", namespace: "kube-system" } });
      log.push("setup");
      return () => void log.push("teardown");
    },
  }));
  await cluster.start();
  await cluster.client.resource("ConfigMap").get("seeded", { namespace: "kube-system" });
  await cluster.stop();
  assert.equal(log, ["setup", "teardown"]);
});

test("a failing plugin fails start with its name and the cluster is stopped", async () => {
  const cluster = new Cluster({ clock: "virtual" }).use(definePlugin({ name: "broken", setup() { throw new Error("no network"); } }));
  try {
    await cluster.start();
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /plugin "broken" failed to start: no network/);
  }
  assert.throws(() => cluster.client, /is stopped/);
});

test("an ApiTypes contribution that takes a built-in group and resource is refused at start, naming both", async () => {
  const descriptor = { group: "apps", version: "v2", kind: "Deployment", listKind: "DeploymentList", plural: "deployments", singular: "deployment", namespaced: true, shortNames: [], categories: [], subresources: [] };
  const cluster = new Cluster({ clock: "virtual" }).use(definePlugin({ name: "shadow", setup(ctx) { ctx.contribute(ApiTypes, "deployments.apps/v2", { descriptor }); } }));
  const err = await cluster.start().then(async () => void (await cluster.stop()), (e: unknown) => e as Error);
  assert.ok(err, "start should fail");
  assert.is(err.message, 'plugin "shadow" contributes API type "deployments.apps/v2" (deployments.apps/v2), but deployments.apps is already served (Deployment, v1): a type must not replace a built-in or another plugin\'s resource; give it its own group');
  assert.throws(() => cluster.client, /is stopped/);
  // A type of its own group joins the API.
  const own = new Cluster({ clock: "virtual" }).use(definePlugin({ name: "widgets", setup(ctx) { ctx.contribute(ApiTypes, "widgets", { descriptor: { ...descriptor, group: "example.com", version: "v1", kind: "Widget", listKind: "WidgetList", plural: "widgets", singular: "widget" } }); } }));
  await own.start();
  try {
    const made = await own.client.resource({ apiVersion: "example.com/v1", kind: "Widget" }).create({ metadata: { name: "w", namespace: "default" } });
    assert.is(made.metadata!.name, "w");
  } finally {
    await own.stop();
  }
});

test("stop() leaves no timer, watch or handle behind (real clock)", async () => {
  const before = new Set(process.getActiveResourcesInfo());
  const countOf = (list: string[]): Record<string, number> => list.reduce<Record<string, number>>((m, k) => ({ ...m, [k]: (m[k] ?? 0) + 1 }), {});
  const baseline = countOf(process.getActiveResourcesInfo());
  // The whole default distribution: pods running on kubelets must leave nothing behind either.
  const cluster = new Cluster({ clock: "real", nodes: 2 });
  await cluster.start();
  await cluster.apply(manifest);
  await cluster.waitFor("Deployment", (d) => d.metadata?.name === "web", { namespace: "shop" });
  const informer = cluster.informers.forResource("Pod");
  cluster.informers.start();
  await cluster.informers.waitForCacheSync();
  assert.ok(informer.hasSynced());
  await cluster.stop();
  await new Promise((r) => setImmediate(r));
  const after = countOf(process.getActiveResourcesInfo());
  for (const [kind, n] of Object.entries(after)) assert.ok(n <= (baseline[kind] ?? 0), `leftover ${kind}: ${n} (baseline ${baseline[kind] ?? 0}); before=${[...before].join(",")}`);
});

test.run();
