/** kubectl (v1.32, on PATH) with CustomResourceDefinitions as projects publish them. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { startFixture } from "../http/fixture.js";
import { kubectlIn } from "./kubectl-runner.js";
import { KUBECTL, requireTool } from "../support/require-tool.js";

requireTool(KUBECTL);

const HTTPROUTES = fileURLToPath(new URL("../fixtures/crds/gateway.networking.k8s.io_httproutes.yaml", import.meta.url));

const fx = await startFixture();
const k = kubectlIn(fx.dir, fx.kubeconfig);
const ok = k.ok;

interface Schema {
  properties?: Record<string, Schema>;
  items?: Schema;
  "x-kubernetes-validations"?: { rule: string }[];
  "x-kubernetes-list-type"?: string;
}

/** The v1 schema as the file publishes it. */
function publishedSchema(): Schema {
  const crd = parse(readFileSync(HTTPROUTES, "utf8")) as { spec: { versions: { name: string; schema: { openAPIV3Schema: Schema } }[] } };
  return crd.spec.versions.find((v) => v.name === "v1")!.schema.openAPIV3Schema;
}

/** The stored v1 schema of the HTTPRoute CRD, as kubectl reads it back. */
async function storedSchema(): Promise<Schema> {
  const crd = JSON.parse(await ok(["get", "crd", "httproutes.gateway.networking.k8s.io", "-o", "json"])) as { spec: { versions: { name: string; schema: { openAPIV3Schema: Schema } }[] } };
  return crd.spec.versions.find((v) => v.name === "v1")!.schema.openAPIV3Schema;
}

test("apply -f of Gateway API's HTTPRoute CRD (strict field validation): created, unchanged, schema kept whole", async () => {
  assert.is((await ok(["apply", "-f", HTTPROUTES])).trim(), "customresourcedefinition.apiextensions.k8s.io/httproutes.gateway.networking.k8s.io created");
  assert.is((await ok(["apply", "-f", HTTPROUTES])).trim(), "customresourcedefinition.apiextensions.k8s.io/httproutes.gateway.networking.k8s.io unchanged");
  const spec = (await storedSchema()).properties!["spec"]!;
  assert.equal(Object.keys(spec.properties!).sort(), ["hostnames", "parentRefs", "rules"]);
  assert.is(spec.properties!["parentRefs"]!["x-kubernetes-validations"]!.length > 0, true);
  assert.is(spec.properties!["hostnames"]!["x-kubernetes-list-type"], "atomic");
  assert.equal(await storedSchema(), publishedSchema());
});

test("apply --server-side of the same CRD from scratch", async () => {
  await ok(["delete", "crd", "httproutes.gateway.networking.k8s.io"]);
  assert.is((await ok(["apply", "--server-side", "-f", HTTPROUTES])).trim(), "customresourcedefinition.apiextensions.k8s.io/httproutes.gateway.networking.k8s.io serverside-applied");
  assert.is((await ok(["apply", "--server-side", "-f", HTTPROUTES])).trim(), "customresourcedefinition.apiextensions.k8s.io/httproutes.gateway.networking.k8s.io serverside-applied");
  assert.is((await storedSchema()).properties!["status"]!.properties!["parents"]!["x-kubernetes-list-type"], "atomic");
});

test("a custom resource whose CRD is not installed: kubectl falls back to OpenAPI v2 (protobuf) and says what upstream says", async () => {
  const widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n";
  for (const verb of ["apply", "create"]) {
    const r = await k.run([verb, "-f", "-"], widget);
    assert.is(r.code, 1);
    assert.is(r.stderr, 'error: resource mapping not found for name: "w" namespace: "" from "STDIN": no matches for kind "Widget" in version "example.com/v1"\nensure CRDs are installed first\n');
  }
});

test.after(() => fx.stop());

test.run();
