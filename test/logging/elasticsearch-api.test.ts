import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Indices, lokiOutput, parseDate, restHandler } from "../../plugins/logging/index.js";

const NOW = Date.parse("2024-05-01T10:30:00Z");

function server(): (method: string, path: string, body?: unknown) => { status: number; json: unknown; text: string } {
  const indices = new Indices(() => NOW);
  const handle = restHandler(indices, { name: "es-0", clusterName: "docker-cluster", clusterUuid: "u" });
  return (method, path, body) => {
    const res = handle({ method, path, httpVersion: "HTTP/1.1", headers: {}, body: typeof body === "string" ? body : body === undefined ? "" : JSON.stringify(body), remoteAddress: "10.0.0.1", remotePort: 1 });
    let json: unknown;
    try {
      json = JSON.parse(res.body ?? "");
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text: res.body ?? "" };
  };
}

const doc = (i: number, pod: string, log: string, minute: number): string =>
  `${JSON.stringify({ create: { _index: "logstash-2024.05.01", _id: `id-${i}` } })}\n${JSON.stringify({ "@timestamp": `2024-05-01T10:${String(minute).padStart(2, "0")}:00.000Z`, log, stream: "stdout", kubernetes: { pod_name: pod, namespace_name: "default", labels: { app: pod.split("-")[0] } } })}\n`;

function seeded(): ReturnType<typeof server> {
  const es = server();
  const body = doc(1, "web-1", "GET /index.html 200", 1) + doc(2, "web-2", "GET /missing 404 error", 10) + doc(3, "db-1", "connection error: timeout", 20) + doc(4, "web-1", "POST /login 200", 29);
  const r = es("POST", "/_bulk", body);
  assert.is(r.status, 200);
  assert.is((r.json as { errors: boolean }).errors, false);
  return es;
}

const ids = (r: { json: unknown }): string[] => (r.json as { hits: { hits: { _id: string }[] } }).hits.hits.map((h) => h._id);

test("_bulk create: a second create of the same id is a 409 item, not an error of the request", () => {
  const es = seeded();
  const again = es("POST", "/_bulk", doc(1, "web-1", "GET /index.html 200", 1));
  const item = (again.json as { errors: boolean; items: { create: { status: number; error: { type: string } } }[] });
  assert.is(item.errors, true);
  assert.is(item.items[0]!.create.status, 409);
  assert.is(item.items[0]!.create.error.type, "version_conflict_engine_exception");
  assert.is((es("GET", "/logstash-*/_count").json as { count: number }).count, 4);
});

test("query_string: fields, phrases, wildcards, AND/OR/NOT, ranges, _exists_", () => {
  const es = seeded();
  const q = (s: string): string[] => ids(es("GET", `/logstash-*/_search?q=${encodeURIComponent(s)}&sort=@timestamp:asc`));
  assert.equal(q("kubernetes.pod_name:web-1"), ["id-1", "id-4"]);
  assert.equal(q("error"), ["id-2", "id-3"]);
  assert.equal(q("error AND kubernetes.labels.app:web"), ["id-2"]);
  assert.equal(q("error NOT timeout"), ["id-2"]);
  assert.equal(q('log:"connection error"'), ["id-3"]);
  assert.equal(q("kubernetes.pod_name:web*"), ["id-1", "id-2", "id-4"]);
  assert.equal(q("@timestamp:[2024-05-01T10:05:00Z TO 2024-05-01T10:25:00Z]"), ["id-2", "id-3"]);
  assert.equal(q("(200 OR 404) AND -login"), ["id-1", "id-2"]);
  assert.equal(q("_exists_:kubernetes.labels.app"), ["id-1", "id-2", "id-3", "id-4"]);
});

test("query DSL: bool with match, term on .keyword, range with date math, sort, size and from", () => {
  const es = seeded();
  const r = es("POST", "/logstash-2024.05.01/_search", { query: { bool: { filter: [{ range: { "@timestamp": { gte: "now-15m" } } }], must_not: [{ term: { "kubernetes.pod_name.keyword": "db-1" } }] } }, sort: [{ "@timestamp": { order: "desc" } }] });
  assert.equal(ids(r), ["id-4"]);
  const m = es("POST", "/logstash-*/_search", { query: { match: { log: { query: "GET error", operator: "and" } } } });
  assert.equal(ids(m), ["id-2"]);
  const page = es("POST", "/logstash-*/_search", { query: { match_all: {} }, sort: ["@timestamp"], size: 2, from: 1 });
  assert.equal(ids(page), ["id-2", "id-3"]);
  assert.equal((page.json as { hits: { hits: { sort: number[] }[] } }).hits.hits[0]!.sort, [Date.parse("2024-05-01T10:10:00Z")]);
  const terms = es("POST", "/logstash-*/_count", { query: { terms: { "kubernetes.pod_name.keyword": ["web-2", "db-1"] } } });
  assert.is((terms.json as { count: number }).count, 2);
});

test("errors are ES error bodies: unknown query, missing index, window too large", () => {
  const es = seeded();
  const bad = es("POST", "/logstash-*/_search", { query: { fuzzy_thing: {} } });
  assert.is(bad.status, 400);
  assert.is((bad.json as { error: { type: string; reason: string } }).error.reason, "unknown query [fuzzy_thing]");
  const missing = es("GET", "/nope/_search");
  assert.is(missing.status, 404);
  assert.is((missing.json as { error: { type: string } }).error.type, "index_not_found_exception");
  assert.is(es("GET", "/nope*/_search").status, 200, "a pattern matching nothing is an empty result");
  assert.is(es("GET", "/_search?size=10001").status, 400);
});

test("_cat/indices: aligned columns with ?v, JSON with format=json", () => {
  const es = seeded();
  const text = es("GET", "/_cat/indices?v").text.split("\n");
  assert.match(text[0]!, /^health status index +uuid +pri rep docs\.count docs\.deleted store\.size pri\.store\.size dataset\.size$/);
  assert.match(text[1]!, /^yellow open {3}logstash-2024\.05\.01 \S+ +1 +1 +4 +0 /);
  assert.equal((es("GET", "/_cat/indices?format=json").json as { index: string; "docs.count": string }[]).map((i) => [i.index, i["docs.count"]]), [["logstash-2024.05.01", "4"]]);
});

test("date math: now-15m, rounding with /d up for lte and down for gte", () => {
  assert.is(parseDate("now-15m", NOW), NOW - 15 * 60_000);
  assert.is(parseDate("now/d", NOW), Date.parse("2024-05-01T00:00:00Z"));
  assert.is(parseDate("now/d", NOW, true), Date.parse("2024-05-02T00:00:00Z") - 1);
  assert.is(parseDate("2024-05-01||+1M", NOW), Date.parse("2024-06-01T00:00:00Z"));
});

test("the loki output pushes streams labelled by the record's kubernetes keys", async () => {
  let received = "";
  const srv = createServer((req, res) => {
    req.on("data", (d) => (received += d.toString()));
    req.on("end", () => {
      res.statusCode = req.url === "/loki/api/v1/push" ? 204 : 404;
      res.end();
    });
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as AddressInfo).port;
  const post = async (host: string, p: number, path: string, body: string, type: string): Promise<{ status: number; body: string }> => {
    const res = await fetch(`http://${host}:${p}${path}`, { method: "POST", headers: { "Content-Type": type }, body });
    return { status: res.status, body: await res.text() };
  };
  const out = lokiOutput(post, { host: "127.0.0.1", port, uri: "/loki/api/v1/push", labels: "job=fluent-bit", labelKeys: "$kubernetes['namespace_name'],$kubernetes['pod_name']" });
  await out.send([{ raw: { file: "/var/log/containers/a.log", offset: 10, time: "2024-05-01T10:00:00.5Z", stream: "stdout", log: "hi" }, record: { log: "hi", kubernetes: { namespace_name: "default", pod_name: "web-1" } } }]);
  srv.close();
  const push = JSON.parse(received) as { streams: { stream: Record<string, string>; values: [string, string][] }[] };
  assert.equal(push.streams[0]!.stream, { job: "fluent-bit", namespace_name: "default", pod_name: "web-1" });
  assert.equal(push.streams[0]!.values[0]![0], String(Date.parse("2024-05-01T10:00:00.5Z")) + "000000");
  assert.equal(JSON.parse(push.streams[0]!.values[0]![1]).log, "hi");
});

test.run();
