import { test } from "uvu";
import * as assert from "uvu/assert";
import { startFixture, type HttpFixture } from "./fixture.js";

const fx: HttpFixture = await startFixture({ insecureHttp: true, token: "t" });
const CMS = "/api/v1/namespaces/default/configmaps";
const INGRESSES = "/apis/networking.k8s.io/v1/namespaces/default/ingresses";
const send = (method: string, path: string, body: string, contentType: string): Promise<Response> =>
  fx.fetch(path, { method, body, headers: { "Content-Type": contentType } });
const json = async (res: Response): Promise<Record<string, any>> => (await res.json()) as Record<string, any>;

/** The server still answers (a request that crashed the process would fail every later one). */
async function alive(): Promise<void> {
  assert.is((await fx.fetch("/healthz")).status, 200);
}

await send("POST", CMS, JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" }, data: { a: "1" } }), "application/json");

test("a YAML body nested 5,000 levels deep is a 400, and the server lives (it used to abort the process)", async () => {
  const bodies = [
    "[a\nb, ".repeat(5000) + "]".repeat(5000), // multi-line scalars: a RegExp compiled at the stack's edge
    "[".repeat(5000) + "]".repeat(5000),
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a}\nspec: " + '{"a":'.repeat(5000) + "1" + "}".repeat(5000),
    "- ".repeat(5000) + "x\n",
    Array.from({ length: 1000 }, (_, i) => " ".repeat(i) + "a:").join("\n") + " 1\n",
  ];
  for (const body of bodies) {
    const res = await send("POST", INGRESSES, body, "application/yaml");
    const status = await json(res);
    assert.is(res.status, 400, body.slice(0, 40));
    assert.is(status["reason"], "BadRequest");
    assert.match(status["message"], /^error converting YAML to JSON: yaml: (line \d+: )?exceeded max depth of 256$/);
  }
  await alive();
});

test("YAML aliases are bounded: billion laughs, self-reference and alias-built depth are 400", async () => {
  const laughs = 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n';
  const cases: [string, RegExp][] = [
    [laughs, /excessive aliasing/],
    ["metadata: &m {name: x, labels: *m}\n", /exceeded max depth|excessive aliasing/],
    ["a: .inf\n", /json: unsupported value: \+Inf/],
  ];
  for (const [body, message] of cases) {
    const res = await send("POST", CMS, body, "application/yaml");
    assert.is(res.status, 400, body);
    assert.match((await json(res))["message"], message);
  }
  await alive();
});

test("JSON bodies and patches nested past the limit are 400 with Go's scanner message, never a stack overflow", async () => {
  const deep = (n: number): string => '{"a":'.repeat(n) + "1" + "}".repeat(n);
  const post = await send("POST", CMS, deep(5000), "application/json");
  assert.is(post.status, 400);
  assert.is((await json(post))["message"], "the object provided is unrecognized: couldn't get version/kind; json parse error: invalid character '{' exceeded max depth");
  const cases: [string, string][] = [
    ["application/merge-patch+json", "error decoding patch: invalid character '{' exceeded max depth"],
    ["application/strategic-merge-patch+json", "invalid character '{' exceeded max depth"],
    ["application/json-patch+json", "error decoding patch: invalid character '[' exceeded max depth"],
  ];
  for (const [type, message] of cases) {
    const body = type === "application/json-patch+json" ? `[{"op":"add","path":"/data/b","value":${"[".repeat(5000)}${"]".repeat(5000)}}]` : `{"metadata":{"annotations":${deep(5000)}}}`;
    const res = await send("PATCH", `${CMS}/x`, body, type);
    assert.is(res.status, 400, type);
    assert.is((await json(res))["message"], message);
  }
  // Strings may hold any number of brackets.
  const brackets = await send("PATCH", `${CMS}/x`, JSON.stringify({ data: { b: "[".repeat(5000) } }), "application/merge-patch+json");
  assert.is(brackets.status, 200);
  await alive();
});

test("JSON patch: move cannot nest past the limit and copy is bounded to 3 MiB in all (422)", async () => {
  const ops = [{ op: "add", path: "/metadata/annotations", value: {} }, { op: "add", path: "/n", value: {} }];
  for (let i = 0; i < 300; i++) ops.push({ op: "add", path: `/s${i}`, value: {} });
  for (let i = 0; i < 300; i++) ops.push({ op: "move", from: `/s${i}`, path: i === 0 ? "/n/c" : `/n${"/c".repeat(i)}/c` } as never);
  const moved = await send("PATCH", `${CMS}/x`, JSON.stringify(ops), "application/json-patch+json");
  assert.is(moved.status, 422);
  assert.match((await json(moved))["details"].causes[0].message, "nests deeper than 256 levels");
  const big = "v".repeat(1024 * 1024);
  const copies = [{ op: "add", path: "/data/big", value: big }, ...Array.from({ length: 4 }, (_, i) => ({ op: "copy", from: "/data/big", path: `/data/c${i}` }))];
  const copied = await send("PATCH", `${CMS}/x`, JSON.stringify(copies), "application/json-patch+json");
  assert.is(copied.status, 422);
  assert.match((await json(copied))["details"].causes[0].message, /^Unable to complete the copy, the accumulated size increase of copy is \d+, exceeding the limit 3145728$/);
  const proto = await send("PATCH", `${CMS}/x`, JSON.stringify([{ op: "add", path: "/__proto__/a", value: 1 }]), "application/json-patch+json");
  assert.is(proto.status, 422);
  await alive();
});

test("object bodies in other media types are 415 Unsupported Media Type, as upstream's input negotiation answers", async () => {
  const body = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "tp" } });
  for (const type of ["text/plain", "text/plain; charset=utf-8", "*/*", "application/x-www-form-urlencoded", "application/merge-patch+json"]) {
    const res = await send("POST", CMS, body, type);
    assert.is(res.status, 415, type);
    const status = await json(res);
    assert.is(status["reason"], "UnsupportedMediaType");
    assert.is(status["message"], "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf");
  }
  assert.is((await send("PUT", `${CMS}/x`, body, "text/plain")).status, 415);
  assert.is((await send("POST", CMS, JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cs" } }), "application/json; charset=utf-8")).status, 201);
});

test("YAML PUT bodies of any shape answer 4xx, never 500", async () => {
  const bodies = ["- a\n- b\n", "hello\n", "~\n", "a: [1\n", "a:\n\t- b\n", "? [a, b]\n: c\n", "metadata: !!binary aGVsbG8=\n", "data: {a: .nan}\n", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: 1}\n"];
  for (const body of bodies) {
    const res = await send("PUT", `${CMS}/x`, body, "application/yaml");
    assert.ok(res.status >= 400 && res.status < 500, `${JSON.stringify(body)} → ${res.status}`);
  }
  const ok = await send("PUT", `${CMS}/x`, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: '2'}\n", "application/yaml");
  assert.is(ok.status, 200);
});

test("strategic merge patches with unmatched nulls succeed; malformed directives are 400 (kubectl patch cm x --type=strategic)", async () => {
  const smp = (body: unknown): Promise<Response> => send("PATCH", `${CMS}/x`, JSON.stringify(body), "application/strategic-merge-patch+json");
  const gone = await smp({ metadata: { annotations: { gone: null } } });
  assert.is(gone.status, 200);
  assert.is((await json(gone))["metadata"].annotations?.gone, undefined);
  assert.is((await smp({ metadata: { labels: { a: null } } })).status, 200);
  const order = await smp({ "$setElementOrder/data": [] });
  assert.is(order.status, 400);
  assert.is((await json(order))["message"], "expected a slice, but received a map");
  for (const type of ["application/merge-patch+json", "application/strategic-merge-patch+json"]) {
    const finalizers = await send("PATCH", `${CMS}/x`, '{"metadata":{"finalizers":[null]}}', type);
    assert.is(finalizers.status, 422, type);
  }
});

test("a field named __proto__ is refused (400) in JSON, escaped JSON, YAML and patches: it would replace an object's prototype", async () => {
  const cases: [string, string, string][] = [
    ["POST", '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"p1","__proto__":{"namespace":"kube-system"}}}', "application/json"],
    ["POST", '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"p2"},"data":{"\\u005f_proto__":{"z":"1"}}}', "application/json"],
    ["POST", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p3}\ndata:\n  __proto__: {z: '1'}\n", "application/yaml"],
  ];
  for (const [method, body, type] of cases) {
    const res = await send(method, CMS, body, type);
    assert.is(res.status, 400, body);
    assert.match((await json(res))["message"], 'a field named "__proto__" is not supported');
  }
  for (const type of ["application/merge-patch+json", "application/strategic-merge-patch+json"]) {
    const res = await send("PATCH", `${CMS}/x`, '{"data":{"__proto__":{"z":"1"}}}', type);
    assert.is(res.status, 400, type);
  }
  const cm = await json(await fx.fetch(`${CMS}/x`));
  assert.not.ok("z" in cm["data"], "no inherited field leaked into the object");
});

test.after(async () => {
  await fx.stop();
});

test.run();
