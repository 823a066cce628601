import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Endpoints, Pod, Service } from "kubernetes-types/core/v1.js";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { labelSelectorFromSet, type SharedInformer } from "../../core/index.js";
import { SelectedPods } from "../../plugins/kube-controller-manager/controllers/endpoints/selected-pods.js";
import { OwnWrites } from "../../plugins/kube-controller-manager/controllers/endpoints/own-writes.js";
import { podEndpointsChanged } from "../../plugins/kube-controller-manager/controllers/endpoints/pod-endpoints-changed.js";
import { ServicePodEntries, type EntryChange } from "../../plugins/kube-controller-manager/controllers/endpoints/service-pod-entries.js";
import { AddressGroups, type AddressEntry } from "../../plugins/kube-controller-manager/controllers/endpoints/address-groups.js";
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

    // An outside edit of a managed slice is undone (its own writes cause no sync; this one does).
    await cluster.client.resource<EndpointSlice>("endpointslices.discovery.k8s.io").update({ ...slice, endpoints: [] }, { namespace: "default" });
    await cluster.waitFor<EndpointSlice>("endpointslices.discovery.k8s.io", (s) => s.metadata?.name === slice.metadata!.name && (s.endpoints?.length ?? 0) === 3, { namespace: "default" });

    // A readiness change moves the address (pod updates that change no endpoint are not synced; this one is).
    await setPodStatus(cluster, (await cluster.client.resource<Pod>("Pod").get("c", { namespace: "default" })) as Pod, { ready: true, ip: "10.244.1.4" });
    await cluster.waitFor<Endpoints>("Endpoints", (e) => e.metadata?.name === "web" && (e.subsets?.[0]?.addresses?.length ?? 0) === 3 && !e.subsets?.[0]?.notReadyAddresses, { namespace: "default" });
    await setPodStatus(cluster, (await cluster.client.resource<Pod>("Pod").get("c", { namespace: "default" })) as Pod, { ready: false, ip: "10.244.1.4" });
    await cluster.waitFor<Endpoints>("Endpoints", (e) => e.metadata?.name === "web" && (e.subsets?.[0]?.addresses?.length ?? 0) === 2 && (e.subsets?.[0]?.notReadyAddresses?.length ?? 0) === 1, { namespace: "default" });

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

test("pod updates re-sync a Service only when its endpoints can change (upstream's podEndpointsChanged)", () => {
  const base: Pod = {
    metadata: { name: "a", namespace: "default", resourceVersion: "1", labels: { app: "web" } },
    spec: { nodeName: "n1", containers: [{ name: "c", image: "x" }] },
    status: { phase: "Running", podIP: "10.0.0.1", podIPs: [{ ip: "10.0.0.1" }], conditions: [{ type: "Ready", status: "True" }], containerStatuses: [{ name: "c", image: "x", imageID: "", ready: true, restartCount: 0 }] },
  };
  const next = (change: (p: Pod) => Pod): Pod => change({ ...base, metadata: { ...base.metadata, resourceVersion: "2" } });
  const cases: [string, Pod, boolean][] = [
    ["resync (same object)", base, false],
    ["same resourceVersion", { ...base, status: { ...base.status, phase: "Failed" } }, false],
    ["container restart count only", next((p) => ({ ...p, status: { ...p.status, containerStatuses: [{ ...p.status!.containerStatuses![0]!, restartCount: 1 }] } })), false],
    ["another condition only", next((p) => ({ ...p, status: { ...p.status, conditions: [...p.status!.conditions!, { type: "PodScheduled", status: "True" }] } })), false],
    ["an annotation only", next((p) => ({ ...p, metadata: { ...p.metadata, annotations: { a: "b" } } })), false],
    ["readiness", next((p) => ({ ...p, status: { ...p.status, conditions: [{ type: "Ready", status: "False" }] } })), true],
    ["labels", next((p) => ({ ...p, metadata: { ...p.metadata, labels: { app: "other" } } })), true],
    ["a label added", next((p) => ({ ...p, metadata: { ...p.metadata, labels: { app: "web", tier: "x" } } })), true],
    ["deletion", next((p) => ({ ...p, metadata: { ...p.metadata, deletionTimestamp: "2024-01-01T00:00:00Z" } })), true],
    ["pod IP", next((p) => ({ ...p, status: { ...p.status, podIP: "10.0.0.2", podIPs: [{ ip: "10.0.0.2" }] } })), true],
    ["second pod IP", next((p) => ({ ...p, status: { ...p.status, podIPs: [{ ip: "10.0.0.1" }, { ip: "fd00::1" }] } })), true],
    ["hostname", next((p) => ({ ...p, spec: { ...p.spec!, hostname: "h" } })), true],
    ["terminal phase", next((p) => ({ ...p, status: { ...p.status, phase: "Succeeded" } })), true],
    ["bound to a node, no IP yet", next((p) => ({ ...p, spec: { ...p.spec!, nodeName: "n2" } })), false],
  ];
  for (const [name, updated, want] of cases) assert.is(podEndpointsChanged.update!(base, updated), want, name);
  // Any update of a pod being deleted counts (upstream compares the deletionTimestamp pointers).
  // A pod created without an IP has no endpoint yet; one with an IP (a relist) does.
  assert.not.ok(podEndpointsChanged.create!({ ...base, status: { phase: "Pending" } }));
  assert.ok(podEndpointsChanged.create!(base));
  const deleting = { ...base, metadata: { ...base.metadata, deletionTimestamp: "2024-01-01T00:00:00Z" } };
  assert.ok(podEndpointsChanged.update!(deleting, { ...deleting, metadata: { ...deleting.metadata, resourceVersion: "3" } }));
});

test("the controllers' own writes coming back from the watch cause no sync; other versions and deletions do", () => {
  const own = new OwnWrites();
  const written = { metadata: { name: "web", namespace: "default", resourceVersion: "5" } };
  const other = { metadata: { ...written.metadata, resourceVersion: "6" } };
  assert.ok(own.predicate.create!(written), "not written yet");
  own.wrote(written);
  assert.not.ok(own.predicate.create!(written));
  assert.not.ok(own.predicate.update!(other, written));
  assert.ok(own.predicate.update!(written, other), "another writer's version");
  assert.ok(own.predicate.update!(written, { metadata: { ...written.metadata, namespace: "other" } }), "another object");
  assert.ok(own.predicate.delete!(written));
  assert.ok(own.predicate.create!(written), "forgotten once deleted");
});

test("a Service's pods are listed once per state of the pod cache (its resourceVersion) and Service object", () => {
  let rv = "";
  let lists = 0;
  const informer = { lastSyncResourceVersion: () => rv, lister: () => ({ namespace: () => ({ list: () => (lists++, [] as Pod[]) }) }) } as unknown as SharedInformer<Pod>;
  const selected = SelectedPods.of(informer);
  assert.is(SelectedPods.of(informer), selected, "one per informer");
  const svc = service();
  const sel = labelSelectorFromSet(svc.spec!.selector!);
  selected.list(svc, sel);
  selected.list(svc, sel);
  assert.is(lists, 2, "not cached before the first list or event");
  rv = "10";
  selected.list(svc, sel);
  selected.list(svc, sel);
  assert.is(lists, 3);
  rv = "11";
  selected.list(svc, sel);
  assert.is(lists, 4, "the cache changed");
  selected.list({ ...svc }, sel);
  assert.is(lists, 5, "another version of the Service");
});

test("a Service's entries are re-derived only for the pods reported changed since its last sync; a new Service object or Node state starts over", () => {
  const pods = new Map<string, Pod>();
  const mk = (name: string, ip: string): Pod => ({ metadata: { name, namespace: "default", labels: { app: "web" } }, status: { podIP: ip } });
  pods.set("default/a", mk("a", "10.0.0.1"));
  pods.set("default/b", mk("b", "10.0.0.2"));
  let nodes = "1";
  let walks = 0;
  let derived = 0;
  const entries = new ServicePodEntries<string>(
    { podsOf: () => (walks++, [...pods.values()]), selectedPod: (_svc, key) => pods.get(key), nodesVersion: () => nodes },
    (_svc, pod) => (derived++, pod.status?.podIP || undefined),
    (a, b) => a === b,
  );
  const svc = service();
  entries.podChanged("default/web", "default/a"); // before the first sync: ignored
  let r = entries.sync("default/web", svc);
  assert.equal([walks, derived, r.changed, [...r.entries]], [1, 2, true, [["default/a", "10.0.0.1"], ["default/b", "10.0.0.2"]]]);
  r = entries.sync("default/web", svc);
  assert.equal([walks, derived, r.changed], [1, 2, false], "nothing reported: nothing re-derived");
  pods.set("default/a", { ...mk("a", "10.0.0.1") }); // a new version saying the same
  entries.podChanged("default/web", "default/a");
  r = entries.sync("default/web", svc);
  assert.equal([walks, derived, r.changed], [1, 3, false]);
  pods.set("default/b", mk("b", "")); // lost its IP: no entry
  pods.set("default/c", mk("c", "10.0.0.3"));
  entries.podChanged("default/web", "default/b");
  entries.podChanged("default/web", "default/c");
  entries.podChanged("default/other", "default/c");
  r = entries.sync("default/web", svc);
  assert.equal([walks, r.changed, [...r.entries.keys()]], [1, true, ["default/a", "default/c"]]);
  pods.delete("default/a");
  entries.podChanged("default/web", "default/a");
  assert.equal([...entries.sync("default/web", svc).entries.keys()], ["default/c"], "deleted");
  nodes = "2";
  assert.ok(entries.sync("default/web", svc).changed, "a Node changed: full walk");
  assert.is(walks, 2);
  assert.ok(entries.sync("default/web", { ...svc }).changed, "another version of the Service: full walk");
  assert.is(walks, 3);
  entries.forget("default/web");
  entries.sync("default/web", svc);
  assert.is(walks, 4, "forgotten: full walk");
});

test("addresses sorted by IP and changed in place stay as a full sort orders them; a change next to a shared IP asks for a rebuild", () => {
  const http = [{ name: "http", port: 8080, protocol: "TCP" }];
  const entry = (ip: string, ready: boolean, portsKey = "http/TCP/8080/"): AddressEntry => ({ address: { ip }, portsKey, ports: http, ready });
  const view = (g: AddressGroups): unknown => [...g.groups].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, v.ready.map((e) => e.address.ip), v.notReady.map((e) => e.address.ip)]);
  let current = new Map<number, AddressEntry>();
  for (let i = 0; i < 40; i++) current.set(i, entry(`10.0.${i % 7}.${i}`, i % 3 !== 0));
  const groups = AddressGroups.of(current.values());
  let seed = 7;
  const random = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
  for (let round = 0; round < 50; round++) {
    const next = new Map(current);
    const changes: EntryChange<AddressEntry>[] = [];
    for (let k = 0; k < 3; k++) {
      const i = random(60);
      const before = next.get(i);
      const after = random(4) === 0 ? undefined : entry(`10.0.${i % 7}.${i}`, random(2) === 0, random(5) === 0 ? "other" : "http/TCP/8080/");
      if (after) next.set(i, after);
      else next.delete(i);
      if (before || after) changes.push({ ...(before ? { before } : {}), ...(after ? { after } : {}) });
    }
    current = next;
    assert.ok(groups.apply(changes), `round ${round}`);
    assert.equal(view(groups), view(AddressGroups.of(current.values())), `round ${round}`);
  }
  const shared = AddressGroups.of([entry("10.0.0.1", true), entry("10.0.0.2", true)]);
  assert.not.ok(shared.apply([{ after: entry("10.0.0.1", true) }]), "another pod with the same IP (host network)");
});

test("after the first sync, a relabelled pod leaves and a Node's new zone reaches the Endpoints and EndpointSlice", async () => {
  await withCluster(async (cluster) => {
    await pod(cluster, "a", { ready: true, ip: "10.244.1.2" });
    await pod(cluster, "b", { ready: true, ip: "10.244.1.3" });
    await cluster.client.resource<Service>("Service").create(service());
    const isWebSlice = (s: EndpointSlice): boolean => s.metadata?.labels?.["kubernetes.io/service-name"] === "web";
    await cluster.waitFor<EndpointSlice>("endpointslices.discovery.k8s.io", (s) => isWebSlice(s) && (s.endpoints?.length ?? 0) === 2, { namespace: "default" });
    await cluster.client.resource<Pod>("Pod").patch("b", "merge", { metadata: { labels: { app: "other" } } }, { namespace: "default" });
    const ep = await cluster.waitFor<Endpoints>("Endpoints", (e) => e.metadata?.name === "web" && e.subsets?.[0]?.addresses?.length === 1, { namespace: "default" });
    assert.is(ep.subsets![0]!.addresses![0]!.ip, "10.244.1.2");
    await cluster.waitFor<EndpointSlice>("endpointslices.discovery.k8s.io", (s) => isWebSlice(s) && s.endpoints?.length === 1 && s.endpoints[0]!.targetRef?.name === "a", { namespace: "default" });
    await cluster.client.resource("Node").patch("kubesim-worker", "merge", { metadata: { labels: { "topology.kubernetes.io/zone": "zone-b" } } });
    await cluster.client.resource<Pod>("Pod").patch("b", "merge", { metadata: { labels: { app: "web" } } }, { namespace: "default" });
    const slice = await cluster.waitFor<EndpointSlice>("endpointslices.discovery.k8s.io", (s) => isWebSlice(s) && s.endpoints?.length === 2, { namespace: "default" });
    assert.equal(slice.endpoints.map((e) => e.zone), ["zone-b", "zone-b"]);
  }, { seed: 12, nodes: 2 });
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

test("slices follow changes of a few pods among many: endpoints stay in their slice, removed ones leave, new ones fill the slice with room", async () => {
  await withCluster(async (cluster) => {
    await cluster.client.resource<Service>("Service").create(service());
    const ip = (i: number): string => `10.244.${1 + Math.floor(i / 250)}.${(i % 250) + 1}`;
    for (let i = 0; i < 150; i++) await pod(cluster, `p${i}`, { ready: true, ip: ip(i) });
    /** Waits until the slices list exactly `want` (pod name -> ready), checking no pod is listed twice and no slice holds more than 100. */
    const settle = async (want: Map<string, boolean>): Promise<Map<string, string>> => {
      let where = new Map<string, string>();
      for (let attempt = 0; attempt < 200; attempt++) {
        await cluster.clock.sleep(50);
        where = new Map();
        let ok = true;
        for (const s of await slicesOf(cluster)) {
          assert.ok((s.endpoints ?? []).length <= 100, "at most 100 per slice");
          for (const e of s.endpoints ?? []) {
            assert.not.ok(where.has(e.targetRef!.name!), `${e.targetRef!.name} listed once`);
            where.set(e.targetRef!.name!, s.metadata!.name!);
            if (want.get(e.targetRef!.name!) !== e.conditions?.ready) ok = false;
          }
        }
        if (ok && where.size === want.size) return where;
      }
      throw new Error(`the slices did not settle: ${where.size} endpoints, ${want.size} wanted`);
    };
    const want = new Map<string, boolean>();
    for (let i = 0; i < 150; i++) want.set(`p${i}`, true);
    const first = await settle(want);
    assert.equal([...new Set(first.values())].length, 2);
    // Readiness flips, deletions and new pods, a few at a time.
    const pods = cluster.client.resource<Pod>("Pod");
    for (let i = 0; i < 150; i += 7) {
      await setPodStatus(cluster, (await pods.get(`p${i}`, { namespace: "default" })) as Pod, { ready: false, ip: ip(i) });
      want.set(`p${i}`, false);
    }
    for (let i = 3; i < 150; i += 5) {
      await pods.delete(`p${i}`, { namespace: "default", gracePeriodSeconds: 0 });
      want.delete(`p${i}`);
    }
    const second = await settle(want);
    for (const [name, slice] of second) assert.is(slice, first.get(name), `${name} stays in its slice`);
    for (let i = 150; i < 190; i++) {
      await pod(cluster, `p${i}`, { ready: true, ip: ip(i) });
      want.set(`p${i}`, true);
    }
    const third = await settle(want);
    for (const [name, slice] of second) assert.is(third.get(name), slice, `${name} stays in its slice`);
    const sizes = new Map<string, number>();
    for (const slice of third.values()) sizes.set(slice, (sizes.get(slice) ?? 0) + 1);
    assert.equal([...sizes.values()].sort((a, b) => b - a), [100, 60], "new endpoints filled the slices with room before any new slice");
  }, { seed: 13, nodes: 2 });
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
