import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Endpoints, Pod, Service } from "kubernetes-types/core/v1.js";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { assertGone, setPodStatus, withCluster } from "./helpers.js";

const podSpec = { containers: [{ name: "c", image: "x", ports: [{ name: "http", containerPort: 8080 }] }] };
async function pod(cluster: Cluster, name: string, status: { ready: boolean; ip: string; node?: string }, extra: Partial<Pod["spec"]> = {}): Promise<Pod> {
  const p = (await cluster.client.resource<Pod>("Pod").create({ metadata: { name, namespace: "default", labels: { app: "web" } }, spec: { ...podSpec, ...extra } })) as Pod;
  return setPodStatus(cluster, p, { node: status.node ?? "kubesim-worker", ready: status.ready, ip: status.ip });
}
const service = (extra: Partial<NonNullable<Service["spec"]>> = {}): Service => ({ metadata: { name: "web", namespace: "default", labels: { team: "a" } }, spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }], ...extra } });
const slicesOf = async (c: Cluster): Promise<EndpointSlice[]> => ((await c.client.resource<EndpointSlice>("endpointslices.discovery.k8s.io").list({ namespace: "default", labelSelector: "kubernetes.io/service-name=web" })).items as EndpointSlice[]);

test("Endpoints and EndpointSlice list the selected pods: ready/not ready, named target port, nodeName, zone, labels, owner", async () => {
  await withCluster(async (cluster) => {
    await cluster.client.resource("Node").patch("kubesim-worker", "merge", { metadata: { labels: { "topology.kubernetes.io/zone": "zone-a" } } });
    await pod(cluster, "a", { ready: true, ip: "10.244.1.2" });
    await pod(cluster, "b", { ready: true, ip: "10.244.1.3" });
    await pod(cluster, "c", { ready: false, ip: "10.244.1.4" });
    await cluster.client.resource<Pod>("Pod").create({ metadata: { name: "no-ip", namespace: "default", labels: { app: "web" } }, spec: podSpec });
    const svc = (await cluster.client.resource<Service>("Service").create(service())) as Service;
    const ep = await cluster.waitFor<Endpoints>("Endpoints", (e) => e.metadata?.name === "web" && (e.subsets?.[0]?.addresses?.length ?? 0) === 2 && (e.subsets?.[0]?.notReadyAddresses?.length ?? 0) === 1, { namespace: "default" });
    assert.equal(ep.subsets![0]!.ports, [{ name: "http", port: 8080, protocol: "TCP" }]);
    assert.equal(ep.subsets![0]!.addresses!.map((a) => a.ip), ["10.244.1.2", "10.244.1.3"]);
    assert.equal(ep.subsets![0]!.addresses![0]!.targetRef, { kind: "Pod", namespace: "default", name: "a", uid: ep.subsets![0]!.addresses![0]!.targetRef!.uid! });
    assert.is(ep.subsets![0]!.addresses![0]!.nodeName, "kubesim-worker");
    assert.is(ep.metadata!.labels!["team"], "a");

    const slice = await cluster.waitFor<EndpointSlice>("endpointslices.discovery.k8s.io", (s) => s.metadata?.labels?.["kubernetes.io/service-name"] === "web" && (s.endpoints?.length ?? 0) === 3, { namespace: "default" });
    assert.is(slice.addressType, "IPv4");
    assert.match(slice.metadata!.name!, /^web-[a-z0-9]{5}$/);
    assert.is(slice.metadata!.labels!["endpointslice.kubernetes.io/managed-by"], "endpointslice-controller.k8s.io");
    assert.is(slice.metadata!.labels!["team"], "a");
    assert.equal(slice.metadata!.ownerReferences, [{ apiVersion: "v1", kind: "Service", name: "web", uid: svc.metadata!.uid!, controller: true, blockOwnerDeletion: true }]);
    assert.equal(slice.ports, [{ name: "http", port: 8080, protocol: "TCP" }]);
    const byName = Object.fromEntries(slice.endpoints.map((e) => [e.targetRef!.name, e]));
    assert.equal(byName["a"]!.conditions, { ready: true, serving: true, terminating: false });
    assert.equal(byName["c"]!.conditions, { ready: false, serving: false, terminating: false });
    assert.is(byName["a"]!.nodeName, "kubesim-worker");
    assert.is(byName["a"]!.zone, "zone-a");
    assert.equal(byName["a"]!.addresses, ["10.244.1.2"]);

    // A terminating pod: listed as terminating (serving, not ready) in the slice, dropped from Endpoints.
    await cluster.client.resource("Pod").delete("a", { namespace: "default" });
    const terminating = await cluster.waitFor<EndpointSlice>("endpointslices.discovery.k8s.io", (s) => s.metadata?.name === slice.metadata!.name && !!s.endpoints?.some((e) => e.targetRef?.name === "a" && e.conditions?.terminating), { namespace: "default" });
    assert.equal(terminating.endpoints.find((e) => e.targetRef?.name === "a")!.conditions, { ready: false, serving: true, terminating: true });
    const after = await cluster.waitFor<Endpoints>("Endpoints", (e) => e.metadata?.name === "web" && (e.subsets?.[0]?.addresses?.length ?? 0) === 1, { namespace: "default" });
    assert.is(after.subsets![0]!.addresses![0]!.ip, "10.244.1.3");

    // Deleting the Service deletes its Endpoints.
    await cluster.client.resource("Service").delete("web", { namespace: "default" });
    await cluster.clock.sleep(1000);
    await assertGone(() => cluster.client.resource("Endpoints").get("web", { namespace: "default" }), "Endpoints of a deleted Service");
  }, { seed: 11, nodes: 2 });
});

test("publishNotReadyAddresses lists not-ready pods as ready; headless services get the headless label and hostnames", async () => {
  await withCluster(async (cluster) => {
    await pod(cluster, "db-0", { ready: false, ip: "10.244.1.9" }, { hostname: "db-0", subdomain: "web" });
    await cluster.client.resource<Service>("Service").create(service({ clusterIP: "None", publishNotReadyAddresses: true }));
    const ep = await cluster.waitFor<Endpoints>("Endpoints", (e) => e.metadata?.name === "web" && (e.subsets?.[0]?.addresses?.length ?? 0) === 1, { namespace: "default" });
    assert.is(ep.subsets![0]!.addresses![0]!.hostname, "db-0");
    assert.is(ep.metadata!.labels!["service.kubernetes.io/headless"], "");
    const slice = await cluster.waitFor<EndpointSlice>("endpointslices.discovery.k8s.io", (s) => (s.endpoints?.length ?? 0) === 1, { namespace: "default" });
    assert.equal(slice.endpoints[0]!.conditions, { ready: true, serving: false, terminating: false });
    assert.is(slice.endpoints[0]!.hostname, "db-0");
    assert.is(slice.metadata!.labels!["service.kubernetes.io/headless"], "");
  }, { seed: 11, nodes: 2 });
});

test("a Service without pods keeps one empty placeholder slice; 205 pods make slices of at most 100", async () => {
  await withCluster(async (cluster) => {
    await cluster.client.resource<Service>("Service").create(service());
    await cluster.waitFor<EndpointSlice>("endpointslices.discovery.k8s.io", (s) => s.metadata?.labels?.["kubernetes.io/service-name"] === "web", { namespace: "default" });
    await cluster.clock.sleep(500);
    const empty = await slicesOf(cluster);
    assert.is(empty.length, 1);
    assert.equal(empty[0]!.endpoints ?? [], []);
    for (let i = 0; i < 205; i++) await pod(cluster, `p${i}`, { ready: true, ip: `10.244.${1 + Math.floor(i / 250)}.${(i % 250) + 1}` });
    await cluster.waitFor<Endpoints>("Endpoints", (e) => e.metadata?.name === "web" && (e.subsets?.[0]?.addresses?.length ?? 0) === 205, { namespace: "default" });
    await cluster.clock.sleep(1000);
    const sizes = (await slicesOf(cluster)).map((s) => s.endpoints?.length ?? 0).sort((a, b) => b - a);
    assert.equal(sizes, [100, 100, 5]);
  }, { seed: 11, nodes: 2 });
});

test("Endpoints past 1,000 addresses are truncated and annotated over-capacity", async () => {
  await withCluster(async (cluster) => {
    for (let i = 0; i < 1001; i++) await pod(cluster, `p${i}`, { ready: true, ip: `10.244.${1 + Math.floor(i / 250)}.${(i % 250) + 1}` });
    await cluster.client.resource<Service>("Service").create(service());
    const ep = await cluster.waitFor<Endpoints>("Endpoints", (e) => e.metadata?.name === "web" && (e.subsets?.[0]?.addresses?.length ?? 0) > 0, { namespace: "default", timeout: 60_000 });
    assert.is(ep.subsets![0]!.addresses!.length, 1000);
    assert.is(ep.metadata!.annotations!["endpoints.kubernetes.io/over-capacity"], "truncated");
  }, { seed: 11, nodes: 2 });
});

test.run();
