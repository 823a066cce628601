import { test } from "uvu";
import * as assert from "uvu/assert";
import { updateManagedFields } from "../../core/api/patch/index.js";

const now = new Date(Date.UTC(2026, 0, 1));
const samples = [
  { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "d", uid: "u", labels: { a: "b" }, finalizers: ["x/y"], ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "1", controller: true }] }, spec: { containers: [{ name: "c", image: "i", ports: [{ containerPort: 80 }, { containerPort: 53, protocol: "UDP" }], env: [{ name: "A", value: "1" }] }], tolerations: [{ key: "k", operator: "Exists" }] }, status: { phase: "Pending" } },
  { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", generation: 1, annotations: { x: "1" } }, spec: { replicas: 2, selector: { matchLabels: { app: "x" } }, template: { metadata: { labels: { app: "x" } }, spec: { containers: [{ name: "a", image: "b" }] } } } },
  { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w", labels: {} }, spec: { list: [1, 2], nested: { deep: { x: null } } } },
  { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "only-untracked", uid: "u" } },
  { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "empty-tracked", finalizers: [] }, data: {} },
  { apiVersion: "v1", kind: "Pod", metadata: { name: "dups" }, spec: { containers: [{ name: "c", env: [{ name: "A", value: "1" }, { name: "A", value: "2" }] }] } },
  { apiVersion: "v1", kind: "Service", metadata: { name: "s", labels: { "we\"ird": "x" } }, spec: { ports: [{ port: 80 }, { port: 53, protocol: "UDP" }], selector: { app: "x" } } },
];

test("the create fast path records exactly what the general comparison records", () => {
  for (const obj of samples) {
    const fast = updateManagedFields(undefined, obj as never, { manager: "m", now });
    const general = updateManagedFields({} as never, obj as never, { manager: "m", now });
    assert.equal((fast as { metadata?: { managedFields?: unknown } }).metadata?.managedFields, (general as { metadata?: { managedFields?: unknown } }).metadata?.managedFields, obj.kind);
  }
});

test.run();
