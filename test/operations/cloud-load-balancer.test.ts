import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event, Service } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { cloudControllerManager, IpPool } from "../../plugins/cloud-controller-manager/index.js";
import { isStatusError } from "../../core/api/status.js";

async function withCcm(pool: string | undefined, fn: (cluster: Cluster) => Promise<void>): Promise<void> {
  const cluster = new Cluster({ clock: "virtual", seed: 6, nodes: 2, plugins: ["kube-controller-manager", cloudControllerManager(pool ? { loadBalancerPool: pool } : {})] });
  await cluster.start();
  try {
    await fn(cluster);
  } finally {
    await cluster.stop();
  }
}

const lbService = (name: string, extra: Record<string, unknown> = {}): Service => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: "default" },
  spec: { type: "LoadBalancer", selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }], ...extra },
});
const ingressOf = (cluster: Cluster, name: string) =>
  cluster.waitFor<Service>("Service", (s) => s.metadata?.name === name && !!s.status?.loadBalancer?.ingress?.length, { namespace: "default" }).then((s) => s.status!.loadBalancer!.ingress!);

test("a LoadBalancer Service gets an external IP from the pool, the cleanup finalizer and upstream's events", async () => {
  await withCcm(undefined, async (cluster) => {
    await cluster.client.resource<Service>("Service").create(lbService("web"));
    const ingress = await ingressOf(cluster, "web");
    assert.is(ingress[0]!.ip, "172.18.255.200");
    const svc = await cluster.client.resource<Service>("Service").get("web", { namespace: "default" });
    assert.ok(svc.metadata!.finalizers!.includes("service.kubernetes.io/load-balancer-cleanup"));
    await cluster.client.resource<Service>("Service").create(lbService("api"));
    assert.is((await ingressOf(cluster, "api"))[0]!.ip, "172.18.255.201");
    const events = (await cluster.client.resource<Event>("Event").list({ namespace: "default", fieldSelector: "involvedObject.name=web" })).items;
    assert.equal(events.map((e) => [e.reason, e.message]).sort(), [["EnsuredLoadBalancer", "Ensured load balancer"], ["EnsuringLoadBalancer", "Ensuring load balancer"]]);
  });
});

test("deleting the Service releases its address; changing its type clears the status; loadBalancerClass Services are left alone", async () => {
  await withCcm("10.0.0.10-10.0.0.11", async (cluster) => {
    const api = cluster.client.resource<Service>("Service");
    await api.create(lbService("a"));
    await api.create(lbService("b"));
    await ingressOf(cluster, "a");
    await ingressOf(cluster, "b");
    await api.create(lbService("c"));
    const failed = await cluster.waitFor<Event>("Event", (e) => e.reason === "SyncLoadBalancerFailed" && e.involvedObject?.name === "c", { namespace: "default" });
    assert.is(failed.message, "Error syncing load balancer: failed to ensure load balancer: no available IPs in pool 10.0.0.10-10.0.0.11");
    await api.delete("a", { namespace: "default" });
    await cluster.waitFor<Service>("Service", (s) => s.metadata?.name === "a", { namespace: "default" }).catch(() => undefined);
    const c = await ingressOf(cluster, "c");
    assert.is(c[0]!.ip, "10.0.0.10", "the freed address goes to the waiting Service");
    try {
      await api.get("a", { namespace: "default" });
      assert.unreachable("a is gone once the finalizer is removed");
    } catch (err) {
      assert.ok(isStatusError(err, "NotFound"));
    }
    await api.patch("b", "merge", { spec: { type: "ClusterIP", externalTrafficPolicy: null, allocateLoadBalancerNodePorts: null, ports: [{ port: 80, targetPort: 8080 }] } }, { namespace: "default" });
    const b = await cluster.waitFor<Service>("Service", (s) => s.metadata?.name === "b" && !s.status?.loadBalancer?.ingress && !(s.metadata?.finalizers ?? []).length, { namespace: "default" });
    assert.ok(b);
    await api.create(lbService("d", { loadBalancerClass: "example.com/other" }));
    await cluster.clock.sleep(5_000);
    const d = await api.get("d", { namespace: "default" });
    assert.is(d.status?.loadBalancer?.ingress, undefined);
    assert.is(d.metadata?.finalizers, undefined);
  });
});

test("IpPool hands out one address per key and takes requested ones", () => {
  const pool = new IpPool("192.168.1.1-192.168.1.2");
  assert.is(pool.allocate("x"), "192.168.1.1");
  assert.is(pool.allocate("x"), "192.168.1.1");
  assert.ok(pool.claim("y", "192.168.1.2"));
  assert.is(pool.allocate("z"), undefined);
  assert.not.ok(pool.claim("z", "192.168.1.2"));
  pool.release("x");
  assert.is(pool.allocate("z"), "192.168.1.1");
});

test.run();
