import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod, ResourceQuota } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { isStatusError } from "../../core/api/status.js";
import { sourcesOf } from "../../plugins/kube-controller-manager/controllers/resourcequota/index.js";

async function withKcm(fn: (cluster: Cluster) => Promise<void>): Promise<void> {
  const cluster = new Cluster({ clock: "virtual", seed: 4, nodes: 1, plugins: ["kube-controller-manager"] });
  await cluster.start();
  try {
    await fn(cluster);
  } finally {
    await cluster.stop();
  }
}

const quota = (cluster: Cluster, name: string, pred: (used: Record<string, string>) => boolean) =>
  cluster.waitFor<ResourceQuota>("ResourceQuota", (q) => q.metadata?.name === name && !!q.status?.used && pred(q.status.used), { namespace: "default", timeout: 60_000 });

const pod = (name: string, extra: Record<string, unknown> = {}, resources?: Record<string, Record<string, string>>): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default" },
  spec: { containers: [{ name: "c", image: "nginx", ...(resources ? { resources } : {}) }], ...extra },
});

test("status.used is computed from the namespace's objects, incl. count/deployments.apps, and replenished on delete", async () => {
  await withKcm(async (cluster) => {
    const pods = cluster.client.resource<Pod>("Pod");
    await pods.create(pod("a", {}, { requests: { cpu: "250m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } }));
    await pods.create(pod("b", {}, { requests: { cpu: "250m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } }));
    await cluster.apply(`
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: default }
spec:
  replicas: 0
  selector: { matchLabels: { app: web } }
  template: { metadata: { labels: { app: web } }, spec: { containers: [{ name: web, image: nginx }] } }
---
apiVersion: v1
kind: ResourceQuota
metadata: { name: compute, namespace: default }
spec:
  hard: { pods: "10", requests.cpu: "2", requests.memory: 1Gi, limits.cpu: "4", count/deployments.apps: "3", configmaps: "20" }
`);
    const q = await quota(cluster, "compute", (u) => u["pods"] === "2");
    const configMaps = (await cluster.client.resource("ConfigMap").list({ namespace: "default" })).items.length;
    assert.equal(q.status!.used, { configmaps: String(configMaps), "count/deployments.apps": "1", "limits.cpu": "1", pods: "2", "requests.cpu": "500m", "requests.memory": "128Mi" });
    assert.equal(q.status!.hard, q.spec!.hard);
    await pods.delete("a", { namespace: "default", gracePeriodSeconds: 0 });
    const after = await quota(cluster, "compute", (u) => u["pods"] === "1");
    assert.is(after.status!.used!["requests.cpu"], "250m");
  });
});

test("admission refuses over the quota with upstream's message; the controller frees room when pods finish", async () => {
  await withKcm(async (cluster) => {
    await cluster.apply(`apiVersion: v1
kind: ResourceQuota
metadata: { name: two, namespace: default }
spec: { hard: { pods: "2" } }
`);
    await quota(cluster, "two", (u) => u["pods"] === "0");
    const pods = cluster.client.resource<Pod>("Pod");
    await pods.create(pod("p1"));
    await pods.create(pod("p2"));
    try {
      await pods.create(pod("p3"));
      assert.unreachable("third pod admitted");
    } catch (err) {
      assert.ok(isStatusError(err, "Forbidden"));
      assert.is((err as Error).message, 'pods "p3" is forbidden: exceeded quota: two, requested: pods=1, used: pods=2, limited: pods=2');
    }
    const p1 = await pods.get("p1", { namespace: "default" });
    await pods.updateStatus({ ...p1, status: { ...p1.status, phase: "Succeeded" } });
    await quota(cluster, "two", (u) => u["pods"] === "1");
    await pods.create(pod("p3"));
  });
});

test("scopes: BestEffort, NotTerminating and PriorityClass quotas count only the pods they select", async () => {
  await withKcm(async (cluster) => {
    await cluster.apply(`apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: { name: high }
value: 1000
---
apiVersion: v1
kind: ResourceQuota
metadata: { name: besteffort, namespace: default }
spec: { hard: { pods: "10" }, scopes: [BestEffort] }
---
apiVersion: v1
kind: ResourceQuota
metadata: { name: notterminating, namespace: default }
spec: { hard: { pods: "10" }, scopes: [NotTerminating] }
---
apiVersion: v1
kind: ResourceQuota
metadata: { name: high, namespace: default }
spec:
  hard: { pods: "10" }
  scopeSelector: { matchExpressions: [{ scopeName: PriorityClass, operator: In, values: [high] }] }
`);
    const pods = cluster.client.resource<Pod>("Pod");
    await pods.create(pod("plain"));
    await pods.create(pod("guaranteed", {}, { requests: { cpu: "100m", memory: "10Mi" }, limits: { cpu: "100m", memory: "10Mi" } }));
    await pods.create(pod("deadline", { activeDeadlineSeconds: 60 }));
    await pods.create(pod("important", { priorityClassName: "high" }));
    // Resync what admission charged by changing the specs (a controller recount).
    for (const n of ["besteffort", "notterminating", "high"]) await cluster.client.resource("ResourceQuota").patch(n, "merge", { spec: { hard: { pods: "11" } } }, { namespace: "default" });
    assert.is((await quota(cluster, "besteffort", (u) => u["pods"] === "3")).status!.used!["pods"], "3");
    assert.is((await quota(cluster, "notterminating", (u) => u["pods"] === "3")).status!.used!["pods"], "3");
    assert.is((await quota(cluster, "high", (u) => u["pods"] === "1")).status!.used!["pods"], "1");
  });
});

test("a full resync every 5 minutes corrects used", async () => {
  await withKcm(async (cluster) => {
    await cluster.apply(`apiVersion: v1
kind: ResourceQuota
metadata: { name: q, namespace: default }
spec: { hard: { secrets: "10" } }
`);
    await quota(cluster, "q", (u) => u["secrets"] === "0");
    const q = await cluster.client.resource<ResourceQuota>("ResourceQuota").get("q", { namespace: "default" });
    await cluster.client.resource<ResourceQuota>("ResourceQuota").updateStatus({ ...q, status: { hard: q.status!.hard!, used: { secrets: "7" } } });
    const start = cluster.clock.now();
    await cluster.waitFor<ResourceQuota>("ResourceQuota", (x) => x.metadata?.name === "q" && x.status?.used?.["secrets"] === "0", { namespace: "default", timeout: 10 * 60_000 });
    assert.ok(cluster.clock.now() - start <= 5 * 60_000 + 1000);
  });
});

test("quota names map to the resources they are computed from", () => {
  assert.equal(sourcesOf("count/deployments.apps"), [{ group: "apps", plural: "deployments" }]);
  assert.equal(sourcesOf("count/pods"), [{ group: "", plural: "pods" }]);
  assert.equal(sourcesOf("requests.cpu"), [{ group: "", plural: "pods" }]);
  assert.equal(sourcesOf("requests.storage"), [{ group: "", plural: "persistentvolumeclaims" }]);
  assert.equal(sourcesOf("services.nodeports"), [{ group: "", plural: "services" }]);
});

test.run();
