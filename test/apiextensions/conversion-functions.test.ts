/** CRD conversion strategy Webhook answered by a conversion function contributed in process (CustomResourceConverters). */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { CustomResourceDefinition } from "kubernetes-types/apiextensions/v1.js";
import { statusOf, testControlPlane } from "../support/control-plane.js";
import type { KubeObject } from "../../core/api/object.js";
import type { WatchEvent } from "../../core/client/client.js";
import type { CustomResourceConversion } from "../../core/apiserver/apiextensions/custom-resource-converters.js";
import { hubAndSpokeConversion } from "../../core/operator/conversion.js";
import { settle } from "./support.js";

type Gadget = KubeObject & { spec?: Record<string, unknown> };

/** v1 keeps `spec.size`, v2 calls it `spec.replicas`. */
const sizeToReplicas = hubAndSpokeConversion({
  hub: "v1",
  spokes: {
    v2: {
      toHub: (o) => {
        const { replicas, ...rest } = (o as Gadget).spec ?? {};
        return { ...o, spec: { ...rest, ...(replicas === undefined ? {} : { size: replicas }) } } as KubeObject;
      },
      fromHub: (o) => {
        const { size, ...rest } = (o as Gadget).spec ?? {};
        return { ...o, spec: { ...rest, ...(size === undefined ? {} : { replicas: size }) } } as KubeObject;
      },
    },
  },
});

/** What the plugin contributes; tests swap it (the lookup is asked on every conversion). */
let contributed: CustomResourceConversion | undefined = sizeToReplicas;
const calls: string[] = [];
const cp = await testControlPlane({
  customResourceConverters: (group, kind) => {
    if (group !== "example.com" || kind !== "Gadget" || !contributed) return undefined;
    const f = contributed;
    return (o, desired) => {
      calls.push(`${o.metadata?.name}:${o.apiVersion}->${desired}`);
      return f(o, desired);
    };
  },
});
const crds = cp.client.resource<CustomResourceDefinition & KubeObject>("CustomResourceDefinition");
const schema = (field: string) => ({ openAPIV3Schema: { type: "object", properties: { spec: { type: "object", properties: { [field]: { type: "integer" }, colour: { type: "string" } } } } } });

// The clientConfig names the operator's Service; nothing listens there: only the function answers.
const webhookConversion = { strategy: "Webhook", webhook: { conversionReviewVersions: ["v1"], clientConfig: { url: "https://localhost:1/convert" } } };
await crds.create({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "gadgets.example.com" },
  spec: {
    group: "example.com",
    scope: "Namespaced",
    names: { plural: "gadgets", kind: "Gadget" },
    conversion: webhookConversion,
    versions: [
      { name: "v1", served: true, storage: true, schema: schema("size") },
      { name: "v2", served: true, storage: false, schema: schema("replicas") },
    ],
  },
} as unknown as CustomResourceDefinition & KubeObject);
await settle(cp);
const v1 = cp.client.resource<Gadget>({ group: "example.com", version: "v1", resource: "gadgets" });
const v2 = cp.client.resource<Gadget>({ group: "example.com", version: "v2", resource: "gadgets" });

test("create, get, list, update and patch through v2 are converted by the function, stored in v1", async () => {
  calls.length = 0;
  const created = await v2.create({ apiVersion: "example.com/v2", kind: "Gadget", metadata: { name: "a", namespace: "default" }, spec: { replicas: 3 } });
  assert.equal([created.apiVersion, created.spec], ["example.com/v2", { replicas: 3 }]);
  assert.equal(calls, ["a:example.com/v2->example.com/v1", "a:example.com/v1->example.com/v2"]);
  const stored = (await cp.store.get("/registry/example.com/gadgets/default/a")) as Gadget;
  assert.equal([stored.apiVersion, stored.spec], ["example.com/v1", { size: 3 }]);
  calls.length = 0;
  assert.equal((await v1.get("a", { namespace: "default" })).spec, { size: 3 });
  assert.equal(calls, [], "an object already in the desired version is not converted");
  await v1.create({ apiVersion: "example.com/v1", kind: "Gadget", metadata: { name: "b", namespace: "default" }, spec: { size: 5 } });
  const list = await v2.list({ namespace: "default" });
  assert.equal(list.items.map((i) => [i.metadata?.name, i.apiVersion, i.spec]), [["a", "example.com/v2", { replicas: 3 }], ["b", "example.com/v2", { replicas: 5 }]]);
  const current = await v2.get("b", { namespace: "default" });
  const updated = await v2.update({ ...current, spec: { replicas: 6 } });
  assert.equal([updated.spec, updated.metadata?.generation], [{ replicas: 6 }, 2]);
  const patched = await v2.patch("b", "merge", { spec: { replicas: 7 } }, { namespace: "default" });
  assert.equal(patched.spec, { replicas: 7 });
  assert.equal(((await cp.store.get("/registry/example.com/gadgets/default/b")) as Gadget).spec, { size: 7 });
});

test("watch events in another version are converted, in order", async () => {
  const events: WatchEvent[] = [];
  const w = await v2.watch({ namespace: "default" }, (e) => events.push(e));
  await v1.create({ apiVersion: "example.com/v1", kind: "Gadget", metadata: { name: "c", namespace: "default" }, spec: { size: 1 } });
  await v1.patch("c", "merge", { spec: { size: 2 } }, { namespace: "default" });
  await v1.delete("c", { namespace: "default" });
  for (let i = 0; i < 50 && events.filter((e) => e.object.metadata?.name === "c").length < 3; i++) await new Promise((r) => setTimeout(r, 5));
  w.stop();
  assert.equal(events.filter((e) => e.object.metadata?.name === "c").map((e) => [e.type, e.object.apiVersion, (e.object as Gadget).spec]), [
    ["ADDED", "example.com/v2", { replicas: 1 }],
    ["MODIFIED", "example.com/v2", { replicas: 2 }],
    ["DELETED", "example.com/v2", { replicas: 2 }],
  ]);
});

test("the function's answer is checked as a webhook's: identity kept, metadata restored but for labels and annotations", async () => {
  contributed = (o, desired) => ({ ...sizeToReplicas(o, desired), metadata: { ...o.metadata, generation: 99, labels: { converted: "yes" } } }) as KubeObject;
  const got = await v2.get("a", { namespace: "default" });
  assert.equal([got.metadata?.labels, got.metadata?.generation], [{ converted: "yes" }, 1]);
  contributed = (o, desired) => ({ ...(sizeToReplicas(o, desired) as KubeObject), metadata: { ...o.metadata, name: "other" } });
  const renamed = await statusOf(v2.get("a", { namespace: "default" }));
  assert.equal([renamed.status.code, renamed.status.message], [500, "conversion webhook for example.com/v1, Kind=Gadget returned invalid object: must have the same name: a != other"]);
  contributed = (o) => ({ ...o });
  const unconverted = await statusOf(v2.get("a", { namespace: "default" }));
  assert.is(unconverted.status.message, "conversion webhook for example.com/v1, Kind=Gadget returned invalid object: invalid groupVersion (expected example.com/v2, received example.com/v1)");
});

test("a function that throws (or rejects) fails every verb with upstream's message; nothing is stored", async () => {
  contributed = () => {
    throw new Error("spec.colour cannot be converted");
  };
  for (const call of [() => v2.get("a", { namespace: "default" }), () => v2.list({ namespace: "default" }), () => v2.patch("a", "merge", { spec: { colour: "red" } }, { namespace: "default" })]) {
    const err = await statusOf(call());
    assert.equal([err.status.code, err.status.reason ?? "", err.status.message], [500, "", "conversion webhook for example.com/v1, Kind=Gadget failed: spec.colour cannot be converted"]);
  }
  contributed = async () => Promise.reject(new Error("later"));
  const create = await statusOf(v2.create({ apiVersion: "example.com/v2", kind: "Gadget", metadata: { name: "d", namespace: "default" }, spec: { replicas: 1 } }));
  assert.is(create.status.message, "conversion webhook for example.com/v2, Kind=Gadget failed: later");
  assert.is(await cp.store.get("/registry/example.com/gadgets/default/d"), undefined);
});

test("without a contributed function the CRD's clientConfig is called (the operator is gone)", async () => {
  contributed = undefined;
  const err = await statusOf(v2.get("a", { namespace: "default" }));
  assert.match(err.status.message, /^conversion webhook for example\.com\/v1, Kind=Gadget failed: Post "https:\/\/localhost:1\/convert\?timeout=30s": dial tcp 127\.0\.0\.1:1: connect: connection refused$/);
  contributed = sizeToReplicas;
  assert.equal((await v2.get("a", { namespace: "default" })).spec, { replicas: 3 }, "a function contributed later is used at once");
});

test("strategy None ignores a contributed function: versions differ in apiVersion only", async () => {
  const crd = await crds.get("gadgets.example.com");
  await crds.update({ ...crd, spec: { ...crd.spec, conversion: { strategy: "None" } } });
  await settle(cp);
  calls.length = 0;
  const plain = await v2.get("a", { namespace: "default" });
  assert.equal([plain.apiVersion, plain.spec, calls], ["example.com/v2", { size: 3 }, []]);
  const back = await crds.get("gadgets.example.com");
  await crds.update({ ...back, spec: { ...back.spec, conversion: webhookConversion } } as unknown as CustomResourceDefinition & KubeObject);
  await settle(cp);
});

test("stored-version migration: after the storage version moves to v2, reads convert old objects and a rewrite stores them in v2", async () => {
  const crd = await crds.get("gadgets.example.com");
  const versions = crd.spec.versions.map((v) => ({ ...v, storage: v.name === "v2" }));
  await crds.update({ ...crd, spec: { ...crd.spec, versions } });
  await settle(cp);
  assert.equal((await crds.get("gadgets.example.com")).status?.storedVersions, ["v1", "v2"]);
  // Still stored in v1: served in v2 through the function.
  assert.is((await cp.store.get("/registry/example.com/gadgets/default/a"))?.apiVersion, "example.com/v1");
  assert.equal((await v2.get("a", { namespace: "default" })).spec, { replicas: 3 });
  // The storage version migrator's no-op update: each object read and written back (in v2) as it is.
  for (const item of (await v2.list({})).items) await v2.update(item);
  for (const name of ["a", "b"]) assert.is((await cp.store.get(`/registry/example.com/gadgets/default/${name}`))?.apiVersion, "example.com/v2");
  assert.equal(((await cp.store.get("/registry/example.com/gadgets/default/a")) as Gadget).spec, { replicas: 3 });
  // Then storedVersions may drop v1 (the migrator's last step), and v1 reads convert from v2.
  const migrated = await crds.get("gadgets.example.com");
  await crds.updateStatus({ ...migrated, status: { ...migrated.status!, storedVersions: ["v2"] } } as CustomResourceDefinition & KubeObject);
  assert.equal((await crds.get("gadgets.example.com")).status?.storedVersions, ["v2"]);
  assert.equal((await v1.get("b", { namespace: "default" })).spec, { size: 7 });
});

test.after(() => {
  cp.stop();
});

test.run();
