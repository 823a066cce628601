/** CRD conversion strategy Webhook: ConversionReview v1 over HTTPS on every verb, and upstream's failure messages. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { CustomResourceDefinition } from "kubernetes-types/apiextensions/v1.js";
import { statusOf, testControlPlane } from "../support/control-plane.js";
import type { KubeObject } from "../../core/api/object.js";
import type { WatchEvent } from "../../core/client/client.js";
import { startWebhookServer } from "../admission/webhook-server.js";
import { settle } from "./support.js";

const cp = await testControlPlane();
const crds = cp.client.resource<CustomResourceDefinition & KubeObject>("CustomResourceDefinition");

type Gadget = KubeObject & { spec?: Record<string, unknown> };

/** v1 (storage) keeps `spec.size`, v2 calls it `spec.replicas`; `/labels` also labels, `/rename` renames, `/fail` refuses. */
const server = await startWebhookServer((request, path) => {
  const desired = request["desiredAPIVersion"] as string;
  const objects = request["objects"] as Gadget[];
  if (path.startsWith("/fail")) return { convertedObjects: [], result: { status: "Failure", message: "custom webhook conversion error" } };
  if (path.startsWith("/short")) return { convertedObjects: [], result: { status: "Success" } };
  const convertedObjects = objects.map((o) => {
    const spec = { ...(o.spec ?? {}) };
    if (desired.endsWith("/v2") && "size" in spec) {
      spec["replicas"] = spec["size"];
      delete spec["size"];
    } else if (desired.endsWith("/v1") && "replicas" in spec) {
      spec["size"] = spec["replicas"];
      delete spec["replicas"];
    }
    const metadata = { ...o.metadata, generation: 42 } as Record<string, unknown>;
    if (path.startsWith("/labels")) metadata["labels"] = { ...(o.metadata?.labels ?? {}), converted: "true" };
    if (path.startsWith("/rename")) metadata["name"] = "other";
    return { ...o, apiVersion: desired, metadata, spec };
  });
  return { convertedObjects, result: { status: "Success" } };
}, { apiVersion: "apiextensions.k8s.io/v1", kind: "ConversionReview" });

const schema = (field: string) => ({ openAPIV3Schema: { type: "object", properties: { spec: { type: "object", properties: { [field]: { type: "integer" } } } } } });

async function useWebhook(path: string): Promise<void> {
  const current = await crds.get("gadgets.example.com");
  await crds.update({ ...current, spec: { ...current.spec, conversion: { strategy: "Webhook", webhook: { conversionReviewVersions: ["v1"], clientConfig: { url: server.url(path), caBundle: server.caBundle } } } } });
  await settle(cp);
}

await crds.create({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "gadgets.example.com" },
  spec: {
    group: "example.com",
    scope: "Namespaced",
    names: { plural: "gadgets", kind: "Gadget" },
    versions: [
      { name: "v1", served: true, storage: true, schema: schema("size") },
      { name: "v2", served: true, storage: false, schema: schema("replicas") },
    ],
  },
} as unknown as CustomResourceDefinition & KubeObject);
await settle(cp);
await useWebhook("/convert");
const v1 = cp.client.resource<Gadget>({ group: "example.com", version: "v1", resource: "gadgets" });
const v2 = cp.client.resource<Gadget>({ group: "example.com", version: "v2", resource: "gadgets" });

function reviewsSince(n: number): Record<string, unknown>[] {
  return server.received.slice(n);
}

test("create through v2 is converted to the storage version by the webhook, and the response back to v2", async () => {
  const before = server.received.length;
  const created = await v2.create({ apiVersion: "example.com/v2", kind: "Gadget", metadata: { name: "a", namespace: "default" }, spec: { replicas: 3 } });
  assert.equal(created.spec, { replicas: 3 });
  assert.is(created.apiVersion, "example.com/v2");
  assert.is(created.metadata?.generation, 1, "only labels and annotations of the webhook's metadata are kept");
  const stored = await cp.store.get("/registry/example.com/gadgets/default/a");
  assert.is(stored?.apiVersion, "example.com/v1");
  assert.equal((stored as Gadget).spec, { size: 3 });
  const reviews = reviewsSince(before);
  assert.equal(reviews.map((r) => r["desiredAPIVersion"]), ["example.com/v1", "example.com/v2"]);
  assert.ok(typeof reviews[0]!["uid"] === "string" && (reviews[0]!["uid"] as string).length > 0);
  // Served in the storage version: no call.
  const n = server.received.length;
  assert.equal((await v1.get("a", { namespace: "default" })).spec, { size: 3 });
  assert.is(server.received.length, n, "an object already in the desired version is not sent");
});

test("list converts every item in one ConversionReview; update and patch go through the webhook both ways", async () => {
  await v1.create({ apiVersion: "example.com/v1", kind: "Gadget", metadata: { name: "b", namespace: "default" }, spec: { size: 5 } });
  const before = server.received.length;
  const list = await v2.list({ namespace: "default" });
  assert.equal(list.items.map((i) => [i.metadata?.name, i.apiVersion, i.spec]), [["a", "example.com/v2", { replicas: 3 }], ["b", "example.com/v2", { replicas: 5 }]]);
  const reviews = reviewsSince(before);
  assert.is(reviews.length, 1);
  assert.is((reviews[0]!["objects"] as unknown[]).length, 2);
  const current = await v2.get("b", { namespace: "default" });
  const updated = await v2.update({ ...current, spec: { replicas: 6 } });
  assert.equal(updated.spec, { replicas: 6 });
  assert.is(updated.metadata?.generation, 2);
  assert.equal(((await cp.store.get("/registry/example.com/gadgets/default/b")) as Gadget).spec, { size: 6 });
  const patched = await v2.patch("b", "merge", { spec: { replicas: 7 } }, { namespace: "default" });
  assert.equal(patched.spec, { replicas: 7 });
  assert.equal((await v1.get("b", { namespace: "default" })).spec, { size: 7 });
});

test("watch events are converted and delivered in order", async () => {
  const events: WatchEvent[] = [];
  const w = await v2.watch({ namespace: "default" }, (e) => events.push(e));
  await v1.create({ apiVersion: "example.com/v1", kind: "Gadget", metadata: { name: "c", namespace: "default" }, spec: { size: 1 } });
  await v1.patch("c", "merge", { spec: { size: 2 } }, { namespace: "default" });
  await v1.delete("c", { namespace: "default" });
  for (let i = 0; i < 50 && events.filter((e) => e.object.metadata?.name === "c").length < 3; i++) await new Promise((r) => setTimeout(r, 10));
  w.stop();
  const c = events.filter((e) => e.object.metadata?.name === "c");
  assert.equal(c.map((e) => [e.type, e.object.apiVersion, (e.object as Gadget).spec]), [
    ["ADDED", "example.com/v2", { replicas: 1 }],
    ["MODIFIED", "example.com/v2", { replicas: 2 }],
    ["DELETED", "example.com/v2", { replicas: 2 }],
  ]);
});

test("the webhook may change labels, not identity", async () => {
  await useWebhook("/labels");
  const got = await v2.get("a", { namespace: "default" });
  assert.is(got.metadata?.labels?.["converted"], "true");
  await useWebhook("/rename");
  const err = await statusOf(v2.get("a", { namespace: "default" }));
  assert.is(err.status.code, 500);
  assert.is(err.status.message, "conversion webhook for example.com/v1, Kind=Gadget returned invalid object: must have the same name: a != other");
});

test("failures read as upstream's: a 500 Status on every verb", async () => {
  await useWebhook("/fail");
  const message = "conversion webhook for example.com/v1, Kind=Gadget failed: custom webhook conversion error";
  for (const call of [
    () => v2.get("a", { namespace: "default" }),
    () => v2.list({ namespace: "default" }),
    () => v2.patch("a", "merge", { metadata: { annotations: { x: "y" } } }, { namespace: "default" }),
    () => v2.delete("a", { namespace: "default" }),
  ]) {
    const err = await statusOf(call());
    assert.is(err.status.code, 500);
    assert.is(err.status.reason ?? "", "");
    assert.is(err.status.message, message);
  }
  const create = await statusOf(v2.create({ apiVersion: "example.com/v2", kind: "Gadget", metadata: { name: "d", namespace: "default" }, spec: { replicas: 1 } }));
  assert.is(create.status.message, "conversion webhook for example.com/v2, Kind=Gadget failed: custom webhook conversion error");
  assert.is(await cp.store.get("/registry/example.com/gadgets/default/d"), undefined, "nothing is stored when conversion to storage fails");
  await useWebhook("/short");
  assert.is((await statusOf(v2.get("a", { namespace: "default" }))).status.message, "conversion webhook for example.com/v1, Kind=Gadget returned 0 objects, expected 1");
});

test("an unreachable webhook: the call's error inside upstream's message", async () => {
  const current = await crds.get("gadgets.example.com");
  const url = server.url("/convert").replace(/:\d+\//, ":1/");
  await crds.update({ ...current, spec: { ...current.spec, conversion: { strategy: "Webhook", webhook: { conversionReviewVersions: ["v1"], clientConfig: { url, caBundle: server.caBundle } } } } });
  await settle(cp);
  const err = await statusOf(v2.get("a", { namespace: "default" }));
  assert.is(err.status.code, 500);
  assert.is(err.status.message, `conversion webhook for example.com/v1, Kind=Gadget failed: Post "https://localhost:1/convert?timeout=30s": dial tcp 127.0.0.1:1: connect: connection refused`);
  // Back to None: versions differ in apiVersion only.
  const now = await crds.get("gadgets.example.com");
  await crds.update({ ...now, spec: { ...now.spec, conversion: { strategy: "None" } } });
  await settle(cp);
  const plain = await v2.get("a", { namespace: "default" });
  assert.is(plain.apiVersion, "example.com/v2");
  assert.equal(plain.spec, { size: 3 });
});

test.after(async () => {
  await server.close();
  cp.stop();
});

test.run();
