import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ConfigMap } from "kubernetes-types/core/v1.js";
import type { Condition } from "kubernetes-types/meta/v1.js";
import {
  defineCustomResource,
  defineOperator,
  setStatusCondition,
  setControllerReference,
  AlreadyOwnedError,
  createOrUpdate,
  reconcileFinalizer,
  startOperatorTestCluster,
  isStatusConditionTrue,
  resourceSchema,
  conditionsSchema,
  hubAndSpokeConversion,
  type CustomResource,
} from "../../core/operator/index.js";
import { controllerFor, type Manager } from "../../core/controller/index.js";
import type { KubeObject } from "../../core/api/object.js";
import { Cluster } from "../../core/cluster/cluster.js";

interface GreetingSpec { message: string }
interface GreetingStatus { conditions?: Condition[]; observedMessage?: string }
type Greeting = CustomResource<GreetingSpec, GreetingStatus>;

const Greeting = defineCustomResource<GreetingSpec, GreetingStatus>({
  group: "demo.example.com",
  kind: "Greeting",
  shortNames: ["gr"],
  versions: [
    {
      name: "v1",
      schema: resourceSchema({ spec: { required: ["message"], properties: { message: { type: "string" } } }, status: { properties: { observedMessage: { type: "string" }, conditions: conditionsSchema } } }),
      subresources: { status: true },
      additionalPrinterColumns: [{ name: "Message", type: "string", jsonPath: ".spec.message" }],
    },
  ],
});

const FINALIZER = "demo.example.com/cleanup";
/** What the finalizer's cleanup saw (an "external system"). */
const cleaned: string[] = [];
let reconciles = 0;

function greetingController(mgr: Manager): void {
  const greetings = Greeting.client(mgr.client);
  const configMaps = mgr.client.resource<ConfigMap>("ConfigMap");
  const lister = mgr.informers.forResource<Greeting>(Greeting.ref).lister();
  controllerFor(mgr)
    .named("greeting")
    .for(Greeting.ref)
    .owns("ConfigMap")
    .complete({
      async reconcile(req) {
        reconciles++;
        const g = lister.get(`${req.namespace}/${req.name}`);
        if (!g) return;
        const outcome = await reconcileFinalizer(greetings, g, FINALIZER, (obj) => void cleaned.push(obj.metadata!.name!));
        if (outcome.state !== "live") return;
        const live = outcome.object;
        await createOrUpdate(configMaps, { namespace: req.namespace, name: `${req.name}-greeting` }, (cm) => {
          const owned = setControllerReference(live, cm);
          return { ...owned, data: { message: live.spec!.message } };
        });
        const { conditions, changed } = setStatusCondition(live.status?.conditions, { type: "Ready", status: "True", reason: "ConfigMapWritten", message: `greeting ${live.spec!.message}`, observedGeneration: live.metadata!.generation! }, mgr.clock.now());
        if (changed || live.status?.observedMessage !== live.spec!.message) {
          await greetings.updateStatus({ ...live, status: { ...live.status, conditions, observedMessage: live.spec!.message } }, { namespace: req.namespace! });
        }
      },
    });
}

const greetingOperator = defineOperator({ name: "greeting-operator", customResources: [Greeting], controllers: { greeting: greetingController } });

test("setStatusCondition: lastTransitionTime moves only when the status changes; reason, message and observedGeneration always follow", () => {
  const t0 = Date.UTC(2026, 0, 1);
  let r = setStatusCondition(undefined, { type: "Ready", status: "False", reason: "Starting", message: "", observedGeneration: 1 }, t0);
  assert.ok(r.changed);
  assert.is(r.conditions[0]!.lastTransitionTime, "2026-01-01T00:00:00Z");
  r = setStatusCondition(r.conditions, { type: "Ready", status: "False", reason: "Waiting", message: "1/3", observedGeneration: 2 }, t0 + 5000);
  assert.ok(r.changed);
  assert.is(r.conditions[0]!.lastTransitionTime, "2026-01-01T00:00:00Z");
  assert.is(r.conditions[0]!.reason, "Waiting");
  assert.is(r.conditions[0]!.observedGeneration, 2);
  const same = setStatusCondition(r.conditions, { type: "Ready", status: "False", reason: "Waiting", message: "1/3", observedGeneration: 2 }, t0 + 9000);
  assert.not.ok(same.changed);
  r = setStatusCondition(r.conditions, { type: "Ready", status: "True", reason: "Done", message: "", observedGeneration: 2 }, t0 + 10_000);
  assert.is(r.conditions[0]!.lastTransitionTime, "2026-01-01T00:00:10Z");
  r = setStatusCondition(r.conditions, { type: "Degraded", status: "False", reason: "AsExpected", message: "" }, t0 + 11_000);
  assert.equal(r.conditions.map((c) => c.type), ["Ready", "Degraded"]);
});

test("a declared conversion makes a Webhook CRD naming the operator's Service; hubAndSpokeConversion goes through the hub", () => {
  const toHub = (o: KubeObject) => ({ ...o, spec: { n: Number((o as { spec: { s: string } }).spec.s) } }) as KubeObject;
  const fromHub = (o: KubeObject) => ({ ...o, spec: { s: String((o as { spec: { n: number } }).spec.n) } }) as KubeObject;
  const convert = hubAndSpokeConversion({ hub: "v2", spokes: { v1: { toHub, fromHub }, v3: { toHub, fromHub } } });
  const kind = defineCustomResource({ group: "x.example.com", kind: "Thing", conversion: { convert }, versions: [{ name: "v2", schema: { type: "object" } }, { name: "v1", schema: { type: "object" } }] });
  assert.equal(kind.crd().spec.conversion, { strategy: "Webhook", webhook: { conversionReviewVersions: ["v1"], clientConfig: { service: { namespace: "kube-system", name: "things-conversion", path: "/convert", port: 443 } } } });
  assert.is(kind.conversion, convert);
  assert.equal(defineCustomResource({ group: "x.example.com", kind: "Plain", versions: [{ name: "v1", schema: { type: "object" } }] }).crd().spec.conversion, undefined);
  const v1 = { apiVersion: "x.example.com/v1", kind: "Thing", metadata: { name: "t" }, spec: { s: "7" } } as KubeObject;
  assert.equal(convert(v1, "x.example.com/v2"), { apiVersion: "x.example.com/v2", kind: "Thing", metadata: { name: "t" }, spec: { n: 7 } });
  // spoke to spoke through the hub
  assert.equal(convert(v1, "x.example.com/v3"), { ...v1, apiVersion: "x.example.com/v3" });
  try {
    convert(v1, "x.example.com/v9");
    assert.unreachable();
  } catch (err) {
    assert.is((err as Error).message, 'no conversion for version "v9" (hub v2, spokes v1, v3)');
  }
});

test("setControllerReference refuses a second controller and cross-namespace owners", () => {
  const owner = { apiVersion: "demo.example.com/v1", kind: "Greeting", metadata: { name: "a", namespace: "default", uid: "u1" } };
  const owned = setControllerReference<ConfigMap>(owner, { metadata: { name: "cm", namespace: "default" } });
  assert.equal(owned.metadata!.ownerReferences, [{ apiVersion: "demo.example.com/v1", kind: "Greeting", name: "a", uid: "u1", controller: true, blockOwnerDeletion: true }]);
  assert.equal(setControllerReference(owner, owned).metadata!.ownerReferences!.length, 1);
  try {
    setControllerReference({ ...owner, metadata: { ...owner.metadata, name: "b", uid: "u2" } }, owned);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, AlreadyOwnedError);
    assert.match((err as Error).message, /already owned by another Greeting controller a/);
  }
  assert.throws(() => setControllerReference(owner, { metadata: { name: "x", namespace: "other" } }), /cross-namespace owner references are disallowed/);
});

test("an operator plugin installs its CRD at start; owned objects, conditions, owner-enqueue and the finalizer work", async () => {
  const h = await startOperatorTestCluster({ operators: [greetingOperator], plugins: [] });
  try {
    const client = h.cluster.client;
    const crd = await client.resource("CustomResourceDefinition").get("greetings.demo.example.com");
    assert.ok((crd.status as { conditions: Condition[] }).conditions.some((c) => c.type === "Established" && c.status === "True"));
    await Greeting.client(client).create({ apiVersion: Greeting.apiVersion, kind: "Greeting", metadata: { name: "hello", namespace: "default" }, spec: { message: "hi" } }, { namespace: "default" });
    let g = await h.waitForCondition<Greeting>(Greeting.ref, { namespace: "default", name: "hello" }, "Ready");
    assert.equal(g.metadata!.finalizers, [FINALIZER]);
    const ready = g.status!.conditions!.find((c) => c.type === "Ready")!;
    assert.is(ready.observedGeneration, 1);
    const cm = await client.resource<ConfigMap>("ConfigMap").get("hello-greeting", { namespace: "default" });
    assert.is(cm.data!["message"], "hi");
    assert.is(cm.metadata!.ownerReferences![0]!.uid, g.metadata!.uid);

    // A spec change bumps the generation; the condition follows it but keeps its transition time.
    await Greeting.client(client).patch("hello", "merge", { spec: { message: "hello there" } }, { namespace: "default" });
    g = await h.cluster.waitFor<Greeting>(Greeting.ref, (x) => x.status?.observedMessage === "hello there", { namespace: "default" });
    const ready2 = g.status!.conditions!.find((c) => c.type === "Ready")!;
    assert.is(ready2.observedGeneration, 2);
    assert.is(ready2.lastTransitionTime, ready.lastTransitionTime);
    assert.ok(isStatusConditionTrue(g.status!.conditions, "Ready"));

    // Owner-enqueue: changing the owned ConfigMap reconciles the Greeting, which puts it back.
    const before = reconciles;
    const tampered = await client.resource<ConfigMap>("ConfigMap").patch("hello-greeting", "merge", { data: { message: "tampered" } }, { namespace: "default" });
    const fixed = await h.cluster.waitFor<ConfigMap>("ConfigMap", (c) => c.metadata?.name === "hello-greeting" && c.data?.["message"] === "hello there" && Number(c.metadata?.resourceVersion) > Number(tampered.metadata!.resourceVersion), { namespace: "default" });
    assert.is(fixed.data!["message"], "hello there");
    assert.ok(reconciles > before);

    // Deleting runs the cleanup, removes the finalizer, and the object goes.
    await Greeting.client(client).delete("hello", { namespace: "default" });
    for (let i = 0; i < 100; i++) {
      try {
        await Greeting.client(client).get("hello", { namespace: "default" });
        await h.cluster.clock.sleep(100);
      } catch {
        break;
      }
    }
    assert.equal(cleaned, ["hello"]);
    try {
      await Greeting.client(client).get("hello", { namespace: "default" });
      assert.unreachable("the Greeting should be gone");
    } catch (err) {
      assert.match((err as Error).message, /not found/);
    }
  } finally {
    await h.stop();
  }
});

test("a CRD the API server refuses fails the cluster start, naming the operator and the field", async () => {
  const bad = defineCustomResource({ group: "demo.example.com", kind: "Broken", versions: [{ name: "v1", schema: { type: "object", properties: { spec: { properties: { x: { type: "string" } } } } } }] });
  const cluster = new Cluster({ clock: "virtual", seed: 1, plugins: [] }).use(defineOperator({ name: "broken-operator", customResources: [bad], controllers: {} }));
  try {
    await cluster.start();
    assert.unreachable("start should fail");
  } catch (err) {
    assert.match((err as Error).message, /plugin "broken-operator" failed to start/);
    assert.match((err as Error).message, /properties\[spec\]\.type: Required value/);
  } finally {
    await cluster.stop();
  }
});

test.run();
