import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Deployment, ReplicaSet } from "kubernetes-types/apps/v1.js";
import type { Event, Pod } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { findNewReplicaSet, maxSurge, maxUnavailable, newRSNewReplicas, proportion, scaled, setNewReplicaSetAnnotations } from "../../plugins/kube-controller-manager/controllers/deployment/deployment-util.js";
import { computeHash, safeEncodeString } from "../../plugins/kube-controller-manager/controllers/deployment/pod-template-hash.js";
import { fakeKubelet, withCluster } from "./helpers.js";

const dep = (replicas: number, surge?: number | string, unavailable?: number | string, type = "RollingUpdate"): Deployment => ({
  metadata: { name: "d" },
  spec: { replicas, selector: {}, template: {}, strategy: { type, ...(type === "RollingUpdate" ? { rollingUpdate: { ...(surge !== undefined ? { maxSurge: surge } : {}), ...(unavailable !== undefined ? { maxUnavailable: unavailable } : {}) } } : {}) } },
});

test("rolling-update arithmetic: maxSurge rounds up, maxUnavailable rounds down, both zero means one unavailable (table)", () => {
  // [replicas, maxSurge, maxUnavailable, surge, unavailable]
  const cases: [number, number | string | undefined, number | string | undefined, number, number][] = [
    [10, "25%", "25%", 3, 2],
    [4, "25%", "25%", 1, 1],
    [3, undefined, undefined, 1, 0],
    [1, "25%", "25%", 1, 0],
    [10, 0, 0, 0, 1],
    [10, "0%", "0%", 0, 1],
    [5, "10%", "10%", 1, 0],
    [10, 2, 5, 2, 5],
    [3, 0, 10, 0, 3], // capped at replicas
    [0, "25%", "25%", 0, 0],
  ];
  for (const [r, s, u, ws, wu] of cases) {
    const d = dep(r, s, u);
    assert.is(maxSurge(d), ws, `surge of ${r} with ${String(s)}`);
    assert.is(maxUnavailable(d), wu, `unavailable of ${r} with ${String(u)}`);
  }
  assert.is(maxSurge(dep(10, undefined, undefined, "Recreate")), 0);
  assert.is(maxUnavailable(dep(10, undefined, undefined, "Recreate")), 0);
  assert.is(scaled("33%", 10, true), 4);
  assert.is(scaled("33%", 10, false), 3);
});

test("new ReplicaSet size: up to replicas + maxSurge in total (NewRSNewReplicas table)", () => {
  const rs = (replicas: number): ReplicaSet => ({ metadata: { name: `rs${replicas}` }, spec: { replicas, selector: {} } });
  // [deployment replicas, surge, old sizes, new size, expected]
  const cases: [number, number, number[], number, number][] = [
    [10, 3, [10], 0, 3],
    [10, 3, [8], 3, 5],
    [10, 3, [10], 3, 3],
    [10, 0, [9], 0, 1],
    [10, 3, [0], 8, 10],
  ];
  for (const [r, s, olds, cur, want] of cases) {
    const d = dep(r, s, 1);
    const newRS = rs(cur);
    assert.is(newRSNewReplicas(d, [...olds.map(rs), newRS], newRS), want, JSON.stringify({ r, s, olds, cur }));
  }
  assert.is(newRSNewReplicas(dep(7, undefined, undefined, "Recreate"), [rs(0)], rs(0)), 7);
});

test("proportional scaling shares follow max-replicas (GetProportion)", () => {
  const d = dep(15, 3, 0); // scaled from 10 (max 13) to 15 (max 18): +5
  const withMax = (replicas: number): ReplicaSet => ({ metadata: { name: "x", annotations: { "deployment.kubernetes.io/max-replicas": "13" } }, spec: { replicas, selector: {} } });
  assert.is(proportion(withMax(8), d, 5, 0), 3); // 8 * 18/13 = 11.08 → 11
  assert.is(proportion(withMax(5), d, 5, 3), 2); // 5 * 18/13 = 6.9 → 7, +2 allowed
  assert.is(proportion(withMax(0), d, 5, 0), 0);
});

test("revision annotations: raise the revision, keep the old one in revision-history, copy change-cause", () => {
  const d: Deployment = { metadata: { name: "d", annotations: { "kubernetes.io/change-cause": "kubectl set image", "kubectl.kubernetes.io/last-applied-configuration": "{}" } }, spec: { replicas: 2, selector: {}, template: {} } };
  const a: Record<string, string> = { "deployment.kubernetes.io/revision": "1" };
  assert.ok(setNewReplicaSetAnnotations(d, a, 3, true));
  assert.equal(a, { "deployment.kubernetes.io/revision": "3", "deployment.kubernetes.io/revision-history": "1", "kubernetes.io/change-cause": "kubectl set image" });
  assert.ok(setNewReplicaSetAnnotations(d, a, 5, true));
  assert.is(a["deployment.kubernetes.io/revision-history"], "1,3");
  assert.not.ok(setNewReplicaSetAnnotations(d, a, 5, true), "nothing changes twice");
  const fresh: Record<string, string> = {};
  setNewReplicaSetAnnotations(d, fresh, 1, false);
  assert.is(fresh["deployment.kubernetes.io/desired-replicas"], "2");
  assert.is(fresh["deployment.kubernetes.io/max-replicas"], "3");
});

test("pod-template-hash: SafeEncodeString alphabet, stable, changes with the template and the collision count", () => {
  assert.is(safeEncodeString("0123456789"), "bcdfghjklm".split("").map((_, i) => "bcdfghjklmnpqrstvwxz2456789"[(48 + i) % 27]).join(""));
  const t = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx" }] } };
  const h = computeHash(t);
  assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  assert.is(computeHash({ spec: t.spec, metadata: t.metadata }), h, "key order does not matter");
  assert.is(computeHash({ metadata: { labels: { app: "web" }, annotations: {} }, spec: { ...t.spec, volumes: [] } }), h, "empty lists and maps are nil, as after a protobuf decode");
  assert.is.not(computeHash({ ...t, spec: { containers: [{ name: "c", image: "nginx:2" }] } }), h);
  assert.is.not(computeHash(t, 1), h);
  assert.is.not(computeHash(t, 0), h, "a collision count of 0 is still hashed (8 bytes)");
});

test("pod-template-hash equals a real cluster's: the docs' nginx-deployment gets ReplicaSet nginx-deployment-647677fc66", async () => {
  // The Deployment from the Kubernetes docs (concepts/workloads/controllers/deployment); real 1.3x
  // clusters name its ReplicaSet nginx-deployment-647677fc66 (as published `kubectl get rs` outputs show).
  await withCluster(async (cluster) => {
    await cluster.apply(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
  labels:
    app: nginx
spec:
  replicas: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:1.14.2
        ports:
        - containerPort: 80
`);
    const rs = await cluster.waitFor<ReplicaSet>("replicasets.apps", () => true, { namespace: "default" });
    assert.is(rs.metadata!.name, "nginx-deployment-647677fc66");
    assert.is(rs.metadata!.labels!["pod-template-hash"], "647677fc66");
  });
});

const manifest = (o: { replicas?: number; image?: string; strategy?: string; extra?: string } = {}): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: ${o.replicas ?? 4}
  selector: {matchLabels: {app: web}}
  strategy: ${o.strategy ?? "{type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 1}}"}
${o.extra ?? ""}  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: "${o.image ?? "nginx:1.27"}"}]}
`;
const done = (replicas: number, generation: number) => (d: Deployment): boolean =>
  d.status?.observedGeneration === generation && d.status?.updatedReplicas === replicas && d.status?.replicas === replicas && d.status?.availableReplicas === replicas && d.status?.conditions?.some((c) => c.reason === "NewReplicaSetAvailable") === true;
const events = async (c: Cluster): Promise<string[]> => ((await c.client.resource<Event>("Event").list({ namespace: "default" })).items as Event[]).filter((e) => e.reason === "ScalingReplicaSet").sort((a, b) => (a.metadata!.creationTimestamp! < b.metadata!.creationTimestamp! ? -1 : 1)).map((e) => e.message!);
const sets = async (c: Cluster): Promise<ReplicaSet[]> => (await c.client.resource<ReplicaSet>("replicasets.apps").list({ namespace: "default" })).items as ReplicaSet[];

test("a rolling update creates <name>-<hash> ReplicaSets, never exceeds maxSurge or maxUnavailable, and records ScalingReplicaSet", async () => {
  await withCluster(async (cluster) => {
    fakeKubelet(cluster);
    let maxPods = 0;
    let minAvailable = Infinity;
    const pods = cluster.informers.forResource<Pod>("Pod");
    await cluster.apply(manifest());
    await cluster.waitFor<Deployment>("deployments.apps", done(4, 1), { namespace: "default" });
    const track = pods.addEventHandler({
      onAdd: () => undefined,
      onUpdate: () => {
        const live = pods.lister().list().filter((p) => !p.metadata?.deletionTimestamp);
        maxPods = Math.max(maxPods, live.length);
        minAvailable = Math.min(minAvailable, live.filter((p) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).length);
      },
    });
    await cluster.apply(manifest({ image: "nginx:1.28" }));
    const d = await cluster.waitFor<Deployment>("deployments.apps", done(4, 2), { namespace: "default" });
    track.remove();
    assert.ok(maxPods <= 5, `at most replicas + maxSurge pods (saw ${maxPods})`);
    assert.ok(minAvailable >= 3, `at least replicas - maxUnavailable ready (saw ${minAvailable})`);
    assert.is(d.metadata!.annotations!["deployment.kubernetes.io/revision"], "2");
    const rs = await sets(cluster);
    assert.is(rs.length, 2);
    for (const r of rs) {
      assert.match(r.metadata!.name!, new RegExp(`^web-${r.metadata!.labels!["pod-template-hash"]}$`));
      assert.is(r.spec!.selector!.matchLabels!["pod-template-hash"], r.metadata!.labels!["pod-template-hash"]);
    }
    const byRev = Object.fromEntries(rs.map((r) => [r.metadata!.annotations!["deployment.kubernetes.io/revision"], r]));
    assert.is(byRev["1"]!.spec!.replicas, 0);
    assert.is(byRev["2"]!.spec!.replicas, 4);
    const ev = await events(cluster);
    assert.is(ev[0], `Scaled up replica set ${byRev["1"]!.metadata!.name} to 4`);
    // maxSurge 1: the new ReplicaSet starts at 1; then maxUnavailable 1 lets one old pod go.
    assert.is(ev[1], `Scaled up replica set ${byRev["2"]!.metadata!.name} to 1`);
    assert.is(ev[2], `Scaled down replica set ${byRev["1"]!.metadata!.name} to 3 from 4`);
    assert.ok(ev.some((m) => /^Scaled down replica set web-\w+ to \d from \d$/.test(m)));
  }, { seed: 3, nodes: 2 });
});

test("Recreate scales the old ReplicaSet to zero and waits for its pods before creating the new one", async () => {
  await withCluster(async (cluster) => {
    fakeKubelet(cluster);
    await cluster.apply(manifest({ replicas: 2, strategy: "{type: Recreate}" }));
    await cluster.waitFor<Deployment>("deployments.apps", done(2, 1), { namespace: "default" });
    await cluster.apply(manifest({ replicas: 2, strategy: "{type: Recreate}", image: "nginx:2" }));
    await cluster.waitFor<Deployment>("deployments.apps", done(2, 2), { namespace: "default" });
    const ev = await events(cluster);
    const down = ev.findIndex((m) => m.startsWith("Scaled down"));
    const up = ev.findIndex((m, i) => i > 0 && m.startsWith("Scaled up"));
    assert.ok(down > 0 && up > down, ev.join("\n"));
    assert.match(ev[up]!, / to 2$/);
  }, { seed: 3, nodes: 2 });
});

test("revisionHistoryLimit removes the oldest scaled-down ReplicaSets; pause holds a rollout, resume continues it", async () => {
  await withCluster(async (cluster) => {
    fakeKubelet(cluster);
    const extra = "  revisionHistoryLimit: 1\n";
    await cluster.apply(manifest({ replicas: 2, extra }));
    await cluster.waitFor<Deployment>("deployments.apps", done(2, 1), { namespace: "default" });
    await cluster.apply(manifest({ replicas: 2, extra, image: "v2" }));
    await cluster.waitFor<Deployment>("deployments.apps", done(2, 2), { namespace: "default" });
    await cluster.apply(manifest({ replicas: 2, extra, image: "v3" }));
    await cluster.waitFor<Deployment>("deployments.apps", done(2, 3), { namespace: "default" });
    await cluster.clock.sleep(1000);
    const revs = (await sets(cluster)).map((r) => r.metadata!.annotations!["deployment.kubernetes.io/revision"]).sort();
    assert.equal(revs, ["2", "3"], "revision 1 cleaned up");
    // Pause, change the image: nothing rolls; resume: it rolls.
    await cluster.client.resource("deployments.apps").patch("web", "merge", { spec: { paused: true } }, { namespace: "default" });
    const paused = await cluster.waitFor<Deployment>("deployments.apps", (d) => d.status?.conditions?.some((c) => c.type === "Progressing" && c.reason === "DeploymentPaused") === true, { namespace: "default" });
    assert.is(paused.status!.conditions!.find((c) => c.type === "Progressing")!.status, "Unknown");
    await cluster.client.resource("deployments.apps").patch("web", "strategic", { spec: { template: { spec: { containers: [{ name: "nginx", image: "v4" }] } } } }, { namespace: "default" });
    await cluster.clock.sleep(5000);
    assert.not.ok((await sets(cluster)).some((r) => r.spec!.template!.spec!.containers[0]!.image === "v4"), "no new ReplicaSet while paused");
    await cluster.client.resource("deployments.apps").patch("web", "merge", { spec: { paused: false } }, { namespace: "default" });
    const resumed = await cluster.waitFor<Deployment>("deployments.apps", done(2, 6), { namespace: "default" });
    assert.is(resumed.metadata!.annotations!["deployment.kubernetes.io/revision"], "4");
  }, { seed: 3, nodes: 2 });
});

test("scaling during a rollout is proportional across the ReplicaSets", async () => {
  await withCluster(async (cluster) => {
    // Only pods of the first template become ready: the rollout stalls half-way.
    fakeKubelet(cluster, { ready: (p) => p.spec!.containers[0]!.image === "nginx:1.27" });
    await cluster.apply(manifest({ replicas: 10, strategy: "{type: RollingUpdate, rollingUpdate: {maxSurge: 3, maxUnavailable: 2}}" }));
    await cluster.waitFor<Deployment>("deployments.apps", done(10, 1), { namespace: "default" });
    await cluster.apply(manifest({ replicas: 10, image: "broken", strategy: "{type: RollingUpdate, rollingUpdate: {maxSurge: 3, maxUnavailable: 2}}" }));
    await cluster.waitFor<Deployment>("deployments.apps", (d) => d.status?.observedGeneration === 2 && d.status?.replicas === 13, { namespace: "default" });
    await cluster.clock.sleep(2000);
    const before = Object.fromEntries((await sets(cluster)).map((r) => [r.spec!.template!.spec!.containers[0]!.image, r.spec!.replicas]));
    assert.equal(before, { "nginx:1.27": 8, broken: 5 });
    await cluster.client.resource("deployments.apps").patch("web", "merge", { spec: { replicas: 20 } }, { namespace: "default" });
    await cluster.waitFor<Deployment>("deployments.apps", (d) => d.status?.observedGeneration === 3, { namespace: "default" });
    await cluster.clock.sleep(2000);
    const after = Object.fromEntries((await sets(cluster)).map((r) => [r.spec!.template!.spec!.containers[0]!.image, r.spec!.replicas]));
    // 13 → 23 (20 + maxSurge 5 at 25%... here maxSurge 3): shares 8:5 of the 10 added.
    assert.is(after["nginx:1.27"]! + after["broken"]!, 23);
    assert.equal(after, { "nginx:1.27": 14, broken: 9 });
  }, { seed: 3, nodes: 2 });
});

test("progressDeadlineSeconds: a stalled rollout gets Progressing=False ProgressDeadlineExceeded on the cluster clock", async () => {
  await withCluster(async (cluster) => {
    fakeKubelet(cluster, { ready: (p) => p.spec!.containers[0]!.image !== "broken" });
    const extra = "  progressDeadlineSeconds: 60\n";
    await cluster.apply(manifest({ replicas: 2, extra }));
    await cluster.waitFor<Deployment>("deployments.apps", done(2, 1), { namespace: "default" });
    const t0 = cluster.clock.now();
    await cluster.apply(manifest({ replicas: 2, extra, image: "broken" }));
    const stuck = await cluster.waitFor<Deployment>("deployments.apps", (d) => d.status?.conditions?.some((c) => c.reason === "ProgressDeadlineExceeded") === true, { namespace: "default", timeout: 300_000 });
    const cond = stuck.status!.conditions!.find((c) => c.type === "Progressing")!;
    assert.is(cond.status, "False");
    assert.match(cond.message!, /^ReplicaSet "web-\w+" has timed out progressing\.$/);
    assert.ok(cluster.clock.now() - t0 >= 60_000);
  }, { seed: 3, nodes: 2 });
});

test("findNewReplicaSet: the oldest ReplicaSet whose template equals the Deployment's (hash label ignored), ties by name, whatever the list order", () => {
  const template = (image: string, hash?: string) => ({ metadata: { labels: { app: "web", ...(hash ? { "pod-template-hash": hash } : {}) } }, spec: { containers: [{ name: "c", image }] } });
  const d: Deployment = { metadata: { name: "web", uid: "d1", generation: 1 }, spec: { selector: { matchLabels: { app: "web" } }, template: template("nginx:2") } };
  const rs = (name: string, created: string, image: string): ReplicaSet => ({ metadata: { name, uid: `rs-${name}`, generation: 1, creationTimestamp: created }, spec: { selector: { matchLabels: { app: "web" } }, template: template(image, name) } });
  const old = rs("web-old", "2026-01-01T00:00:00Z", "nginx:1");
  const b = rs("web-b", "2026-01-01T00:01:00Z", "nginx:2");
  const a = rs("web-a", "2026-01-01T00:01:00Z", "nginx:2");
  const later = rs("web-later", "2026-01-01T00:02:00Z", "nginx:2");
  for (const list of [[old, b, a, later], [later, a, b, old], [b, later, old, a]]) assert.is(findNewReplicaSet(d, list), a);
  assert.is(findNewReplicaSet(d, [old, later]), later);
  assert.is(findNewReplicaSet(d, [old]), undefined);
  assert.is(findNewReplicaSet(d, []), undefined);
});

test.run();
