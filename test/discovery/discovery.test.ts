import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  buildAggregatedDiscovery, buildApiGroup, buildApiGroupList, buildApiResourceList, buildApiVersions, buildVersionInfo,
  compareVersionPriority, negotiateDiscovery, RegistryDocumentCache,
} from "../../core/apiserver/discovery/index.js";
import { fixtureRegistry } from "./fixture-registry.js";

test("/api and /apis", () => {
  const r = fixtureRegistry();
  assert.equal(buildApiVersions(r, "10.0.0.1:6443"), { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "10.0.0.1:6443" }] });
  const list = buildApiGroupList(r);
  assert.is(list.kind, "APIGroupList");
  assert.equal(list.groups.map((g) => g.name), ["apps", "example.com"]);
  assert.equal(list.groups[1], {
    name: "example.com",
    versions: [{ groupVersion: "example.com/v1", version: "v1" }, { groupVersion: "example.com/v1beta1", version: "v1beta1" }],
    preferredVersion: { groupVersion: "example.com/v1", version: "v1" },
  });
  assert.is(buildApiGroup(r, "apps")?.kind, "APIGroup");
  assert.is(buildApiGroup(r, "nope"), undefined);
});

test("APIResourceList with subresources, kinds of scale/eviction and storage version hashes", () => {
  const r = fixtureRegistry();
  const core = buildApiResourceList(r, "", "v1")!;
  assert.is(core.groupVersion, "v1");
  assert.equal(core.resources.map((x) => x.name), ["nodes", "nodes/proxy", "nodes/status", "pods", "pods/binding", "pods/eviction", "pods/exec", "pods/log", "pods/status"]);
  const pods = core.resources.find((x) => x.name === "pods")!;
  assert.equal(pods, {
    name: "pods", singularName: "pod", namespaced: true, kind: "Pod",
    verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
    shortNames: ["po"], categories: ["all"], storageVersionHash: "xPOwRZ+Yhw8=",
  });
  assert.equal(core.resources.find((x) => x.name === "pods/eviction"), { name: "pods/eviction", singularName: "", namespaced: true, kind: "Eviction", verbs: ["create"], group: "policy", version: "v1" });
  assert.equal(core.resources.find((x) => x.name === "pods/status")!.verbs, ["get", "patch", "update"]);
  assert.is(core.resources.find((x) => x.name === "nodes/proxy")!.kind, "NodeProxyOptions");
  const apps = buildApiResourceList(r, "apps", "v1")!;
  assert.equal(apps.resources.find((x) => x.name === "deployments/scale"), { name: "deployments/scale", singularName: "", namespaced: true, kind: "Scale", verbs: ["get", "patch", "update"], group: "autoscaling", version: "v1" });
  assert.is(apps.resources[0]!.storageVersionHash, "8aSe+NMegvE=");
  assert.equal(buildApiResourceList(r, "example.com", "v1")!.resources[0]!.verbs, ["get", "list"]);
  assert.is(buildApiResourceList(r, "apps", "v2"), undefined);
});

test("aggregated discovery v2 for /api and /apis", () => {
  const r = fixtureRegistry();
  const api = buildAggregatedDiscovery(r, "api");
  assert.is(api.apiVersion, "apidiscovery.k8s.io/v2");
  assert.is(api.kind, "APIGroupDiscoveryList");
  assert.equal(api.items.map((i) => i.metadata.name), [""]);
  const pods = api.items[0]!.versions[0]!.resources.find((x) => x.resource === "pods")!;
  assert.is(pods.scope, "Namespaced");
  assert.is(pods.singularResource, "pod");
  assert.equal(pods.responseKind, { group: "", version: "", kind: "Pod" });
  assert.equal(pods.subresources!.map((s) => s.subresource), ["binding", "eviction", "exec", "log", "status"]);
  const apis = buildAggregatedDiscovery(r, "apis", "v2beta1");
  assert.is(apis.apiVersion, "apidiscovery.k8s.io/v2beta1");
  assert.equal(apis.items.map((i) => i.metadata.name), ["apps", "example.com"]);
  assert.equal(apis.items[1]!.versions.map((v) => v.version), ["v1", "v1beta1"]);
  const deploy = apis.items[0]!.versions[0]!.resources[0]!;
  assert.equal(deploy.subresources!.find((s) => s.subresource === "scale"), { subresource: "scale", responseKind: { group: "autoscaling", version: "v1", kind: "Scale" }, verbs: ["get", "patch", "update"] });
  assert.is(apis.items[0]!.versions[0]!.freshness, "Current");
});

test("Accept negotiation as kubectl 1.32 sends it", () => {
  const kubectl = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
  assert.equal(negotiateDiscovery(kubectl), { kind: "aggregated", version: "v2", contentType: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList" });
  assert.is(negotiateDiscovery("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json").kind, "aggregated");
  assert.is(negotiateDiscovery("application/json").kind, "legacy");
  assert.is(negotiateDiscovery(undefined).kind, "legacy");
  assert.is(negotiateDiscovery("application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList, application/json").kind, "legacy");
});

test("version priority, /version and the cache following registry changes", () => {
  assert.equal(["v1alpha1", "v1beta1", "v2", "v1", "v1beta2", "v2beta1"].sort(compareVersionPriority), ["v2", "v1", "v2beta1", "v1beta2", "v1beta1", "v1alpha1"]);
  const v = buildVersionInfo();
  assert.is(v.major, "1");
  assert.is(v.minor, "32");
  assert.is(v.gitVersion, "v1.32.0-kubesim");
  const r = fixtureRegistry();
  const cache = new RegistryDocumentCache(r);
  const first = cache.get("apis", () => buildApiGroupList(r));
  assert.is(cache.get("apis", () => buildApiGroupList(r)), first);
  r.remove("apps", "v1", "deployments");
  const second = cache.get("apis", () => buildApiGroupList(r));
  assert.is.not(second, first);
  assert.equal(second.groups.map((g) => g.name), ["example.com"]);
  cache.dispose();
});

test.run();
