import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod, Service, ConfigMap, Namespace } from "kubernetes-types/core/v1.js";
import type { Deployment } from "kubernetes-types/apps/v1.js";
import { testControlPlane, statusOf } from "../support/control-plane.js";

const pod = (name: string, labels: Record<string, string> = {}, ns = "default"): Pod => ({
  apiVersion: "v1", kind: "Pod", metadata: { name, namespace: ns, labels }, spec: { containers: [{ name: "app", image: "nginx" }] },
});

test("bootstrap: system namespaces and the kubernetes Service at the first service IP", async () => {
  const { client } = await testControlPlane();
  const names = (await client.resource("Namespace").list()).items.map((n) => n.metadata!.name).sort();
  assert.equal(names, ["default", "kube-node-lease", "kube-public", "kube-system"]);
  const svc = (await client.resource<Service>("Service").get("kubernetes", { namespace: "default" })) as Service;
  assert.is(svc.spec!.clusterIP, "10.96.0.1");
  assert.equal(svc.spec!.ports![0], { name: "https", port: 443, protocol: "TCP", targetPort: 6443 });
});

test("create fills system metadata and defaults; objects come back frozen", async () => {
  const { client } = await testControlPlane();
  const created = (await client.resource<Pod>("Pod").create(pod("web"))) as Pod;
  const m = created.metadata!;
  assert.match(m.uid!, /^[0-9a-f-]{36}$/);
  assert.is(m.creationTimestamp, "2026-01-01T00:00:00Z");
  assert.ok(Number(m.resourceVersion) > 0);
  assert.is(created.spec!.restartPolicy, "Always");
  assert.is(created.spec!.dnsPolicy, "ClusterFirst");
  assert.is(created.spec!.containers[0]!.imagePullPolicy, "Always");
  assert.is(created.spec!.serviceAccountName, "default");
  assert.is(created.status?.phase, "Pending");
  assert.ok(Object.isFrozen(created) && Object.isFrozen(created.spec!.containers[0]));
  const got = await client.resource("Pod").get("web", { namespace: "default" });
  assert.is(got, created);
});

test("generateName appends 5 random characters; AlreadyExists on a taken name", async () => {
  const { client } = await testControlPlane();
  const a = await client.resource("ConfigMap").create({ apiVersion: "v1", kind: "ConfigMap", metadata: { generateName: "cfg-", namespace: "default" } });
  assert.match(a.metadata!.name!, /^cfg-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  await client.resource("ConfigMap").create({ metadata: { name: "x", namespace: "default" } });
  const err = await statusOf(client.resource("ConfigMap").create({ metadata: { name: "x", namespace: "default" } }));
  assert.is(err.code, 409);
  assert.is(err.status.reason, "AlreadyExists");
  assert.is(err.message, 'configmaps "x" already exists');
  assert.equal(err.status.details, { name: "x", kind: "configmaps" });
});

test("NotFound wording for core and grouped resources", async () => {
  const { client } = await testControlPlane();
  const a = await statusOf(client.resource("Pod").get("nope", { namespace: "default" }));
  assert.is(a.message, 'pods "nope" not found');
  assert.is(a.code, 404);
  const b = await statusOf(client.resource("Deployment").get("nope", { namespace: "default" }));
  assert.is(b.message, 'deployments.apps "nope" not found');
  assert.equal(b.status.details, { name: "nope", group: "apps", kind: "deployments" });
});

test("the namespace must exist and not be terminating", async () => {
  const { client } = await testControlPlane();
  const err = await statusOf(client.resource("ConfigMap").create({ metadata: { name: "c", namespace: "missing" } }));
  assert.is(err.code, 404);
  assert.is(err.message, 'namespaces "missing" not found');
  await client.resource("Namespace").create({ metadata: { name: "doomed" } });
  const deleted = (await client.resource("Namespace").delete("doomed")) as Namespace;
  assert.is(deleted.status!.phase, "Terminating");
  assert.ok(deleted.metadata!.deletionTimestamp);
  const refused = await statusOf(client.resource("ConfigMap").create({ metadata: { name: "c", namespace: "doomed" } }));
  assert.is(refused.code, 403);
  assert.match(refused.message, /unable to create new content in namespace doomed because it is being terminated/);
});

test("update: optimistic concurrency, Conflict wording, no-op keeps resourceVersion", async () => {
  const { client } = await testControlPlane();
  const cms = client.resource<ConfigMap>("ConfigMap");
  const v1 = (await cms.create({ metadata: { name: "c", namespace: "default" }, data: { a: "1" } })) as ConfigMap;
  const v2 = (await cms.update({ ...v1, data: { a: "2" } })) as ConfigMap;
  assert.ok(Number(v2.metadata!.resourceVersion) > Number(v1.metadata!.resourceVersion));
  const stale = await statusOf(cms.update({ ...v1, data: { a: "3" } }));
  assert.is(stale.code, 409);
  assert.is(stale.message, 'Operation cannot be fulfilled on configmaps "c": the object has been modified; please apply your changes to the latest version and try again');
  const same = await cms.update({ ...v2 });
  assert.is(same.metadata!.resourceVersion, v2.metadata!.resourceVersion);
  // Unconditional update (no resourceVersion) is allowed.
  const { resourceVersion: _rv, ...meta } = v2.metadata!;
  const v3 = (await cms.update({ ...v2, metadata: meta, data: { a: "4" } })) as ConfigMap;
  assert.is(v3.data!["a"], "4");
  assert.is(v3.metadata!.uid, v1.metadata!.uid);
});

test("spec/status split and generation: main resource ignores status, /status ignores the rest", async () => {
  const { client } = await testControlPlane();
  const deploys = client.resource<Deployment>("Deployment");
  const d1 = (await deploys.create({
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "default" },
    spec: { selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx:1.25" }] } } },
    status: { replicas: 99 },
  })) as Deployment;
  assert.is(d1.metadata!.generation, 1);
  assert.is(d1.status?.replicas, undefined);
  assert.is(d1.spec!.replicas, 1);
  const d2 = (await deploys.updateStatus({ ...d1, spec: { ...d1.spec!, replicas: 5 }, status: { replicas: 1, observedGeneration: 1 } })) as Deployment;
  assert.is(d2.status!.replicas, 1);
  assert.is(d2.spec!.replicas, 1);
  assert.is(d2.metadata!.generation, 1);
  const d3 = (await deploys.update({ ...d2, spec: { ...d2.spec!, replicas: 3 }, status: { replicas: 42 } })) as Deployment;
  assert.is(d3.metadata!.generation, 2);
  assert.is(d3.status!.replicas, 1);
  const d4 = (await deploys.update({ ...d3, metadata: { ...d3.metadata!, labels: { x: "y" } } })) as Deployment;
  assert.is(d4.metadata!.generation, 2);
});

test("generation: a Deployment's annotation change bumps it (its strategy's rule); a label change does not", async () => {
  const { client } = await testControlPlane();
  const deploys = client.resource<Deployment>("Deployment");
  const d1 = (await deploys.create({
    metadata: { name: "g", namespace: "default" },
    spec: { selector: { matchLabels: { app: "g" } }, template: { metadata: { labels: { app: "g" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } },
  })) as Deployment;
  const d2 = (await deploys.update({ ...d1, metadata: { ...d1.metadata!, annotations: { note: "x" } } })) as Deployment;
  assert.is(d2.metadata!.generation, 2);
  const d3 = (await deploys.update({ ...d2, metadata: { ...d2.metadata!, labels: { l: "v" } } })) as Deployment;
  assert.is(d3.metadata!.generation, 2);
  const cm = await client.resource("ConfigMap").create({ metadata: { name: "c", namespace: "default" }, data: { a: "1" } });
  assert.is(cm.metadata!.generation, undefined);
});

test("scale subresource reads and writes replicas", async () => {
  const { client } = await testControlPlane();
  const deploys = client.resource<Deployment>("Deployment");
  await deploys.create({
    metadata: { name: "web", namespace: "default" },
    spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } },
  });
  const scale = await deploys.getSubresource("web", "scale", { namespace: "default" });
  assert.is((scale as { spec: { replicas: number } }).spec.replicas, 2);
  assert.is((scale as { status: { selector: string } }).status.selector, "app=web");
  assert.is(scale.kind, "Scale");
  await deploys.updateSubresource("web", "scale", { ...scale, spec: { replicas: 7 } }, { namespace: "default" });
  const after = (await deploys.get("web", { namespace: "default" })) as Deployment;
  assert.is(after.spec!.replicas, 7);
  assert.is(after.metadata!.generation, 2);
  const bad = await statusOf(deploys.updateSubresource("web", "scale", { metadata: { name: "web" }, spec: { replicas: -1 } }, { namespace: "default" }));
  assert.is(bad.code, 422);
});

test("list with label and field selectors, limit and continue", async () => {
  const { client } = await testControlPlane();
  const pods = client.resource<Pod>("Pod");
  for (let i = 0; i < 7; i++) await pods.create(pod(`p${i}`, { app: i % 2 ? "odd" : "even", tier: "web" }));
  const odd = await pods.list({ namespace: "default", labelSelector: "app=odd" });
  assert.equal(odd.items.map((p) => p.metadata!.name), ["p1", "p3", "p5"]);
  const notin = await pods.list({ labelSelector: "app notin (odd),tier" });
  assert.is(notin.items.length, 4);
  const byName = await pods.list({ namespace: "default", fieldSelector: "metadata.name=p2" });
  assert.equal(byName.items.map((p) => p.metadata!.name), ["p2"]);
  // Terms are ANDed, `!=` negates, an absent field (an unbound pod's spec.nodeName) reads as "".
  const names = async (fieldSelector: string): Promise<string[]> => (await pods.list({ fieldSelector })).items.filter((p) => p.metadata!.namespace === "default").map((p) => p.metadata!.name!);
  assert.equal(await names("metadata.name!=p2,metadata.namespace==default,spec.nodeName="), ["p0", "p1", "p3", "p4", "p5", "p6"]);
  assert.equal(await names("metadata.name=p2,metadata.namespace!=default"), []);
  assert.equal(await names("spec.nodeName!="), []);
  const page1 = await pods.list({ namespace: "default", limit: 3 });
  assert.is(page1.items.length, 3);
  assert.ok(page1.metadata.continue);
  const page2 = await pods.list({ namespace: "default", limit: 3, continue: page1.metadata.continue! });
  const page3 = await pods.list({ namespace: "default", limit: 3, continue: page2.metadata.continue! });
  assert.equal([...page1.items, ...page2.items, ...page3.items].map((p) => p.metadata!.name), ["p0", "p1", "p2", "p3", "p4", "p5", "p6"]);
  assert.is(page3.metadata.continue, undefined);
  const unsupported = await statusOf(pods.list({ fieldSelector: "spec.bogus=1" }));
  assert.is(unsupported.code, 400);
  assert.is(unsupported.message, "field label not supported: spec.bogus");
  const bad = await statusOf(pods.list({ labelSelector: "a in (" }));
  assert.is(bad.code, 400);
});

test("invalid objects: 422 with field causes", async () => {
  const { client } = await testControlPlane();
  const err = await statusOf(client.resource("Pod").create({ metadata: { name: "Bad_Name", namespace: "default" }, spec: { containers: [{ name: "a", image: "x" }, { name: "a", image: "y" }] } }));
  assert.is(err.code, 422);
  assert.is(err.status.reason, "Invalid");
  const fields = err.status.details!.causes!.map((c) => c.field);
  assert.ok(fields.includes("metadata.name"), JSON.stringify(fields));
  assert.ok(fields.includes("spec.containers[1].name"), JSON.stringify(fields));
  assert.match(err.message, /^Pod "Bad_Name" is invalid: \[/);
});

test("mismatched apiVersion, kind, namespace and name are BadRequest", async () => {
  const { client } = await testControlPlane();
  const a = await statusOf(client.resource("Pod").create({ apiVersion: "apps/v1", kind: "Pod", metadata: { name: "x", namespace: "default" } }));
  assert.is(a.message, "the API version in the data (apps/v1) does not match the expected API version (v1)");
  const c = await client.resource("ConfigMap").create({ metadata: { name: "c", namespace: "default" } });
  const b = await statusOf(client.resource("ConfigMap").update({ ...c, metadata: { ...c.metadata!, namespace: "kube-system" } }, { namespace: "default" }));
  assert.is(b.code, 400);
});

test("a subresource the kind does not serve is the server's plain 404", async () => {
  const { client } = await testControlPlane();
  await client.resource("ConfigMap").create({ metadata: { name: "c", namespace: "default" } });
  const err = await statusOf(client.resource("ConfigMap").getSubresource("c", "scale", { namespace: "default" }));
  assert.is(err.code, 404);
  assert.is(err.message, "the server could not find the requested resource");
});

test("subresources: one the kind does not serve is a 404, one the verb does not support a 405", async () => {
  const { client } = await testControlPlane();
  await client.resource<Pod>("Pod").create(pod("sub"));
  const pods = client.resource<Pod>("Pod");
  const code = async (p: Promise<unknown>) => (await statusOf(p)).code;
  assert.is(await code(pods.getSubresource("sub", "binding", { namespace: "default" })), 405);
  assert.is(await code(pods.patch("sub", "merge", {}, { namespace: "default", subresource: "eviction" })), 405);
  assert.is(await code(pods.createSubresource("sub", "status", { metadata: { name: "sub" } }, { namespace: "default" })), 405);
  assert.is(await code(pods.updateSubresource("sub", "binding", { metadata: { name: "sub" } }, { namespace: "default" })), 405);
  assert.is(await code(pods.getSubresource("sub", "approval", { namespace: "default" })), 404);
  assert.is(await code(client.resource("ConfigMap").getSubresource("c", "status", { namespace: "default" })), 404);
  assert.is(await code(client.resource("Namespace").getSubresource("default", "finalize")), 405);
  assert.is(((await pods.getSubresource("sub", "status", { namespace: "default" })) as Pod).metadata!.name, "sub");
});

test("the API server's write entry points refuse a request with a rejected promise, never a synchronous throw", async () => {
  const { apiServer, registry, client } = await testControlPlane();
  await client.resource<Pod>("Pod").create(pod("web"));
  const pods = registry.byGroupVersionKind("", "v1", "Pod")!;
  const calls: [string, () => Promise<unknown>][] = [
    ["patchSubresource of a subresource pods do not serve", () => apiServer.patchSubresource(pods, "default", "web", "bogus", "merge", {})],
    ["patchSubresource a verb the subresource does not support", () => apiServer.patchSubresource(pods, "default", "web", "binding", "merge", {})],
    ["createSubresource of a subresource pods do not serve", () => apiServer.createSubresource(pods, "default", "web", "bogus", {} as never)],
    ["createSubresource a verb the subresource does not support", () => apiServer.createSubresource(pods, "default", "web", "status", {} as never)],
    ["patch of an unknown patch type", () => apiServer.patch(pods, "default", "web", "bogus" as never, {})],
    ["patch without a namespace", () => apiServer.patch(pods, undefined, "web", "merge", {})],
    ["create of a body that is no object", () => apiServer.create(pods, "default", "x" as never)],
    ["binding without a target", () => apiServer.createSubresource(pods, "default", "web", "binding", { apiVersion: "v1", kind: "Binding", metadata: { name: "web" } } as never)],
  ];
  for (const [what, call] of calls) {
    let promise: Promise<unknown> | undefined;
    try {
      promise = call();
    } catch (err) {
      assert.unreachable(`${what}: threw ${String(err)}`);
    }
    const err = await statusOf(promise!);
    assert.ok(err.status.code === 400 || err.status.code === 404 || err.status.code === 405 || err.status.code === 422, `${what}: ${err.status.code}`);
  }
});

test.run();
