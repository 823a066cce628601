/**
 * A write derives each manager's new set from its interned set (a manager losing the changed
 * fields, the writer taking them) through a memo keyed by the base set and the change; the change's
 * hashes are computed only when a base is derived again, for the new change and for the changes
 * recorded before without them. Differential check over random status and spec writes to pods that
 * share their sets (so bases are derived once, twice or many times, by equal changes in other key
 * orders and by different ones): every write's managedFields are those of the same write to a JSON
 * copy of the object, whose sets are its own (no memo applies to them).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { updateManagedFields } from "../../core/api/patch/index.js";

type Obj = { metadata: { managedFields?: unknown[]; labels?: Record<string, string> } } & Record<string, unknown>;

const pod = (name: string) => ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "d", labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "i" }] } });

/** An object with its keys in reverse order (nested objects and list items too). */
function reversed(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reversed);
  if (v === null || typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).reverse()) out[k] = reversed((v as Record<string, unknown>)[k]);
  return out;
}

const condition = fc.record({ type: fc.constantFrom("Ready", "Initialized", "PodScheduled"), status: fc.constantFrom("True", "False") });
const status = fc.record(
  {
    phase: fc.constantFrom("Pending", "Running"),
    podIP: fc.constantFrom("10.0.0.1", "10.0.0.2"),
    hostIP: fc.constant("192.168.0.1"),
    conditions: fc.uniqueArray(condition, { selector: (c) => c.type, maxLength: 3 }),
  },
  { requiredKeys: [] },
);
const write = fc.record({
  pod: fc.nat(3),
  manager: fc.constantFrom("kubelet", "kubelet", "scheduler", "m"),
  status,
  labels: fc.option(fc.dictionary(fc.constantFrom("a", "b", "app"), fc.constantFrom("1", "2"), { maxKeys: 2 }), { nil: undefined }),
  reverse: fc.boolean(),
  second: fc.nat(2),
});

test("a write's managedFields derived through the memo equal those of the same write to a copy", () => {
  fc.assert(
    fc.property(fc.array(write, { minLength: 1, maxLength: 12 }), (writes) => {
      const start = Date.UTC(2026, 0, 1, 10, 0, 0);
      const pods = [0, 1, 2, 3].map((i) => updateManagedFields(undefined, pod(`p${i}`) as never, { manager: "m", now: new Date(start) }) as unknown as Obj);
      for (const w of writes) {
        const old = pods[w.pod]!;
        const now = new Date(start + w.second * 1000);
        const subresource = w.labels === undefined ? "status" : undefined;
        const next: Obj = subresource ? { ...old, status: w.status } : { ...old, metadata: { ...old.metadata, labels: w.labels } };
        const draft = (w.reverse ? reversed(next) : next) as Obj;
        const options = { manager: w.manager, now, ...(subresource ? { subresource } : {}) };
        const copy = JSON.parse(JSON.stringify(old)) as Obj;
        const expected = updateManagedFields(copy as never, JSON.parse(JSON.stringify(draft)) as never, options) as unknown as Obj;
        const got = updateManagedFields(old as never, draft as never, options) as unknown as Obj;
        assert.is(JSON.stringify(got.metadata.managedFields), JSON.stringify(expected.metadata.managedFields));
        pods[w.pod] = got;
      }
    }),
    { numRuns: 1500 },
  );
});

test.run();
