import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { applyStrategicMergePatch, createStrategicMergePatch } from "../../core/api/patch/index.js";
import { jsonEqual } from "../../core/api/patch/json-value.js";
import { cloneJson } from "../../core/api/clone.js";
import { deepFreeze } from "./freeze.js";

// Pod statuses as the kubelet writes them: conditions merged by type, pod IPs by ip, container statuses replaced whole.
const condition = fc.record(
  { type: fc.constantFrom("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"), status: fc.constantFrom("True", "False"), reason: fc.constantFrom("ContainersNotReady", "PodCompleted"), lastTransitionTime: fc.constantFrom("2026-01-01T00:00:00Z", "2026-01-01T00:00:05Z") },
  { requiredKeys: ["type", "status"] },
);
const status = fc.record(
  {
    phase: fc.constantFrom("Pending", "Running", "Succeeded"),
    conditions: fc.uniqueArray(condition, { selector: (c) => c.type, maxLength: 5 }),
    hostIP: fc.constantFrom("172.18.0.2", "172.18.0.3"),
    podIP: fc.constantFrom("10.244.1.2", "10.244.1.3"),
    podIPs: fc.uniqueArray(fc.record({ ip: fc.constantFrom("10.244.1.2", "10.244.1.3", "fd00::2") }), { selector: (p) => p.ip, maxLength: 3 }),
    containerStatuses: fc.array(fc.record({ name: fc.constantFrom("nginx", "sidecar"), ready: fc.boolean(), restartCount: fc.nat(3), state: fc.oneof(fc.constant({ waiting: { reason: "ContainerCreating" } }), fc.constant({ running: { startedAt: "2026-01-01T00:00:01Z" } })) }), { maxLength: 2 }),
  },
  { requiredKeys: [] },
);
const labels = fc.dictionary(fc.constantFrom("app", "tier", "pod-template-hash"), fc.constantFrom("web", "front", "abc"), { maxKeys: 3 });
const pod = fc.record({ metadata: fc.record({ uid: fc.constant("u-1"), labels, finalizers: fc.uniqueArray(fc.constantFrom("a", "b", "c"), { maxLength: 3 }) }, { requiredKeys: ["uid"] }), status }, { requiredKeys: ["metadata"] });

/** Every member of `out` equal to `original`'s of the same name, at any depth, is `original`'s own (nothing the patch left as it was is copied). */
function assertShared(out: unknown, original: unknown, path: string): void {
  if (typeof out !== "object" || out === null || typeof original !== "object" || original === null) return;
  if (jsonEqual(out, original) && JSON.stringify(out) === JSON.stringify(original)) {
    assert.ok(out === original, `${path || "the object"} is equal to the original's, and should be it`);
    return;
  }
  if (Array.isArray(out) || Array.isArray(original)) return;
  for (const key in out) assertShared((out as Record<string, unknown>)[key], (original as Record<string, unknown>)[key], `${path}.${key}`);
}

test("property: applying the two-way patch from an object to another gives the other (inputs never mutated)", () => {
  fc.assert(
    fc.property(pod, pod, (from, to) => {
      const original = deepFreeze(cloneJson(from));
      const modified = deepFreeze(cloneJson(to));
      const patch = deepFreeze(createStrategicMergePatch(original, modified, "Pod"));
      const out = applyStrategicMergePatch(original, patch, "Pod");
      assert.ok(jsonEqual(out, modified), `${JSON.stringify(out)} != ${JSON.stringify(modified)} (patch ${JSON.stringify(patch)})`);
      assert.is(JSON.stringify(original), JSON.stringify(from));
    }),
    { numRuns: 3000 },
  );
});

test("property: what a patch leaves as it was is the original's own, and a patch changing nothing returns the original", () => {
  fc.assert(
    fc.property(pod, pod, (from, to) => {
      const original = deepFreeze(cloneJson(from));
      const patch = createStrategicMergePatch(original, to, "Pod");
      // The kubelet's uid precondition: a member set to the value it has.
      const withUid = deepFreeze({ ...patch, metadata: { ...(patch["metadata"] as object), uid: "u-1" } });
      const out = applyStrategicMergePatch(original, withUid, "Pod");
      assertShared(out, original, "");
      assert.is(applyStrategicMergePatch(original, { metadata: { uid: "u-1" } }, "Pod"), original);
      if (original.status) assert.is(applyStrategicMergePatch(original, { status: { ...original.status } }, "Pod").status, original.status);
    }),
    { numRuns: 3000 },
  );
});

test("a patch setting a condition to what it is keeps the list; one changing a condition shares the others", () => {
  const original = deepFreeze({ metadata: { uid: "u" }, status: { conditions: [{ type: "Ready", status: "True" }, { type: "Initialized", status: "True" }] } });
  const same = applyStrategicMergePatch(original, { status: { conditions: [{ type: "Ready", status: "True" }] } }, "Pod");
  assert.is(same, original);
  const changed = applyStrategicMergePatch(original, { metadata: { uid: "u" }, status: { conditions: [{ type: "Ready", status: "False" }] } }, "Pod");
  assert.equal(changed.status.conditions, [{ type: "Ready", status: "False" }, { type: "Initialized", status: "True" }]);
  assert.is(changed.metadata, original.metadata);
  assert.is(changed.status.conditions[1], original.status.conditions[1]);
});

test.run();
