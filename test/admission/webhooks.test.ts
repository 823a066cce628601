/** Admission webhooks over HTTPS: mutating patches, validating refusals, matching, failure policies, timeouts, dry run. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ConfigMap } from "kubernetes-types/core/v1.js";
import { statusOf, testControlPlane } from "../support/control-plane.js";
import type { KubeObject } from "../../core/api/object.js";
import { jsonPatch, startWebhookServer, type WebhookServer } from "./webhook-server.js";

const cp = await testControlPlane();
const configMaps = cp.client.resource<ConfigMap>("ConfigMap");
const mutating = cp.client.resource("MutatingWebhookConfiguration");
const validating = cp.client.resource("ValidatingWebhookConfiguration");

let delayMs = 0;
const server: WebhookServer = await startWebhookServer(async (req, path) => {
  const obj = req["object"] as ConfigMap | null;
  if (path.startsWith("/slow")) await new Promise((r) => setTimeout(r, delayMs));
  if (path.startsWith("/mutate")) return { allowed: true, ...jsonPatch([{ op: "add", path: "/data/injected", value: "yes" }]), warnings: ["injected a key"] };
  if (path.startsWith("/validate")) {
    if (obj?.data?.["forbidden"]) return { allowed: false, status: { code: 403, reason: "Forbidden", message: "configmaps may not hold the forbidden key" } };
    if (obj?.data?.["quiet"]) return { allowed: false };
    return { allowed: true };
  }
  return { allowed: true };
});

function cm(name: string, data: Record<string, string>, labels: Record<string, string> = {}): ConfigMap & KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default", labels }, data } as ConfigMap & KubeObject;
}

function webhook(name: string, path: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    clientConfig: { url: server.url(path), caBundle: server.caBundle },
    rules: [{ operations: ["CREATE", "UPDATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["configmaps"] }],
    sideEffects: "None",
    admissionReviewVersions: ["v1"],
    objectSelector: { matchLabels: { hooked: "true" } },
    ...extra,
  };
}

async function withConfig(kind: "mutating" | "validating", name: string, hooks: Record<string, unknown>[], body: () => Promise<void>): Promise<void> {
  const client = kind === "mutating" ? mutating : validating;
  await client.create({ apiVersion: "admissionregistration.k8s.io/v1", kind: kind === "mutating" ? "MutatingWebhookConfiguration" : "ValidatingWebhookConfiguration", metadata: { name }, webhooks: hooks } as unknown as KubeObject);
  try {
    await body();
  } finally {
    await client.delete(name);
  }
}

test("configurations are defaulted and validated as upstream", async () => {
  const created = (await validating.create({ apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingWebhookConfiguration", metadata: { name: "defaults" }, webhooks: [webhook("a.example.com", "/validate")] } as unknown as KubeObject)) as unknown as { webhooks: Record<string, unknown>[] };
  const w = created.webhooks[0]!;
  assert.is(w["failurePolicy"], "Fail");
  assert.is(w["matchPolicy"], "Equivalent");
  assert.is(w["timeoutSeconds"], 10);
  assert.equal(w["namespaceSelector"], {});
  assert.is((w["rules"] as { scope: string }[])[0]!.scope, "*");
  await validating.delete("defaults");
  const err = await statusOf(validating.create({ apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingWebhookConfiguration", metadata: { name: "bad" }, webhooks: [{ ...webhook("short", "/v"), clientConfig: { url: "http://x.example/" }, sideEffects: "Some", timeoutSeconds: 31 }] } as unknown as KubeObject));
  assert.is(err.status.code, 422);
  const causes = (err.status.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
  assert.ok(causes.includes('webhooks[0].name: Invalid value: "short": should be a domain with at least three segments separated by dots'), causes.join("\n"));
  assert.ok(causes.includes(`webhooks[0].clientConfig.url: Invalid value: "http://x.example/": 'https' is the only allowed URL scheme`), causes.join("\n"));
  assert.ok(causes.includes('webhooks[0].sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun"'), causes.join("\n"));
  assert.ok(causes.includes("webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds"), causes.join("\n"));
});

test("a mutating webhook's JSONPatch is applied to the stored object; its warnings reach the request", async () => {
  await withConfig("mutating", "inject", [webhook("inject.example.com", "/mutate")], async () => {
    const created = await configMaps.create(cm("mutated", { a: "1" }, { hooked: "true" }));
    assert.equal(created.data, { a: "1", injected: "yes" });
    const untouched = await configMaps.create(cm("unlabelled", { a: "1" }));
    assert.equal(untouched.data, { a: "1" }, "objectSelector keeps the webhook away");
    const review = server.received.find((r) => (r["object"] as ConfigMap | null)?.metadata?.name === "mutated")!;
    assert.is(review["operation"], "CREATE");
    assert.equal(review["resource"], { group: "", version: "v1", resource: "configmaps" });
    assert.equal(review["kind"], { group: "", version: "v1", kind: "ConfigMap" });
    assert.is(review["namespace"], "default");
    assert.is((review["userInfo"] as { username: string }).username, "system:admin");
    const ctx: { warnings?: string[] } = {};
    const type = cp.registry.find("configmaps")!;
    await cp.apiServer.create(type, "default", cm("warned", {}, { hooked: "true" }), {}, ctx);
    assert.equal(ctx.warnings, ["injected a key"]);
  });
});

test("a validating webhook's refusal reads as upstream, with the webhook's code and reason", async () => {
  await withConfig("validating", "deny", [webhook("deny.example.com", "/validate")], async () => {
    let err = await statusOf(configMaps.create(cm("refused", { forbidden: "x" }, { hooked: "true" })));
    assert.is(err.status.code, 403);
    assert.is(err.status.reason, "Forbidden");
    assert.is(err.status.message, 'admission webhook "deny.example.com" denied the request: configmaps may not hold the forbidden key');
    err = await statusOf(configMaps.create(cm("quiet", { quiet: "x" }, { hooked: "true" })));
    assert.is(err.status.code, 400);
    assert.is(err.status.message, 'admission webhook "deny.example.com" denied the request without explanation');
    await configMaps.create(cm("allowed", { fine: "x" }, { hooked: "true" }));
    // Updates are reviewed too, with the old object.
    err = await statusOf(configMaps.patch("allowed", "merge", { data: { forbidden: "y" } }, { namespace: "default" }));
    assert.is(err.status.code, 403);
    const review = server.received.at(-1)!;
    assert.is(review["operation"], "UPDATE");
    assert.equal((review["oldObject"] as ConfigMap).data, { fine: "x" });
  });
});

test("dry-run requests are reviewed with dryRun set and not stored", async () => {
  await withConfig("validating", "dry", [webhook("dry.example.com", "/validate")], async () => {
    await configMaps.create(cm("dry", { a: "1" }, { hooked: "true" }), { dryRun: ["All"] });
    assert.is(server.received.at(-1)!["dryRun"], true);
    const err = await statusOf(configMaps.get("dry", { namespace: "default" }));
    assert.is(err.status.code, 404);
  });
});

test("failurePolicy: Fail refuses when the webhook is down, Ignore lets the request through", async () => {
  const down = { url: "https://localhost:1/down", caBundle: server.caBundle };
  await withConfig("validating", "down-fail", [webhook("fail.example.com", "/", { clientConfig: down })], async () => {
    const err = await statusOf(configMaps.create(cm("down-1", {}, { hooked: "true" })));
    assert.is(err.status.code, 500);
    assert.is(err.status.reason, "InternalError");
    assert.is(err.status.message, 'Internal error occurred: failed calling webhook "fail.example.com": failed to call webhook: Post "https://localhost:1/down?timeout=10s": dial tcp 127.0.0.1:1: connect: connection refused');
  });
  await withConfig("validating", "down-ignore", [webhook("ignore.example.com", "/", { clientConfig: down, failurePolicy: "Ignore" })], async () => {
    const created = await configMaps.create(cm("down-2", {}, { hooked: "true" }));
    assert.is(created.metadata?.name, "down-2");
  });
});

test("a webhook slower than timeoutSeconds fails the call with context deadline exceeded", async () => {
  delayMs = 1500;
  await withConfig("validating", "slow", [webhook("slow.example.com", "/slow", { timeoutSeconds: 1 })], async () => {
    const err = await statusOf(configMaps.create(cm("slow", {}, { hooked: "true" })));
    assert.is(err.status.code, 500);
    assert.ok(err.status.message.endsWith(`failed calling webhook "slow.example.com": failed to call webhook: Post "${server.url("/slow")}?timeout=1s": context deadline exceeded`), err.status.message);
  });
  delayMs = 0;
});

test("a wrong caBundle is a call failure", async () => {
  const other = Buffer.from((await import("../../core/apiserver/http/tls.js")).createCertificateAuthoritySync().certPem).toString("base64");
  await withConfig("validating", "badca", [webhook("badca.example.com", "/validate", { clientConfig: { url: server.url("/validate"), caBundle: other } })], async () => {
    const err = await statusOf(configMaps.create(cm("badca", {}, { hooked: "true" })));
    assert.ok(err.status.message.includes("x509: certificate signed by unknown authority"), err.status.message);
  });
});

test("rules, namespaceSelector and matchConditions decide which requests a webhook sees", async () => {
  await cp.client.resource("Namespace").create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "guarded", labels: { guard: "on" } } } as KubeObject);
  const hooks = [webhook("ns.example.com", "/validate", { objectSelector: {}, namespaceSelector: { matchLabels: { guard: "on" } }, matchConditions: [{ name: "not-exempt", expression: "!has(object.metadata.labels) || !('exempt' in object.metadata.labels)" }] })];
  await withConfig("validating", "scoped", hooks, async () => {
    await configMaps.create(cm("free", { forbidden: "x" }));
    const err = await statusOf(configMaps.create({ ...cm("guarded", { forbidden: "x" }), metadata: { name: "guarded", namespace: "guarded" } }));
    assert.is(err.status.code, 403);
    await configMaps.create({ ...cm("exempt", { forbidden: "x" }), metadata: { name: "exempt", namespace: "guarded", labels: { exempt: "yes" } } });
    // DELETE is not in the rule's operations.
    await configMaps.delete("free", { namespace: "default" });
  });
});

test("webhook configurations themselves are never sent to webhooks", async () => {
  const all = webhook("all.example.com", "/validate", { objectSelector: {}, rules: [{ operations: ["*"], apiGroups: ["*"], apiVersions: ["*"], resources: ["*/*"] }], clientConfig: { url: "https://localhost:1/", caBundle: server.caBundle } });
  await withConfig("validating", "everything", [all], async () => {
    const err = await statusOf(configMaps.create(cm("blocked", {})));
    assert.is(err.status.code, 500);
  });
  // The delete above went through although the webhook is down.
  assert.is((await validating.list()).items.some((c) => c.metadata?.name === "everything"), false);
});

test.after(async () => {
  cp.stop();
  await server.close();
});
test.run();
