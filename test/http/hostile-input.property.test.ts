import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import YAML from "yaml";
import { startFixture, type HttpFixture } from "./fixture.js";

/**
 * Random methods × paths × content types × bodies — deep nesting, nulls everywhere, patch
 * directives in the wrong places, YAML oddities — never answer 5xx and never stop the server.
 */

const fx: HttpFixture = await startFixture({ insecureHttp: true, token: "t" });

const seed = async (path: string, body: unknown): Promise<void> => {
  const res = await fx.fetch(path, { method: "POST", body: JSON.stringify(body) });
  assert.is(res.status, 201, await res.text());
};
await seed("/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", labels: { a: "b" }, finalizers: ["f/x"] }, data: { a: "1" } });
await seed("/apis/apps/v1/namespaces/default/deployments", {
  apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" },
  spec: { replicas: 1, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx", env: [{ name: "A", value: "1" }] }] } } },
});
await seed("/api/v1/namespaces/default/pods", { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "nginx" }] } });

const PATHS = [
  "/api/v1/namespaces/default/configmaps", "/api/v1/namespaces/default/configmaps/x", "/api/v1/namespaces/default/configmaps/new",
  "/apis/apps/v1/namespaces/default/deployments", "/apis/apps/v1/namespaces/default/deployments/web",
  "/apis/apps/v1/namespaces/default/deployments/web/scale", "/apis/apps/v1/namespaces/default/deployments/web/status",
  "/api/v1/namespaces/default/pods/p", "/api/v1/namespaces/default/pods/p/status", "/api/v1/namespaces/default/pods/p/eviction",
  "/apis/networking.k8s.io/v1/namespaces/default/ingresses", "/api/v1/namespaces", "/api/v1/namespaces/default", "/api/v1/nodes",
  "/apis/rbac.authorization.k8s.io/v1/clusterroles", "/api/v1/namespaces/default/services", "/apis", "/version", "/nope/%zz",
];
const QUERIES = ["", "?fieldValidation=Strict", "?fieldValidation=Warn", "?dryRun=All", "?fieldManager=fuzz", "?fieldManager=fuzz&force=true", "?labelSelector=a%3Db", "?fieldSelector=metadata.name%3Dx", "?limit=1", "?gracePeriodSeconds=0", "?propagationPolicy=Foreground", "?fieldValidation=bogus", "?limit=-1&continue=xyz"];
const CONTENT_TYPES = [
  "application/json", "application/yaml", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/json-patch+json",
  "application/apply-patch+yaml", "application/apply-patch+json", "application/vnd.kubernetes.protobuf", "text/plain", "*/*", "", "garbage/;;",
];
const KEYS = [
  "apiVersion", "kind", "metadata", "name", "namespace", "labels", "annotations", "finalizers", "ownerReferences", "managedFields", "uid", "resourceVersion",
  "spec", "status", "data", "binaryData", "replicas", "selector", "matchLabels", "template", "containers", "image", "env", "value", "ports", "rules",
  "$patch", "$retainKeys", "$setElementOrder/containers", "$setElementOrder/data", "$setElementOrder/finalizers", "$deleteFromPrimitiveList/finalizers",
  "op", "path", "from", "__proto__", "constructor", "a",
];

/** JSON values shaped like Kubernetes objects and patches, with nulls and directives anywhere. */
const { value: jsonValue } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(null, "", "x", "merge", "replace", "delete", "v1", "ConfigMap", "/metadata/labels", "/data/a", "add", "remove", "copy", "move", "test"),
    fc.integer(), fc.double(), fc.boolean(),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie("value"), { maxKeys: 5 }),
  ),
}));

/** A value wrapped in 200 to 700 levels of arrays or objects. */
const deepValue = fc.tuple(fc.integer({ min: 200, max: 700 }), fc.boolean(), jsonValue).map(([depth, arrays, inner]) => {
  let v: unknown = inner;
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { [KEYS[i % KEYS.length]!]: v };
  return v;
});

const YAML_TEXTS = [
  "[a\nb, ".repeat(600) + "]".repeat(600), "- ".repeat(600) + "x\n", "&a [*a]\n", "a: &a [1]\nb: *a\n", "a: .inf\n", "b: .nan\n", "? [a]\n: b\n",
  "a: !!binary aGVsbG8=\n", "a: !!set {x}\n", "a: !custom x\n", "---\na: 1\n---\nb: 2\n", "a:\n\t- b\n", "{a: 1, a: 2}\n", "%YAML 1.1\n---\na: yes\n",
  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  annotations: {gone: null}\n", "|\n  text\n", "'unterminated\n", "\u0000\u0001",
];

const body = fc.oneof(
  fc.constant(undefined),
  jsonValue.map((v) => JSON.stringify(v)),
  jsonValue.map((v) => YAML.stringify(v)),
  deepValue.map((v) => JSON.stringify(v)),
  fc.constantFrom(...YAML_TEXTS),
  fc.string({ maxLength: 40 }),
  fc.array(fc.record({ op: fc.constantFrom("add", "remove", "replace", "move", "copy", "test", "bogus"), path: fc.constantFrom("", "/", "/metadata", "/metadata/labels/a", "/data", "/spec/replicas", "/-", "/__proto__/x", "/metadata/finalizers/0"), from: fc.constantFrom("/data", "/metadata", "/nope", "x"), value: jsonValue }, { requiredKeys: ["op"] }), { maxLength: 4 }).map((ops) => JSON.stringify(ops)),
);

const request = fc.record({
  method: fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"),
  path: fc.constantFrom(...PATHS),
  query: fc.constantFrom(...QUERIES),
  contentType: fc.constantFrom(...CONTENT_TYPES),
  body,
});

test("no request answers 5xx or stops the server", async () => {
  await fc.assert(
    fc.asyncProperty(request, async ({ method, path, query, contentType, body }) => {
      const withBody = method !== "GET" && method !== "HEAD" && body !== undefined;
      const res = await fx.fetch(path + query, { method, headers: contentType ? { "Content-Type": contentType } : { "Content-Type": "" }, ...(withBody ? { body } : {}) });
      const text = await res.text();
      if (res.status >= 500) throw new Error(`${method} ${path}${query} (${contentType}) → ${res.status}: ${text}`);
    }),
    { numRuns: 100 },
  );
  assert.is((await fx.fetch("/healthz")).status, 200);
});

test.after(async () => {
  await fx.stop();
});

test.run();
