import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import type { PriorityClass } from "kubernetes-types/scheduling/v1.js";
import { testControlPlane, statusOf } from "../support/control-plane.js";
import { priorityAdmission } from "../../core/apiserver/admission/priority.js";
import type { AdmissionContext } from "../../core/apiserver/admission.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { FakeClient } from "./fake-client.js";
import { PODS } from "./descriptors.js";

const pod = (name: string, spec: Partial<Pod["spec"]> = {}): Pod => ({ metadata: { name, namespace: "default" }, spec: { containers: [{ name: "c", image: "busybox" }], ...spec } });

test("system PriorityClasses exist; pods get priority from their class, 0 without one", async () => {
  const { client } = await testControlPlane();
  const classes = (await client.resource<PriorityClass>("PriorityClass").list()).items.map((c) => `${c.metadata!.name}=${c.value}`).sort();
  assert.equal(classes, ["system-cluster-critical=2000000000", "system-node-critical=2000001000"]);
  const plain = (await client.resource<Pod>("Pod").create(pod("plain"))) as Pod;
  assert.is(plain.spec!.priority, 0);
  assert.is(plain.spec!.preemptionPolicy, "PreemptLowerPriority");
  const critical = (await client.resource<Pod>("Pod").create(pod("critical", { priorityClassName: "system-node-critical" }))) as Pod;
  assert.is(critical.spec!.priority, 2000001000);
});

test("a global default class applies to pods naming none; only one default may exist", async () => {
  const { client } = await testControlPlane();
  const pcs = client.resource<PriorityClass>("pc");
  const made = (await pcs.create({ metadata: { name: "batch" }, value: 100, globalDefault: true, preemptionPolicy: "Never" } as PriorityClass)) as PriorityClass;
  assert.is(made.preemptionPolicy, "Never");
  const p = (await client.resource<Pod>("Pod").create(pod("p"))) as Pod;
  assert.is(p.spec!.priorityClassName, "batch");
  assert.is(p.spec!.priority, 100);
  assert.is(p.spec!.preemptionPolicy, "Never");
  const second = await statusOf(pcs.create({ metadata: { name: "other" }, value: 5, globalDefault: true } as PriorityClass));
  assert.is(second.code, 403);
  assert.match(second.message, /PriorityClass batch is already marked as default\. Only one default can exist/);
});

test("refusals: a missing class, a priority the class disagrees with, reserved names and values", async () => {
  const { client } = await testControlPlane();
  const missing = await statusOf(client.resource<Pod>("Pod").create(pod("m", { priorityClassName: "nope" })));
  assert.is(missing.code, 403);
  assert.match(missing.message, /no PriorityClass with name nope was found/);
  const given = await statusOf(client.resource<Pod>("Pod").create(pod("g", { priority: 7 })));
  assert.match(given.message, /the integer value of priority \(7\) must not be provided in pod spec; priority admission controller computed 0/);
  const pcs = client.resource("PriorityClass");
  const reserved = await statusOf(pcs.create({ metadata: { name: "system-mine" }, value: 1 } as never));
  assert.is(reserved.code, 422);
  assert.match(reserved.message, /priority class names with 'system-' prefix are reserved/);
  const tooHigh = await statusOf(pcs.create({ metadata: { name: "huge" }, value: 1_000_000_001 } as never));
  assert.match(tooHigh.message, /maximum allowed value of a user defined priority is 1000000000/);
  const ok = await pcs.create({ metadata: { name: "mid" }, value: 10 } as never);
  const immutable = await statusOf(pcs.update({ ...ok, value: 11 } as never));
  assert.match(immutable.message, /value: Invalid value: 11: field is immutable/);
});

test("validating a pod answers synchronously (nothing for the admission chain to await on every create)", () => {
  const ctx: AdmissionContext = { client: new FakeClient(), clock: new VirtualClock() };
  const p = pod("p");
  assert.is(priorityAdmission.validate!({ operation: "CREATE", resource: PODS, namespace: "default", name: "p", object: p as never, dryRun: false }, ctx), undefined);
});

test.run();
