import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ConfigMap } from "kubernetes-types/core/v1.js";
import { MemoryStore } from "../../core/store/memory-store.js";
import { eventually, startFixture, type HttpFixture } from "./fixture.js";

const fx: HttpFixture = await startFixture({ insecureHttp: true, token: "secret-token" }, { store: new MemoryStore({ historyLimit: 10 }) });
const CMS = "/api/v1/namespaces/default/configmaps";
type Json = Record<string, any>;
const cm = (name: string): ConfigMap => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" } });
const create = async (name: string): Promise<Json> => (await fx.fetch(CMS, { method: "POST", body: JSON.stringify(cm(name)), headers: { "Content-Type": "application/json" } })).json() as Promise<Json>;

/** Reads newline-delimited watch events from a streaming response until `enough` holds, then disconnects. */
async function watchEvents(res: Response, enough: (events: Json[]) => boolean): Promise<Json[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: Json[] = [];
  let text = "";
  while (!enough(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    const lines = text.split("\n");
    text = lines.pop()!;
    events.push(...lines.map((l) => JSON.parse(l) as Json));
  }
  await reader.cancel();
  return events;
}

const invalidCases: [string, string[]][] = [
  ["?resourceVersion=0&resourceVersionMatch=Exact", ['resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"']],
  ["?resourceVersionMatch=NotOlderThan", ["resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided"]],
  ["?resourceVersion=1&resourceVersionMatch=Newest", ['resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""']],
  ["?continue=abc&resourceVersionMatch=Exact", ["resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided", "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided"]],
  ["?sendInitialEvents=true", ["sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list"]],
  ["?watch=true&sendInitialEvents=true", ["resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"]],
  ["?watch=true&resourceVersion=5&resourceVersionMatch=NotOlderThan", ["resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"]],
  ["?watch=true&sendInitialEvents=true&resourceVersionMatch=Exact", ["resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan", 'resourceVersionMatch: Unsupported value: "Exact": supported values: "NotOlderThan"']],
];

test("list and watch options are validated as kube-apiserver does: 422 ListOptions.meta.k8s.io with one cause each", async () => {
  for (const [query, messages] of invalidCases) {
    const res = await fx.fetch(CMS + query);
    const status = (await res.json()) as Json;
    assert.is(res.status, 422, query);
    assert.is(status["reason"], "Invalid", query);
    const summary = messages.length === 1 ? messages[0] : `[${messages.join(", ")}]`;
    assert.is(status["message"], `ListOptions.meta.k8s.io "" is invalid: ${summary}`, query);
    assert.equal(status["details"], { group: "meta.k8s.io", kind: "ListOptions", causes: messages.map((m) => ({ reason: m.includes("Unsupported") ? "FieldValueNotSupported" : "FieldValueForbidden", message: m.slice(m.indexOf(": ") + 2), field: m.slice(0, m.indexOf(":")) })) }, query);
  }
  // What the combinations allow.
  for (const query of ["?resourceVersion=1&resourceVersionMatch=NotOlderThan", "?resourceVersion=0&resourceVersionMatch=NotOlderThan", "?watch=true&timeoutSeconds=1", "?watch=true&resourceVersion=0&sendInitialEvents=false&resourceVersionMatch=NotOlderThan&timeoutSeconds=1"]) {
    const res = await fx.fetch(CMS + query);
    assert.is(res.status, 200, query);
    await res.body?.cancel();
  }
});

test("a WatchList request (sendInitialEvents=true, NotOlderThan, a resourceVersion) streams the state and the initial-events-end bookmark", async () => {
  const a = await create("wl-a");
  await create("wl-b");
  const res = await fx.fetch(`${CMS}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion=${a["metadata"].resourceVersion}`);
  assert.is(res.status, 200);
  const events = await watchEvents(res, (e) => e.some((x) => x["type"] === "BOOKMARK"));
  const names = events.filter((e) => e["type"] === "ADDED").map((e) => e["object"].metadata.name);
  assert.ok(names.includes("wl-a") && names.includes("wl-b"), names.join());
  const bookmark = events.at(-1)!;
  assert.is(bookmark["type"], "BOOKMARK");
  assert.equal(bookmark["object"].metadata.annotations, { "k8s.io/initial-events-end": "true" });
  await eventually(() => fx.server.activeWatches() === 0, 5000, "watch released");
});

test("a list at a future resourceVersion: 504 after 3 s of the server clock, with Retry-After", async () => {
  const list = (await (await fx.fetch(CMS)).json()) as Json;
  const current = Number(list["metadata"].resourceVersion);
  let answered: Response | undefined;
  const pending = fx.fetch(`${CMS}?resourceVersion=${current + 10}&resourceVersionMatch=NotOlderThan`).then((r) => (answered = r));
  for (let i = 0; i < 20 && !answered; i++) {
    await fx.cp.clock.advance(500);
    await new Promise((r) => setTimeout(r, 20));
  }
  const res = await pending;
  assert.is(res.status, 504);
  assert.is(res.headers.get("retry-after"), "1");
  const status = (await res.json()) as Json;
  assert.is(status["reason"], "Timeout");
  assert.is(status["message"], `Timeout: Too large resource version: ${current + 10}, current: ${current}`);
  assert.is(status["details"].retryAfterSeconds, 1);
});

test("410 for an expired continue token: the Status carries the fresh token in metadata.continue", async () => {
  for (let i = 0; i < 4; i++) await create(`page-${i}`);
  const page = (await (await fx.fetch(`${CMS}?limit=2`)).json()) as Json;
  for (let i = 0; i < 12; i++) await create(`churn-${i}`);
  const res = await fx.fetch(`${CMS}?limit=2&continue=${page["metadata"].continue}`);
  assert.is(res.status, 410);
  const status = (await res.json()) as Json;
  assert.is(status["reason"], "Expired");
  assert.match(status["message"], /use the continue token in this response/);
  const token = status["metadata"].continue as string;
  assert.ok(token);
  const rest = await fx.fetch(`${CMS}?limit=500&continue=${token}`);
  assert.is(rest.status, 200);
});

test("stop", async () => {
  await fx.stop();
});

test.run();
