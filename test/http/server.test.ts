import { test } from "uvu";
import * as assert from "uvu/assert";
import { request } from "node:http";
import { connect } from "node:net";
import type { ConfigMap } from "kubernetes-types/core/v1.js";
import { MemoryStore } from "../../core/store/memory-store.js";
import { eventually, startFixture, type HttpFixture } from "./fixture.js";

const fx: HttpFixture = await startFixture({ insecureHttp: true, token: "secret-token" }, { store: new MemoryStore({ historyLimit: 20 }) });
const json = async (res: Response): Promise<Record<string, any>> => (await res.json()) as Record<string, any>;
const cm = (name: string, data: Record<string, string> = {}): ConfigMap => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" }, data });
const post = (path: string, body: unknown, query = ""): Promise<Response> =>
  fx.fetch(path + query, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body), headers: { "Content-Type": "application/json" } });

test("401 Status with a wrong token (plain HTTP: none is the insecure superuser); /version and /healthz are public", async () => {
  for (const token of ["wrong"]) {
    const res = await fx.fetch("/api/v1/pods", { token });
    assert.is(res.status, 401);
    assert.equal(await json(res), { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "Unauthorized", reason: "Unauthorized", code: 401 });
  }
  assert.is((await fx.fetch("/version", { token: null })).status, 200);
  assert.is(await (await fx.fetch("/healthz", { token: null })).text(), "ok");
  assert.match(await (await fx.fetch("/readyz?verbose")).text(), /\[\+\]ping ok[\s\S]*readyz check passed/);
  assert.is((await fx.fetch("/version", { token: "wrong" })).status, 401);
});

test("create 201, get, list across namespaces, update conflict 409, unknown path 404 Status", async () => {
  const created = await post("/api/v1/namespaces/default/configmaps", cm("one", { a: "1" }));
  assert.is(created.status, 201);
  const obj = await json(created);
  assert.ok(obj["metadata"].uid);
  const got = await json(await fx.fetch("/api/v1/namespaces/default/configmaps/one"));
  assert.equal(got["data"], { a: "1" });
  const all = await json(await fx.fetch("/api/v1/configmaps?labelSelector="));
  assert.is(all["kind"], "ConfigMapList");
  assert.ok(all["items"].some((i: ConfigMap) => i.metadata?.name === "one"));
  const stale = { ...obj, data: { a: "2" } };
  assert.is((await fx.fetch("/api/v1/namespaces/default/configmaps/one", { method: "PUT", body: JSON.stringify(stale) })).status, 200);
  const conflict = await fx.fetch("/api/v1/namespaces/default/configmaps/one", { method: "PUT", body: JSON.stringify(stale) });
  assert.is(conflict.status, 409);
  assert.is((await json(conflict))["reason"], "Conflict");
  const missing = await fx.fetch("/apis/nope/v1/things");
  assert.is(missing.status, 404);
  assert.equal(await json(missing), { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "the server could not find the requested resource", reason: "NotFound", details: {}, code: 404 });
});

test("fieldValidation: Strict → 400 strict decoding error, Warn (default) → Warning header, Ignore → silent", async () => {
  const body = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "fv", namespace: "default" }, data: {}, foo: 1 });
  const strict = await post("/api/v1/namespaces/default/configmaps", body, "?fieldValidation=Strict");
  assert.is(strict.status, 400);
  assert.is((await json(strict))["message"], 'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "foo"');
  const dup = await post("/api/v1/namespaces/default/configmaps", '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d"},"data":{},"data":{}}', "?fieldValidation=Strict");
  assert.match((await json(dup))["message"], 'duplicate field "data"');
  const warn = await post("/api/v1/namespaces/default/configmaps", body);
  assert.is(warn.status, 201);
  assert.is(warn.headers.get("warning"), '299 - "unknown field \\"foo\\""');
  const ignore = await fx.fetch("/api/v1/namespaces/default/configmaps/fv?fieldValidation=Ignore", { method: "PUT", body });
  assert.is(ignore.status, 200);
  assert.is(ignore.headers.get("warning"), null);
});

test("patch content types: json, merge, strategic, apply (YAML) with fieldManager and force", async () => {
  await post("/api/v1/namespaces/default/configmaps", cm("p", { a: "1" }));
  const patch = (type: string, body: string, query = ""): Promise<Response> =>
    fx.fetch(`/api/v1/namespaces/default/configmaps/p${query}`, { method: "PATCH", body, headers: { "Content-Type": type } });
  assert.equal((await json(await patch("application/json-patch+json", '[{"op":"add","path":"/data/b","value":"2"}]')))["data"], { a: "1", b: "2" });
  assert.equal((await json(await patch("application/merge-patch+json", '{"data":{"a":null}}')))["data"], { b: "2" });
  assert.equal((await json(await patch("application/strategic-merge-patch+json", '{"data":{"c":"3"}}')))["data"], { b: "2", c: "3" });
  const yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p\ndata:\n  b: mine\n";
  const conflict = await patch("application/apply-patch+yaml", yaml, "?fieldManager=tool");
  assert.is(conflict.status, 409);
  const forced = await patch("application/apply-patch+yaml", yaml, "?fieldManager=tool&force=true");
  assert.is(forced.status, 200);
  assert.is((await json(forced))["data"].b, "mine");
  assert.is((await patch("text/plain", "{}")).status, 415);
});

test("Table and PartialObjectMetadata responses for get and list", async () => {
  const accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
  const table = await json(await fx.fetch("/api/v1/namespaces/default/configmaps", { headers: { Accept: accept } }));
  assert.is(table["kind"], "Table");
  assert.equal(table["columnDefinitions"].map((c: { name: string }) => c.name), ["Name", "Data", "Age"]);
  assert.is(table["rows"][0].object.kind, "PartialObjectMetadata");
  const one = await json(await fx.fetch("/api/v1/namespaces/default/configmaps/one?includeObject=Object", { headers: { Accept: accept } }));
  assert.is(one["rows"].length, 1);
  assert.is(one["rows"][0].object.kind, "ConfigMap");
  const meta = await json(await fx.fetch("/api/v1/namespaces/default/configmaps", { headers: { Accept: "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io" } }));
  assert.is(meta["kind"], "PartialObjectMetadataList");
  assert.is(meta["items"][0].data, undefined);
});

test("delete with DeleteOptions body (preconditions), deletecollection with a selector", async () => {
  const created = await json(await post("/api/v1/namespaces/default/configmaps", { ...cm("del"), metadata: { name: "del", labels: { sweep: "yes" } } }));
  const wrong = await fx.fetch("/api/v1/namespaces/default/configmaps/del", { method: "DELETE", body: JSON.stringify({ kind: "DeleteOptions", apiVersion: "v1", preconditions: { uid: "not-it" } }) });
  assert.is(wrong.status, 409);
  const ok = await fx.fetch("/api/v1/namespaces/default/configmaps/del", { method: "DELETE", body: JSON.stringify({ preconditions: { uid: created["metadata"].uid } }) });
  assert.is(ok.status, 200);
  for (const n of ["s1", "s2"]) await post("/api/v1/namespaces/default/configmaps", { ...cm(n), metadata: { name: n, labels: { sweep: "yes" } } });
  const swept = await json(await fx.fetch("/api/v1/namespaces/default/configmaps?labelSelector=sweep%3Dyes", { method: "DELETE" }));
  assert.equal(swept["items"].map((i: ConfigMap) => i.metadata?.name).sort(), ["s1", "s2"]);
});

test("subresources: scale get/put, status; pods/log and exec answer with a Status; upgrade requests get a Status, not a hang", async () => {
  const dep = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { replicas: 1, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } } };
  assert.is((await post("/apis/apps/v1/namespaces/default/deployments", dep)).status, 201);
  const scale = await json(await fx.fetch("/apis/apps/v1/namespaces/default/deployments/web/scale"));
  assert.is(scale["kind"], "Scale");
  const put = await fx.fetch("/apis/apps/v1/namespaces/default/deployments/web/scale", { method: "PUT", body: JSON.stringify({ ...scale, spec: { replicas: 4 } }) });
  assert.is((await json(put))["spec"].replicas, 4);
  await post("/api/v1/namespaces/default/pods", { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "busybox" }] } });
  const logs = await fx.fetch("/api/v1/namespaces/default/pods/p/log");
  assert.is(logs.status, 400);
  assert.match((await json(logs))["message"], "no container runtime");
  assert.is((await fx.fetch("/api/v1/namespaces/default/pods/missing/log")).status, 404);
  const exec = await fx.fetch("/api/v1/namespaces/default/pods/p/exec?command=ls", { method: "POST" });
  assert.is(exec.status, 400);
  const port = fx.server.port;
  const answer = await new Promise<string>((resolve) => {
    const s = connect(port, "127.0.0.1", () => s.write(`GET /api/v1/namespaces/default/pods/p/exec?command=ls HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer secret-token\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`));
    let text = "";
    s.on("data", (d) => (text += d.toString()));
    s.on("close", () => resolve(text));
  });
  assert.match(answer, /^HTTP\/1.1 400 Bad Request/);
  assert.match(answer, /"reason":"BadRequest"/);
});

test("discovery (legacy and aggregated), OpenAPI v3 index and documents, v2", async () => {
  const groups = await json(await fx.fetch("/apis"));
  assert.is(groups["kind"], "APIGroupList");
  const aggregated = await fx.fetch("/apis", { headers: { Accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json" } });
  assert.is(aggregated.headers.get("content-type"), "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
  assert.is((await json(aggregated))["kind"], "APIGroupDiscoveryList");
  const v1 = await json(await fx.fetch("/api/v1"));
  assert.ok(v1["resources"].some((r: { name: string }) => r.name === "pods/log"));
  const index = await json(await fx.fetch("/openapi/v3"));
  assert.ok(index["paths"]["apis/apps/v1"].serverRelativeURL.startsWith("/openapi/v3/apis/apps/v1?hash="));
  const doc = await json(await fx.fetch(index["paths"]["api/v1"].serverRelativeURL));
  assert.ok(doc["components"].schemas["io.k8s.api.core.v1.Pod"]);
  assert.ok((await json(await fx.fetch("/openapi/v2")))["definitions"]);
  assert.is((await fx.fetch("/apis/nope")).status, 404);
});

test("413 for bodies over 3 MiB, 429 with Retry-After beyond the in-flight bound", async () => {
  const big = JSON.stringify(cm("big", { x: "y".repeat(3 * 1024 * 1024 + 10) }));
  const res = await post("/api/v1/namespaces/default/configmaps", big);
  assert.is(res.status, 413);
  assert.is((await json(res))["reason"], "RequestEntityTooLarge");
  const full = await startFixture({ insecureHttp: true, maxInFlight: { mutating: 0 } });
  try {
    const limited = await full.fetch("/api/v1/namespaces/default/configmaps", { method: "POST", body: JSON.stringify(cm("x")) });
    assert.is(limited.status, 429);
    assert.is(limited.headers.get("retry-after"), "1");
    assert.is((await json(limited))["reason"], "TooManyRequests");
    assert.is((await full.fetch("/api/v1/namespaces/default/configmaps")).status, 200, "reads have their own bound");
  } finally {
    await full.stop();
  }
});

/** Opens a raw watch and collects events until `count` arrived. */
function rawWatch(path: string, accept?: string): { events: Record<string, any>[]; close: () => void; ended: Promise<void> } {
  const events: Record<string, any>[] = [];
  let buf = "";
  let close!: () => void;
  const ended = new Promise<void>((resolve) => {
    const req = request(fx.server.url + path, { headers: { Authorization: `Bearer ${fx.server.token}`, ...(accept ? { Accept: accept } : {}) } }, (res) => {
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        buf += d;
        let i;
        while ((i = buf.indexOf("\n")) >= 0) {
          events.push(JSON.parse(buf.slice(0, i)));
          buf = buf.slice(i + 1);
        }
      });
      res.on("close", () => resolve());
    });
    req.on("error", () => resolve());
    req.end();
    close = () => req.destroy();
  });
  return { events, close, ended };
}

test("watch: initial ADDED events, updates, Table events, timeoutSeconds on the server clock; disconnects release watchers", async () => {
  await post("/api/v1/namespaces/default/configmaps", cm("w1"));
  const w = rawWatch("/api/v1/namespaces/default/configmaps?watch=true&fieldSelector=metadata.name%3Dw1");
  const t = rawWatch("/api/v1/namespaces/default/configmaps?watch=1&fieldSelector=metadata.name%3Dw1", "application/json;as=Table;v=v1;g=meta.k8s.io");
  await eventually(() => w.events.length === 1 && t.events.length === 1, 5000, "initial events");
  assert.is(w.events[0]!["type"], "ADDED");
  await fx.fetch("/api/v1/namespaces/default/configmaps/w1", { method: "PATCH", body: '{"data":{"x":"1"}}', headers: { "Content-Type": "application/merge-patch+json" } });
  await eventually(() => w.events.length === 2 && t.events.length === 2, 5000, "the update");
  assert.is(w.events[1]!["type"], "MODIFIED");
  assert.equal(w.events[1]!["object"].data, { x: "1" });
  assert.is(t.events[1]!["object"].kind, "Table");
  assert.is(t.events[1]!["object"].rows.length, 1);
  assert.is(fx.server.activeWatches(), 2);
  w.close();
  t.close();
  await eventually(() => fx.server.activeWatches() === 0, 5000, "watchers released");
  const timed = rawWatch("/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=5&resourceVersion=" + (await json(await fx.fetch("/api/v1/namespaces/default/configmaps")))["metadata"].resourceVersion);
  await eventually(() => fx.server.activeWatches() === 1, 5000, "watch open");
  await fx.cp.clock.advance(6000);
  await timed.ended;
  await eventually(() => fx.server.activeWatches() === 0, 5000, "timed-out watch released");
});

test("watch from a compacted resourceVersion: 200 with an ERROR event carrying the 410 Status", async () => {
  for (let i = 0; i < 30; i++) await post("/api/v1/namespaces/default/configmaps", cm(`churn-${i}`));
  const w = rawWatch("/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=2");
  await w.ended;
  assert.is(w.events.length, 1);
  assert.is(w.events[0]!["type"], "ERROR");
  assert.is(w.events[0]!["object"].code, 410);
  assert.is(w.events[0]!["object"].kind, "Status");
  const bad = await fx.fetch("/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=abc");
  assert.is(bad.status, 400);
  assert.is(fx.server.activeWatches(), 0);
});

test("close() ends watches and releases every socket", async () => {
  const w = rawWatch("/api/v1/configmaps?watch=true");
  await eventually(() => fx.server.activeWatches() === 1, 5000, "watch open");
  await fx.stop();
  await w.ended;
  assert.is(fx.server.activeWatches(), 0);
  const refused = await fetch(fx.server.url + "/version").then(() => false, () => true);
  assert.ok(refused, "nothing listens after close");
});

test.run();
