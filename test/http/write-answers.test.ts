/**
 * What kube-apiserver answers to writes, as clients see it over HTTP: 201 for an apply that
 * creates, DELETE's Status or object (and 202), a PUT's uid precondition, 422 for request options
 * upstream refuses, apply's type check and pruning, and the field manager taken from the User-Agent.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startFixture } from "./fixture.js";

const fx = await startFixture({ insecureHttp: true });
const JSON_TYPE = { "Content-Type": "application/json" };
const CMS = "/api/v1/namespaces/default/configmaps";

async function send(method: string, path: string, body?: unknown, headers: Record<string, string> = JSON_TYPE): Promise<{ code: number; body: any }> {
  const res = await fx.fetch(path, { method, headers, ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }) });
  return { code: res.status, body: await res.json() };
}
const APPLY = { "Content-Type": "application/apply-patch+yaml" };
const cm = (name: string, extra: object = {}) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, ...extra }, data: { a: "1" } });

test("a server-side apply that creates answers 201, one that updates 200", async () => {
  const first = await send("PATCH", `${CMS}/applied?fieldManager=tester`, cm("applied"), APPLY);
  assert.is(first.code, 201, JSON.stringify(first.body));
  assert.is(first.body.metadata.name, "applied");
  const again = await send("PATCH", `${CMS}/applied?fieldManager=tester`, { ...cm("applied"), data: { a: "2" } }, APPLY);
  assert.is(again.code, 200);
  assert.is(again.body.data.a, "2");
});

test("DELETE answers a Status naming what was removed; pods, and deletes only marked, answer the object", async () => {
  const made = await send("POST", CMS, cm("gone"));
  const deleted = await send("DELETE", `${CMS}/gone`);
  assert.is(deleted.code, 200);
  assert.equal(deleted.body, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details: { name: "gone", kind: "configmaps", uid: made.body.metadata.uid } });

  const dep = await send("POST", "/apis/apps/v1/namespaces/default/deployments", {
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" },
    spec: { selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } },
  });
  const depDeleted = await send("DELETE", "/apis/apps/v1/namespaces/default/deployments/web");
  assert.equal(depDeleted.body.details, { name: "web", group: "apps", kind: "deployments", uid: dep.body.metadata.uid });

  await send("POST", "/api/v1/namespaces/default/pods", { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "busybox" }] } });
  const pod = await send("DELETE", "/api/v1/namespaces/default/pods/p");
  assert.is(pod.code, 200);
  assert.is(pod.body.kind, "Pod");
  assert.is(pod.body.metadata.name, "p");

  await send("POST", CMS, cm("held", { finalizers: ["example.com/hold"] }));
  const marked = await send("DELETE", `${CMS}/held`);
  assert.is(marked.code, 200);
  assert.is(marked.body.kind, "ConfigMap");
  assert.ok(marked.body.metadata.deletionTimestamp);
  await send("POST", CMS, cm("held2", { finalizers: ["example.com/hold"] }));
  const accepted = await send("DELETE", `${CMS}/held2`, { kind: "DeleteOptions", apiVersion: "v1", orphanDependents: false });
  assert.is(accepted.code, 202, "a pending delete with orphanDependents=false is 202 Accepted");
  assert.is(accepted.body.kind, "ConfigMap");
});

test("a PUT whose metadata.uid differs from the stored object is a 409 precondition failure", async () => {
  const made = (await send("POST", CMS, cm("uid-check"))).body;
  const put = await send("PUT", `${CMS}/uid-check`, { ...made, metadata: { ...made.metadata, uid: "00000000-0000-0000-0000-000000000000" } });
  assert.is(put.code, 409);
  assert.is(put.body.reason, "Conflict");
  assert.is(put.body.message, `Operation cannot be fulfilled on configmaps "uid-check": Precondition failed: UID in precondition: 00000000-0000-0000-0000-000000000000, UID in object meta: ${made.metadata.uid}`);
  const same = await send("PUT", `${CMS}/uid-check`, { ...made, data: { a: "2" } });
  assert.is(same.code, 200);
});

test("request options upstream refuses are 422 Invalid naming the options kind", async () => {
  const dry = await send("POST", `${CMS}?dryRun=Bogus`, cm("x"));
  assert.is(dry.code, 422);
  assert.is(dry.body.reason, "Invalid");
  assert.is(dry.body.message, 'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Bogus"}: supported values: "All"');
  const validation = await send("PUT", `${CMS}/x?fieldValidation=Loose`, cm("x"));
  assert.is(validation.code, 422);
  assert.is(validation.body.message, 'UpdateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loose": supported values: "", "Ignore", "Strict", "Warn"');
  const both = await send("DELETE", `${CMS}/x?propagationPolicy=Foreground&orphanDependents=true`);
  assert.is(both.code, 422);
  assert.is(both.body.message, 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "Foreground": orphanDependents and deletionPropagation cannot be both set');
  const policy = await send("DELETE", `${CMS}/x?propagationPolicy=Sideways`);
  assert.is(policy.code, 422);
  assert.is(policy.body.message, 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Sideways": supported values: "Foreground", "Background", "Orphan", "nil"');
  const long = await send("POST", `${CMS}?fieldManager=${"m".repeat(129)}`, cm("x"));
  assert.is(long.code, 422);
  assert.match(long.body.message, /fieldManager: Too long: may not be more than 128 bytes/);
});

test("force on a non-apply patch is refused; apply needs a fieldManager", async () => {
  await send("POST", CMS, cm("forced"));
  const forced = await send("PATCH", `${CMS}/forced?force=true`, { data: { a: "2" } }, { "Content-Type": "application/merge-patch+json" });
  assert.is(forced.code, 422);
  assert.is(forced.body.message, 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
  const noManager = await send("PATCH", `${CMS}/forced`, cm("forced"), APPLY);
  assert.is(noManager.code, 422);
  assert.is(noManager.body.message, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
});

test("a server-side apply without apiVersion and kind is refused", async () => {
  const creates = await send("PATCH", `${CMS}/typeless?fieldManager=tester`, { metadata: { name: "typeless" }, data: { a: "1" } }, APPLY);
  assert.is(creates.code, 400);
  assert.is(creates.body.message, "invalid object type: /, Kind=");
  const missing = await send("GET", `${CMS}/typeless`);
  assert.is(missing.code, 404, "nothing was created");
  const wrongVersion = await send("PATCH", `${CMS}/typeless?fieldManager=tester`, { apiVersion: "v2", kind: "ConfigMap", metadata: { name: "typeless" } }, APPLY);
  assert.is(wrongVersion.code, 400);
  assert.is(wrongVersion.body.message, "invalid object type: /v2, Kind=ConfigMap");
});

test("server-side apply pruning removes an emptied map field instead of leaving labels: {}", async () => {
  await send("PATCH", `${CMS}/pruned?fieldManager=tester`, cm("pruned", { labels: { team: "a" }, annotations: { note: "x" } }), APPLY);
  const after = await send("PATCH", `${CMS}/pruned?fieldManager=tester`, cm("pruned", { annotations: { note: "x" } }), APPLY);
  assert.is(after.code, 200);
  assert.not.ok("labels" in after.body.metadata, JSON.stringify(after.body.metadata));
  assert.equal(after.body.metadata.annotations, { note: "x" });
  // A label another manager owns keeps the map.
  await send("PATCH", `${CMS}/pruned?fieldManager=tester`, cm("pruned", { labels: { team: "a" } }), APPLY);
  await send("PATCH", `${CMS}/pruned?fieldManager=other`, cm("pruned", { labels: { env: "prod" } }), APPLY);
  const kept = await send("PATCH", `${CMS}/pruned?fieldManager=tester`, cm("pruned"), APPLY);
  assert.equal(kept.body.metadata.labels, { env: "prod" });
  // Lists too: no `finalizers: []`.
  await send("PATCH", `${CMS}/listed?fieldManager=tester`, cm("listed", { finalizers: ["example.com/a"] }), APPLY);
  const unlisted = await send("PATCH", `${CMS}/listed?fieldManager=tester`, cm("listed"), APPLY);
  assert.not.ok("finalizers" in unlisted.body.metadata, JSON.stringify(unlisted.body.metadata));
});

test("a write without fieldManager is recorded under the User-Agent's prefix", async () => {
  const created = await send("POST", CMS, cm("ua"), { ...JSON_TYPE, "User-Agent": "my-tool/1.2.3 (linux/amd64) build/abc" });
  assert.equal(created.body.metadata.managedFields.map((f: { manager: string; operation: string }) => [f.manager, f.operation]), [["my-tool", "Update"]]);
  const patched = await send("PATCH", `${CMS}/ua`, { data: { b: "2" } }, { "Content-Type": "application/merge-patch+json", "User-Agent": "kubectl-edit/v1.32.4 (linux/amd64) kubernetes/4cb5f07" });
  assert.equal(patched.body.metadata.managedFields.map((f: { manager: string }) => f.manager).sort(), ["kubectl-edit", "my-tool"]);
  const named = await send("PATCH", `${CMS}/ua?fieldManager=explicit`, { data: { c: "3" } }, { "Content-Type": "application/merge-patch+json", "User-Agent": "kubectl/v1.32.4" });
  assert.ok(named.body.metadata.managedFields.some((f: { manager: string }) => f.manager === "explicit"));
});

test.after(() => fx.stop());

test.run();
