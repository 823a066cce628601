import { test } from "uvu";
import * as assert from "uvu/assert";
import { MemoryStore } from "../../core/store/memory-store.js";

test("labelFilter: applied to the stored labels before the limit; follows updates; no remainingItemCount", async () => {
  const store = new MemoryStore();
  for (let i = 0; i < 10; i++) await store.create(`/registry/pods/ns/p${i}`, { metadata: { name: `p${i}`, labels: { parity: i % 2 ? "odd" : "even" } } });
  const odd = (l: Readonly<Record<string, string>> | undefined) => l?.["parity"] === "odd";
  const page = await store.list("/registry/pods/", { labelFilter: odd, limit: 2 });
  assert.equal(page.items.map((o) => o.metadata!.name), ["p1", "p3"]);
  assert.ok(page.continue);
  assert.is(page.remainingItemCount, undefined);
  await store.update("/registry/pods/ns/p1", { metadata: { name: "p1", labels: { parity: "even" } } });
  const after = await store.list("/registry/pods/", { labelFilter: odd });
  assert.equal(after.items.map((o) => o.metadata!.name), ["p3", "p5", "p7", "p9"]);
  const both = await store.list("/registry/pods/", { labelFilter: odd, filter: (o) => o.metadata!.name !== "p5" });
  assert.equal(both.items.map((o) => o.metadata!.name), ["p3", "p7", "p9"]);
});

test.run();
