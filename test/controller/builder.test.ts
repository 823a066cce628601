/** Controllers built with the builder against the in-process stack: reconcile triggers, results, errors, mapping, predicates. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ConfigMap, Namespace } from "kubernetes-types/core/v1.js";
import { controllerFor } from "../../core/controller/builder.js";
import { TerminalError, requestKey, type Request } from "../../core/controller/reconciler.js";
import { generationChanged, labelChanged } from "../../core/controller/predicates.js";
import { managerHarness, settle } from "./harness.js";

const cm = (name: string, ns = "default", extra: Partial<ConfigMap> = {}): ConfigMap => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns, ...extra.metadata }, data: extra.data ?? {} });

test("reconciles on add, update and delete; one informer per resource however many controllers", async () => {
  const h = await managerHarness();
  const seen: string[] = [];
  const seen2: string[] = [];
  await h.client.resource<ConfigMap>("ConfigMap").create(cm("before"));
  controllerFor(h.mgr).named("a").for("ConfigMap").complete({ reconcile: (r) => void seen.push(requestKey(r)) });
  controllerFor(h.mgr).named("b").for("configmaps").complete({ reconcile: (r) => void seen2.push(requestKey(r)) });
  assert.is(h.informers.all().length, 1, "both controllers share the ConfigMap informer");
  await h.mgr.start();
  await settle();
  assert.ok(seen.includes("default/before"), "initial list enqueues existing objects");
  seen.length = 0;
  const cms = h.client.resource<ConfigMap>("ConfigMap");
  const created = await cms.create(cm("x"));
  await settle();
  assert.equal(seen, ["default/x"]);
  await cms.update({ ...created, data: { a: "1" } });
  await settle();
  assert.equal(seen, ["default/x", "default/x"]);
  await cms.delete("x", { namespace: "default" });
  await settle();
  assert.equal(seen, ["default/x", "default/x", "default/x"]);
  assert.ok(seen2.includes("default/x"));
  assert.throws(() => controllerFor(h.mgr).named("a").for("Pod").complete({ reconcile: () => {} }), /already exists/);
  await h.mgr.stop();
  assert.is(h.clock.pending, 0);
});

test("requeueAfter reconciles again after that long on the clock", async () => {
  const h = await managerHarness();
  const times: number[] = [];
  controllerFor(h.mgr).for("ConfigMap").complete({
    reconcile: () => {
      times.push(h.clock.now());
      return times.length < 3 ? { requeueAfter: 30_000 } : undefined;
    },
  });
  await h.client.resource<ConfigMap>("ConfigMap").create(cm("r"));
  await h.mgr.start();
  await settle();
  const t0 = times[0]!;
  await h.clock.advance(29_999);
  assert.is(times.length, 1);
  await h.clock.advance(1);
  assert.is(times.length, 2);
  await h.clock.advance(30_000);
  assert.equal(times.map((t) => t - t0), [0, 30_000, 60_000]);
  await h.clock.advance(300_000);
  assert.is(times.length, 3, "no requeue after a plain success");
  await h.mgr.stop();
  assert.is(h.clock.pending, 0);
});

test("errors retry with exponential backoff (5 ms, 10 ms, 20 ms ...), then success forgets; terminal errors do not retry", async () => {
  const h = await managerHarness();
  const times: number[] = [];
  let terminalCalls = 0;
  controllerFor(h.mgr).for("ConfigMap").complete({
    reconcile: (req) => {
      if (req.name === "terminal") {
        terminalCalls++;
        throw new TerminalError("spec is invalid");
      }
      times.push(h.clock.now());
      if (times.length <= 4) throw new Error("transient");
      return undefined;
    },
  });
  await h.client.resource<ConfigMap>("ConfigMap").create(cm("flaky"));
  await h.client.resource<ConfigMap>("ConfigMap").create(cm("terminal"));
  await h.mgr.start();
  await settle();
  await h.clock.advance(10_000);
  const t0 = times[0]!;
  assert.equal(times.map((t) => t - t0), [0, 5, 15, 35, 75]);
  assert.is(terminalCalls, 1);
  await h.clock.advance(2_000_000);
  assert.is(times.length, 5, "no retry after success");
  await h.mgr.stop();
  assert.is(h.clock.pending, 0);
});

test("requeue: true adds the key again rate-limited", async () => {
  const h = await managerHarness();
  let calls = 0;
  controllerFor(h.mgr).for("ConfigMap").complete({ reconcile: () => (++calls < 3 ? { requeue: true } : undefined) });
  await h.client.resource<ConfigMap>("ConfigMap").create(cm("q"));
  await h.mgr.start();
  await settle();
  await h.clock.advance(1000);
  assert.is(calls, 3);
  await h.mgr.stop();
});

test("owns() enqueues the controlling owner of the For type; watches() enqueues what the map function returns", async () => {
  const h = await managerHarness();
  const seen: string[] = [];
  const ns = await h.client.resource<Namespace>("Namespace").create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "team" } });
  controllerFor(h.mgr)
    .for("Namespace")
    .owns("ConfigMap")
    .watches<ConfigMap>("Secret", (s) => [{ name: `secret-of-${s.metadata!.namespace}` }])
    .complete({ reconcile: (r) => void seen.push(requestKey(r)) });
  await h.mgr.start();
  await settle();
  seen.length = 0;
  const owner = { apiVersion: "v1", kind: "Namespace", name: "team", uid: ns.metadata!.uid! };
  await h.client.resource<ConfigMap>("ConfigMap").create(cm("owned", "team", { metadata: { ownerReferences: [{ ...owner, controller: true }] } }));
  await h.client.resource<ConfigMap>("ConfigMap").create(cm("not-controller", "team", { metadata: { ownerReferences: [{ ...owner, name: "other" }] } }));
  await h.client.resource<ConfigMap>("ConfigMap").create(cm("other-kind", "team", { metadata: { ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "d", uid: "u", controller: true }] } }));
  await settle();
  assert.equal(seen, ["team"], "only the controlling Namespace owner; cluster-scoped owner has no namespace");
  seen.length = 0;
  await h.client.resource("Secret").create({ apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "team" } });
  await settle();
  assert.equal(seen, ["secret-of-team"]);
  await h.mgr.stop();
});

/** Lets every update through except those of one name: a predicate reading its own state. */
class SkipName {
  constructor(private readonly name: string) {}
  update(_old: ConfigMap, obj: ConfigMap): boolean {
    return obj.metadata?.name !== this.name;
  }
}

test("predicates filter events: generationChanged drops status-only and metadata-only updates; labelChanged; custom", async () => {
  const h = await managerHarness();
  const byLabel: string[] = [];
  const custom: string[] = [];
  controllerFor(h.mgr).named("labels").for("ConfigMap", { predicates: [labelChanged] }).complete({ reconcile: (r) => void byLabel.push(r.name) });
  controllerFor(h.mgr)
    .named("custom")
    // Several predicates, each judging some kinds of events; a method is called on its predicate (`this`).
    .for<ConfigMap>("ConfigMap", { predicates: [{ create: (o) => o.metadata?.name !== "ignored", delete: () => false }, new SkipName("b"), { create: () => true }] })
    .complete({ reconcile: (r) => void custom.push(r.name) });
  // A predicate whose methods read its own fields (called as methods of the predicate).
  class NamedOnly {
    constructor(readonly name: string) {}
    create(o: ConfigMap): boolean {
      return o.metadata?.name === this.name;
    }
    update(_o: ConfigMap, n: ConfigMap): boolean {
      return n.metadata?.name === this.name;
    }
  }
  const named: string[] = [];
  controllerFor(h.mgr).named("named").for<ConfigMap>("ConfigMap", { predicates: [new NamedOnly("a")] }).complete({ reconcile: (r) => void named.push(r.name) });
  await h.mgr.start();
  const cms = h.client.resource<ConfigMap>("ConfigMap");
  const a = await cms.create(cm("a"));
  await cms.create(cm("ignored"));
  await settle();
  assert.equal(byLabel.sort(), ["a", "ignored"], "creates pass labelChanged");
  assert.equal(custom, ["a"]);
  const a2 = await cms.update({ ...a, data: { x: "1" } });
  const b = await cms.create(cm("b"));
  await settle();
  await cms.update({ ...b, data: { x: "1" } });
  await settle();
  assert.equal(byLabel.length, 3, "a data change is not a label change");
  assert.equal(custom, ["a", "a", "b"], "b's update is dropped by SkipName");
  assert.equal(named, ["a", "a"], "a class predicate's methods see their instance");
  await cms.update({ ...a2, metadata: { ...a2.metadata, labels: { l: "1" } } });
  await settle();
  assert.equal(byLabel.length, 4);
  await cms.delete("a", { namespace: "default" });
  await settle();
  assert.equal(custom.length, 4, "deletes filtered by the custom predicate");
  assert.equal(byLabel.length, 5);
  const gen = generationChanged.update!;
  assert.not.ok(gen({ metadata: { generation: 1 } }, { metadata: { generation: 1 } }));
  assert.ok(gen({ metadata: { generation: 1 } }, { metadata: { generation: 2 } }));
  await h.mgr.stop();
});

test("one key is never reconciled concurrently, while different keys run in parallel up to maxConcurrentReconciles", async () => {
  const h = await managerHarness();
  const active = new Map<string, number>();
  let maxSameKey = 0;
  let maxParallel = 0;
  let running = 0;
  let calls = 0;
  const controller = controllerFor(h.mgr)
    .for("ConfigMap")
    .withOptions({ maxConcurrentReconciles: 3 })
    .complete({
      reconcile: async (r: Request) => {
        const k = requestKey(r);
        active.set(k, (active.get(k) ?? 0) + 1);
        running++;
        calls++;
        maxSameKey = Math.max(maxSameKey, active.get(k)!);
        maxParallel = Math.max(maxParallel, running);
        await h.clock.sleep(100);
        active.set(k, active.get(k)! - 1);
        running--;
      },
    });
  await h.mgr.start();
  await settle();
  for (let i = 0; i < 5; i++) for (const n of ["a", "b", "c", "d"]) controller.enqueue({ namespace: "default", name: n });
  await settle();
  for (let i = 0; i < 5; i++) controller.enqueue({ namespace: "default", name: "a" });
  await h.clock.advance(1000);
  assert.is(maxSameKey, 1);
  assert.is(maxParallel, 3);
  assert.ok(calls >= 5, `a re-added while running is reconciled again (calls ${calls})`);
  await h.mgr.stop();
  assert.is(h.clock.pending, 0);
});

test("a burst of events for one key in one turn makes one reconcile, which sees them all", async () => {
  const h = await managerHarness();
  const seen: string[][] = [];
  const configMaps = h.informers.forResource<ConfigMap>("ConfigMap");
  const controller = controllerFor(h.mgr)
    .named("burst")
    .for("Namespace")
    .watches<ConfigMap>("ConfigMap", () => [{ name: "all" }])
    .complete({ reconcile: () => void seen.push(configMaps.lister().list().map((c) => c.metadata!.name!).sort()) });
  await h.mgr.start();
  await settle();
  seen.length = 0;
  const before = controller.reconciles;
  // Five writes at once: their watch events reach the handler in one turn, the worker the next.
  await Promise.all(["a", "b", "c", "d", "e"].map((n) => h.client.resource<ConfigMap>("ConfigMap").create(cm(n))));
  await settle();
  assert.equal(seen, [["a", "b", "c", "d", "e"]]);
  assert.is(controller.reconciles - before, 1);
  // Direct adds of one key in one turn: one reconcile too.
  for (let i = 0; i < 10; i++) controller.enqueue({ name: "all" });
  await settle();
  assert.is(controller.reconciles - before, 2);
  await h.mgr.stop();
});

test.run();
