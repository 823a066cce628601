/** The metered store: etcd-equivalent request durations per operation and resource, and the object counts behind `apiserver_storage_objects`. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KubeObject } from "../../core/api/object.js";
import { ApiServerMetrics } from "../../core/apiserver/metrics/api-server-metrics.js";
import { MeteredStore } from "../../core/apiserver/metrics/metered-store.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { MemoryStore } from "../../core/store/memory-store.js";
import { parseExposition, sampleValue } from "../support/prometheus-text.js";

const cm = (name: string): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" } });
const widget = (name: string): KubeObject => ({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name, namespace: "default" } });
/** The gauge's label of a storage segment or a group/kind found at wrap time. */
const label = (s: string | { group: string; kind: string }): string => (typeof s === "string" ? s : `${s.kind.toLowerCase()}s${s.group ? `.${s.group}` : ""}`);

async function metered(inner = new MemoryStore()) {
  const metrics = new ApiServerMetrics({ processMetrics: false });
  const store = await MeteredStore.wrap(inner, metrics, new VirtualClock());
  metrics.setStorageCounts(() => store.objectCounts(label));
  return { store, scrape: async () => parseExposition(await metrics.scrape()) };
}

test("creates and deletes move the object count of their resource; failures and reads do not", async () => {
  const inner = new MemoryStore();
  await inner.create("/registry/configmaps/default/old", cm("old"));
  const { store, scrape } = await metered(inner);
  await store.create("/registry/configmaps/default/a", cm("a"));
  await store.create("/registry/configmaps/default/b", cm("b"));
  await store.create("/registry/example.com/widgets/default/w", widget("w"));
  let failed = false;
  await store.create("/registry/configmaps/default/a", cm("a")).catch(() => (failed = true));
  assert.ok(failed, "a second create of the same key fails");
  await store.delete("/registry/configmaps/default/b");
  await store.get("/registry/secrets/default/none");
  await store.list("/registry/services/");
  const m = await scrape();
  assert.is(sampleValue(m, "apiserver_storage_objects", { resource: "configmaps" }), 2, "old (found at wrap) + a");
  assert.is(sampleValue(m, "apiserver_storage_objects", { resource: "widgets.example.com" }), 1);
  const resources = m.get("apiserver_storage_objects")!.samples.map((s) => s.labels["resource"]).sort();
  assert.equal(resources, ["configmaps", "widgets.example.com"], "resources only read have no count");
});

test("every operation is observed once per call, labelled by operation and resource", async () => {
  const { store, scrape } = await metered();
  await store.create("/registry/configmaps/default/a", cm("a"));
  await store.create("/registry/configmaps/default/a", cm("a")).catch(() => undefined);
  const current = (await store.get("/registry/configmaps/default/a"))!;
  await store.update("/registry/configmaps/default/a", { ...current, data: { k: "v" } } as KubeObject);
  await store.list("/registry/configmaps/default/");
  await store.list("/registry/configmaps/default/");
  await store.delete("/registry/configmaps/default/a");
  await store.delete("/registry/configmaps/default/a").catch(() => undefined);
  await store.get("/registry/example.com/widgets/default/w");
  const m = await scrape();
  const count = (operation: string, type: string): number => sampleValue(m, "etcd_request_duration_seconds_count", { operation, type });
  assert.is(count("create", "configmaps"), 2, "a failed create is observed too");
  assert.is(count("get", "configmaps"), 1);
  assert.is(count("update", "configmaps"), 1);
  assert.is(count("list", "configmaps"), 2);
  assert.is(count("delete", "configmaps"), 2);
  assert.is(count("get", "widgets.example.com"), 1);
  assert.is(sampleValue(m, "etcd_request_duration_seconds_bucket", { operation: "list", type: "configmaps", le: "0.005" }), 2, "a virtual clock standing still: every observation in the first bucket");
});

test.run();
