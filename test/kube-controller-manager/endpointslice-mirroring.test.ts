import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Endpoints, Service } from "kubernetes-types/core/v1.js";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js";
import type { Cluster } from "../../core/cluster/cluster.js";
import { mirroredGroups } from "../../plugins/kube-controller-manager/controllers/endpoints/endpoint-slice-mirroring-controller.js";
import { withCluster } from "./helpers.js";

test("mirroredGroups: ready and not-ready addresses, one group per ports and address family, invalid and duplicate IPs dropped, the per-subset cap", () => {
  const ep: Endpoints = {
    metadata: { name: "db" },
    subsets: [
      { addresses: [{ ip: "10.0.0.1", hostname: "a", nodeName: "n1" }, { ip: "fd00::1" }, { ip: "not-an-ip" }, { ip: "10.0.0.1" }], notReadyAddresses: [{ ip: "10.0.0.2" }], ports: [{ name: "pg", port: 5432 }] },
      { addresses: [{ ip: "10.0.0.3" }], ports: [{ port: 9187, protocol: "TCP", appProtocol: "http" }] },
    ],
  };
  const groups = mirroredGroups(ep);
  assert.equal(
    groups.map((g) => [g.addressType, g.ports, g.endpoints]),
    [
      ["IPv4", [{ name: "pg", port: 5432, protocol: "TCP" }], [{ addresses: ["10.0.0.1"], conditions: { ready: true }, hostname: "a", nodeName: "n1" }, { addresses: ["10.0.0.2"], conditions: { ready: false } }]],
      ["IPv6", [{ name: "pg", port: 5432, protocol: "TCP" }], [{ addresses: ["fd00::1"], conditions: { ready: true } }]],
      ["IPv4", [{ name: "", port: 9187, protocol: "TCP", appProtocol: "http" }], [{ addresses: ["10.0.0.3"], conditions: { ready: true } }]],
    ],
  );
  const big: Endpoints = { metadata: { name: "big" }, subsets: [{ addresses: Array.from({ length: 1200 }, (_, i) => ({ ip: `10.1.${i >> 8}.${i & 255}` })), ports: [{ port: 80 }] }] };
  assert.is(mirroredGroups(big)[0]!.endpoints.length, 1000);
});

const mirrors = async (c: Cluster): Promise<EndpointSlice[]> =>
  ((await c.client.resource<EndpointSlice>("endpointslices.discovery.k8s.io").list({ namespace: "default", labelSelector: "endpointslice.kubernetes.io/managed-by=endpointslicemirroring-controller.k8s.io" })).items as EndpointSlice[]).filter((s) => !s.metadata?.deletionTimestamp);

test("a selectorless Service's hand-made Endpoints are mirrored to an EndpointSlice, kept in step, and unmirrored when a selector or skip-mirror appears", async () => {
  await withCluster(async (cluster) => {
    await cluster.client.resource<Service>("Service").create({ metadata: { name: "db", namespace: "default" }, spec: { ports: [{ name: "pg", port: 5432 }] } });
    const ep = (await cluster.client.resource<Endpoints>("Endpoints").create({
      metadata: { name: "db", namespace: "default", labels: { team: "data" }, annotations: { note: "external", "kubectl.kubernetes.io/last-applied-configuration": "{}" } },
      subsets: [{ addresses: [{ ip: "192.168.10.5" }], notReadyAddresses: [{ ip: "192.168.10.6" }], ports: [{ name: "pg", port: 5432 }] }],
    })) as Endpoints;
    const slice = await cluster.waitFor<EndpointSlice>("endpointslices.discovery.k8s.io", (s) => s.metadata?.labels?.["endpointslice.kubernetes.io/managed-by"] === "endpointslicemirroring-controller.k8s.io", { namespace: "default" });
    assert.match(slice.metadata!.name!, /^db-[a-z0-9]{5}$/);
    assert.equal(slice.metadata!.labels, { team: "data", "kubernetes.io/service-name": "db", "endpointslice.kubernetes.io/managed-by": "endpointslicemirroring-controller.k8s.io" });
    assert.equal(slice.metadata!.annotations, { note: "external" });
    assert.equal(slice.metadata!.ownerReferences, [{ apiVersion: "v1", kind: "Endpoints", name: "db", uid: ep.metadata!.uid!, controller: true, blockOwnerDeletion: true }]);
    assert.is(slice.addressType, "IPv4");
    assert.equal(slice.ports, [{ name: "pg", port: 5432, protocol: "TCP" }]);
    assert.equal(slice.endpoints.map((e) => [e.addresses[0], e.conditions?.ready]), [["192.168.10.5", true], ["192.168.10.6", false]]);

    // The Endpoints changes: the same slice follows.
    await cluster.client.resource<Endpoints>("Endpoints").patch("db", "merge", { subsets: [{ addresses: [{ ip: "192.168.10.5" }, { ip: "192.168.10.7" }], ports: [{ name: "pg", port: 5432 }] }] }, { namespace: "default" });
    const updated = await cluster.waitFor<EndpointSlice>("endpointslices.discovery.k8s.io", (s) => s.metadata?.name === slice.metadata!.name && s.endpoints?.length === 2 && s.endpoints.every((e) => e.conditions?.ready), { namespace: "default" });
    assert.equal(updated.endpoints.map((e) => e.addresses[0]), ["192.168.10.5", "192.168.10.7"]);
    assert.is((await mirrors(cluster)).length, 1);

    // The endpointslice controller leaves selectorless Services alone: no slice of its own.
    const own = ((await cluster.client.resource<EndpointSlice>("endpointslices.discovery.k8s.io").list({ namespace: "default", labelSelector: "endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io" })).items as EndpointSlice[]);
    assert.is(own.length, 0);

    // skip-mirror removes the mirror; dropping the label brings it back.
    await cluster.client.resource<Endpoints>("Endpoints").patch("db", "merge", { metadata: { labels: { "endpointslice.kubernetes.io/skip-mirror": "true" } } }, { namespace: "default" });
    await cluster.clock.sleep(1000);
    assert.is((await mirrors(cluster)).length, 0);
    await cluster.client.resource<Endpoints>("Endpoints").patch("db", "merge", { metadata: { labels: { "endpointslice.kubernetes.io/skip-mirror": null } } }, { namespace: "default" });
    await cluster.clock.sleep(1000);
    assert.is((await mirrors(cluster)).length, 1);

    // A selector makes the Service the endpoint controllers' business: the mirror goes.
    await cluster.client.resource<Service>("Service").patch("db", "merge", { spec: { selector: { app: "db" } } }, { namespace: "default" });
    await cluster.clock.sleep(1000);
    assert.is((await mirrors(cluster)).length, 0);
  });
});

test("Endpoints without a Service are not mirrored; deleting the Endpoints removes its mirror", async () => {
  await withCluster(async (cluster) => {
    const body = (name: string): Endpoints => ({ metadata: { name, namespace: "default" }, subsets: [{ addresses: [{ ip: "192.168.1.1" }], ports: [{ port: 80 }] }] });
    await cluster.client.resource<Endpoints>("Endpoints").create(body("lonely"));
    await cluster.client.resource<Service>("Service").create({ metadata: { name: "ext", namespace: "default" }, spec: { ports: [{ port: 80 }] } });
    await cluster.client.resource<Endpoints>("Endpoints").create(body("ext"));
    await cluster.waitFor<EndpointSlice>("endpointslices.discovery.k8s.io", (s) => s.metadata?.labels?.["kubernetes.io/service-name"] === "ext", { namespace: "default" });
    await cluster.clock.sleep(1000);
    assert.equal((await mirrors(cluster)).map((s) => s.metadata!.labels!["kubernetes.io/service-name"]), ["ext"]);
    await cluster.client.resource("Endpoints").delete("ext", { namespace: "default" });
    await cluster.clock.sleep(1000);
    assert.is((await mirrors(cluster)).length, 0);
  });
});

test.run();
