/** The API server's /metrics: request, watch, storage and process metrics, authorized as a non-resource URL. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../core/cluster/cluster.js";
import { definePlugin } from "../../core/plugins/plugin.js";
import { HttpAuthorizers } from "../../core/apiserver/http/authorization.js";
import type { TokenAuthenticator } from "../../core/apiserver/http/authentication.js";
import { parseExposition, sampleValue } from "../support/prometheus-text.js";

const ADMIN = "admin-token";
const DEV = "dev-token";
const authenticator: TokenAuthenticator = {
  authenticate: (t) => (t === ADMIN ? { username: "kubernetes-admin", groups: ["system:masters", "system:authenticated"] } : t === DEV ? { username: "dev", groups: ["system:authenticated"] } : undefined),
};
/** `dev` may do nothing but read configmaps. */
const denyDev = definePlugin({
  name: "deny-dev",
  setup(ctx) {
    ctx.contribute(HttpAuthorizers, "DenyDev", { name: "DenyDev", authorize: (a) => (a.resource === "configmaps" ? { allowed: true } : { allowed: false, reason: "no" }) });
  },
});

const get = (url: string, path: string, token = ADMIN): Promise<Response> => fetch(url + path, { headers: { Authorization: `Bearer ${token}` } });

async function scrape(url: string): Promise<ReturnType<typeof parseExposition>> {
  const res = await get(url, "/metrics");
  assert.is(res.status, 200);
  assert.is(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  return parseExposition(await res.text());
}

test("requests, watches and stored objects move the API server's metrics", async () => {
  const cluster = new Cluster({ seed: 1, plugins: [] }).use(denyDev);
  await cluster.start();
  try {
    const server = await cluster.serve({ port: 0, insecureHttp: true, token: ADMIN, authenticator });
    const before = await scrape(server.url);
    assert.ok(before.has("process_cpu_user_seconds_total"), "process metrics");
    assert.ok(before.has("nodejs_heap_size_total_bytes"), "Node.js runtime metrics");
    const podsBefore = sampleValue(before, "apiserver_storage_objects", { resource: "configmaps" });
    const created = await fetch(`${server.url}/api/v1/namespaces/default/configmaps`, {
      method: "POST",
      headers: { Authorization: `Bearer ${ADMIN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "m1" } }),
    });
    assert.is(created.status, 201);
    assert.is((await get(server.url, "/api/v1/namespaces/default/configmaps/nope")).status, 404);
    const controller = new AbortController();
    const watch = await fetch(`${server.url}/api/v1/namespaces/default/configmaps?watch=true`, { headers: { Authorization: `Bearer ${ADMIN}` }, signal: controller.signal });
    const reader = watch.body!.getReader();
    await reader.read(); // the ADDED event of m1
    const after = await scrape(server.url);
    const post = { verb: "POST", group: "", version: "v1", resource: "configmaps", subresource: "", scope: "namespace", component: "apiserver", dry_run: "" };
    assert.is(sampleValue(after, "apiserver_request_total", { ...post, code: "201" }), 1);
    assert.is(sampleValue(after, "apiserver_request_duration_seconds_count", post), 1);
    assert.is(sampleValue(after, "apiserver_request_total", { verb: "GET", resource: "configmaps", scope: "resource", code: "404" }), 1);
    assert.is(sampleValue(after, "apiserver_request_total", { verb: "GET", resource: "", code: "200" }), 1, "the first scrape is counted as a non-resource GET");
    assert.is(sampleValue(after, "apiserver_longrunning_requests", { verb: "WATCH", resource: "configmaps" }), 1);
    assert.ok(sampleValue(after, "apiserver_watch_events_total", { kind: "ConfigMap" }) >= 1);
    assert.is(sampleValue(after, "apiserver_storage_objects", { resource: "configmaps" }), podsBefore + 1);
    assert.ok(sampleValue(after, "apiserver_storage_objects", { resource: "namespaces" }) >= 4);
    assert.ok(sampleValue(after, "etcd_request_duration_seconds_count", { operation: "create", type: "configmaps" }) >= 1);
    assert.ok(after.has("apiserver_current_inflight_requests"));
    controller.abort();
    await reader.cancel().catch(() => undefined);
    // /metrics is a non-resource URL: a user without `nonResourceURLs: ["/metrics"]` is refused.
    assert.is((await get(server.url, "/metrics", DEV)).status, 403);
  } finally {
    await cluster.stop();
  }
});

test("two clusters in one process keep separate series", async () => {
  const a = new Cluster({ clock: "virtual", seed: 1, plugins: [] });
  const b = new Cluster({ clock: "virtual", seed: 2, plugins: [] });
  await a.start();
  await b.start();
  try {
    await a.client.resource("ConfigMap").create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "only-in-a", namespace: "default" } });
    const ta = parseExposition(await a.apiServerMetrics.scrape());
    const tb = parseExposition(await b.apiServerMetrics.scrape());
    assert.is(sampleValue(ta, "apiserver_storage_objects", { resource: "configmaps" }) - sampleValue(tb, "apiserver_storage_objects", { resource: "configmaps" }), 1);
  } finally {
    await a.stop();
    await b.stop();
  }
});

test.run();
