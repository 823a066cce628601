import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KubeObject } from "../../core/api/object.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { DurableStore, type DurableStoreOptions } from "../../core/store/durable-store.js";
import { crc32, tableCrc32 } from "../../core/store/durable/crc32.js";
import { objectStorageKey } from "../../core/store/keys.js";
import type { StoreEvent } from "../../core/store/store.js";
import { runStoreConformance } from "./store-conformance.js";

const root = mkdtempSync(join(tmpdir(), "kubesim-durable-"));
let dirs = 0;
const freshDir = () => join(root, `s${dirs++}`);
const open: DurableStore[] = [];

async function openStore(dir: string, options: DurableStoreOptions = {}): Promise<DurableStore> {
  const store = await DurableStore.open(dir, { warn: () => {}, ...options });
  open.push(store);
  return store;
}

runStoreConformance("DurableStore", (options) => openStore(freshDir(), options), async () => {
  for (const store of open.splice(0)) await store.close();
});

function pod(name: string, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", uid: `uid-${name}` }, spec: { containers: [{ name: "c", image: "nginx" }] }, ...extra };
}
const key = (name: string) => objectStorageKey("pods", "default", name);

/** Writes a known history: 20 creates, updates of the even ones, deletes of every fifth. */
async function writeHistory(store: DurableStore): Promise<void> {
  for (let i = 0; i < 20; i++) await store.create(key(`p${i}`), pod(`p${i}`));
  for (let i = 0; i < 20; i += 2) await store.update(key(`p${i}`), pod(`p${i}`, { status: { phase: "Running" } }));
  for (let i = 0; i < 20; i += 5) await store.delete(key(`p${i}`));
}

async function contents(store: DurableStore): Promise<string> {
  return JSON.stringify((await store.list("/registry/")).items);
}

test("crc32: the table implementation matches the native one", () => {
  const data = Buffer.from("kubesim durable store \u00e9\u4e16");
  assert.is(tableCrc32(data), crc32(data));
  assert.is(crc32(Buffer.from("123456789")), 0xcbf43926);
});

test("restart restores objects, the revision counter and the watch history window", async () => {
  const dir = freshDir();
  const first = await openStore(dir);
  await writeHistory(first);
  const before = await contents(first);
  const revision = first.currentRevision();
  await first.close();

  const second = await openStore(dir);
  assert.is(second.currentRevision(), revision);
  assert.is(await contents(second), before);
  const p1 = await second.get(key("p1"));
  assert.is(p1?.metadata?.resourceVersion, "2");
  // A watch from before the restart replays what happened since, prevObject included.
  const seen: StoreEvent[] = [];
  const watch = second.watch("/registry/pods/", { revision: 25 }, (e) => seen.push(e));
  watch.stop();
  assert.is(seen.length, revision - 25);
  assert.equal(seen.map((e) => e.revision), Array.from({ length: revision - 25 }, (_, i) => 26 + i));
  const deleted = seen.find((e) => e.type === "DELETED")!;
  assert.is(deleted.object.metadata?.resourceVersion, String(deleted.revision));
  assert.ok(deleted.prevObject);
  // New writes continue the revision sequence.
  const created = await second.create(key("new"), pod("new"));
  assert.is(created.metadata?.resourceVersion, String(revision + 1));
});

test("snapshots: restart from snapshot + log gives the same state; old segments are pruned", async () => {
  const dir = freshDir();
  const first = await openStore(dir, { historyLimit: 8 });
  await writeHistory(first);
  await first.snapshot();
  for (let i = 0; i < 5; i++) await first.create(key(`q${i}`), pod(`q${i}`));
  await first.snapshot();
  await first.update(key("q0"), pod("q0", { status: { phase: "Pending" } }));
  await first.snapshot();
  await first.delete(key("q1"));
  const before = await contents(first);
  const revision = first.currentRevision();
  await first.close();
  const names = readdirSync(dir);
  assert.is(names.filter((n) => n.startsWith("snap-")).length, 2, `two snapshots kept: ${names.join(" ")}`);
  const second = await openStore(dir, { historyLimit: 8 });
  assert.is(second.currentRevision(), revision);
  assert.is(await contents(second), before);
  assert.is(second.oldestWatchableRevision(), revision - 8);
  const seen: number[] = [];
  second.watch("/registry/", { revision: revision - 8 }, (e) => seen.push(e.revision)).stop();
  assert.is(seen.length, 8);
});

test("objects restored from a snapshot are decoded on first use: get, label-filtered list, update and delete see them as written, frozen; a snapshot of still-encoded objects round-trips", async () => {
  const dir = freshDir();
  const first = await openStore(dir, { freeze: true });
  for (let i = 0; i < 6; i++) await first.create(key(`l${i}`), pod(`l${i}`, { metadata: { name: `l${i}`, namespace: "default", uid: `uid-l${i}`, labels: { app: i % 2 ? "odd" : "even", "quote\"d": "x" } } }));
  await first.snapshot();
  const before = await contents(first);
  const revision = first.currentRevision();
  await first.close();

  const second = await openStore(dir, { freeze: true });
  const got = await second.get(key("l3"));
  assert.is(got?.metadata?.resourceVersion, "4");
  assert.equal(got?.metadata?.labels, { app: "odd", 'quote"d': "x" });
  assert.ok(Object.isFrozen(got) && Object.isFrozen(got!.metadata));
  assert.is(await second.get(key("l3")), got, "decoded once, then shared");
  const odd = await second.list("/registry/pods/", { labelFilter: (l) => l?.["app"] === "odd" });
  assert.equal(odd.items.map((o) => o.metadata?.name), ["l1", "l3", "l5"]);
  const events: StoreEvent[] = [];
  second.watch("/registry/pods/", { revision }, (e) => events.push(e));
  await second.update(key("l4"), pod("l4"), { revision: 5 });
  await second.delete(key("l2"), { uid: "uid-l2", revision: 3 });
  assert.is(events[0]!.prevObject?.metadata?.resourceVersion, "5");
  assert.is(events[1]!.prevObject?.metadata?.name, "l2");
  // A snapshot written while some objects are still encoded keeps them as they were.
  await second.snapshot();
  const after = await contents(second);
  await second.close();
  const third = await openStore(dir);
  assert.is(await contents(third), after);
  assert.is.not(after, before);
});

test("automatic snapshots as the log grows, with restart over them", async () => {
  const dir = freshDir();
  const first = await openStore(dir, { snapshotLogBytes: 2000 });
  for (let i = 0; i < 60; i++) await first.create(key(`a${i}`), pod(`a${i}`));
  await first.close();
  assert.ok(readdirSync(dir).some((n) => n.startsWith("snap-")), "a snapshot was taken");
  const second = await openStore(dir);
  assert.is((await second.list("/registry/pods/")).items.length, 60);
  assert.is(second.currentRevision(), 60);
});

test("compaction is durable", async () => {
  const dir = freshDir();
  const first = await openStore(dir);
  await writeHistory(first);
  first.compact(10);
  await first.create(key("x"), pod("x"));
  await first.close();
  const second = await openStore(dir);
  assert.is(second.oldestWatchableRevision(), 10);
});

test("a torn tail is truncated with a warning naming the bytes; every complete record survives", async () => {
  const dir = freshDir();
  const first = await openStore(dir);
  await writeHistory(first);
  const before = await contents(first);
  const revision = first.currentRevision();
  await first.close();
  const segment = join(dir, readdirSync(dir).find((n) => n.startsWith("wal-"))!);
  writeFileSync(segment, Buffer.concat([readFileSync(segment), Buffer.from([0x30, 0, 0, 0, 1, 2, 3])]));
  const warnings: string[] = [];
  const second = await openStore(dir, { warn: (m) => warnings.push(m) });
  assert.is(warnings.length, 1);
  assert.match(warnings[0]!, /truncated 7 bytes of torn or corrupt log tail/);
  assert.is(second.currentRevision(), revision);
  assert.is(await contents(second), before);
});

test("a flipped byte in the log: replay stops at that record, the rest is truncated, later writes work", async () => {
  const dir = freshDir();
  const first = await openStore(dir);
  for (let i = 0; i < 10; i++) await first.create(key(`p${i}`), pod(`p${i}`));
  await first.close();
  const segment = join(dir, readdirSync(dir).find((n) => n.startsWith("wal-"))!);
  const data = readFileSync(segment);
  const at = data.indexOf('"name":"p6"');
  data[at + 3] ^= 0x01;
  writeFileSync(segment, data);
  const size = statSync(segment).size;
  const warnings: string[] = [];
  const second = await openStore(dir, { warn: (m) => warnings.push(m) });
  assert.is(second.currentRevision(), 6);
  assert.is((await second.list("/registry/pods/")).items.length, 6);
  assert.match(warnings.join("\n"), /checksum mismatch/);
  const truncated = size - statSync(segment).size;
  assert.ok(truncated > 0);
  assert.match(warnings.join("\n"), new RegExp(`truncated ${truncated} bytes`));
  await second.create(key("after"), pod("after"));
  await second.close();
  const third = await openStore(dir);
  assert.is(third.currentRevision(), 7);
  assert.ok(await third.get(key("after")));
});

test("a corrupt newest snapshot falls back to the previous one plus the log", async () => {
  for (const damage of ["flip", "truncate"] as const) {
    const dir = freshDir();
    const first = await openStore(dir);
    await writeHistory(first);
    await first.snapshot();
    await first.create(key("between"), pod("between"));
    await first.snapshot();
    await first.create(key("last"), pod("last"));
    const before = await contents(first);
    const revision = first.currentRevision();
    await first.close();
    const newest = join(dir, readdirSync(dir).filter((n) => n.startsWith("snap-")).sort().pop()!);
    if (damage === "flip") {
      const data = readFileSync(newest);
      data[data.length - 30] ^= 0xff;
      writeFileSync(newest, data);
    } else {
      truncateSync(newest, statSync(newest).size - 10);
    }
    const warnings: string[] = [];
    const second = await openStore(dir, { warn: (m) => warnings.push(m) });
    assert.match(warnings.join("\n"), /is corrupt .*falling back to the previous snapshot/);
    assert.is(second.currentRevision(), revision, damage);
    assert.is(await contents(second), before, damage);
    await second.close();
  }
});

test("a state dir from a newer format is refused with a clear message; garbage files do not crash", async () => {
  const dir = freshDir();
  const first = await openStore(dir);
  await first.create(key("a"), pod("a"));
  await first.close();
  const segment = join(dir, readdirSync(dir).find((n) => n.startsWith("wal-"))!);
  const data = readFileSync(segment);
  data.writeUInt32LE(7, 4);
  writeFileSync(segment, data);
  try {
    await DurableStore.open(dir, { warn: () => {} });
    assert.unreachable("a newer format must be refused");
  } catch (err) {
    assert.match(String(err), /written by a newer kubesim \(store format 7; this kubesim reads format 1 and older\).*--reset/);
  }
  // Garbage instead of a snapshot and a segment: warnings, an empty store, no crash.
  const junk = freshDir();
  const empty = await openStore(junk);
  await empty.close();
  writeFileSync(join(junk, "snap-0000000000000005.snap"), "not a snapshot at all");
  writeFileSync(join(junk, "wal-0000000000000001.log"), "garbage");
  const warnings: string[] = [];
  const store = await openStore(junk, { warn: (m) => warnings.push(m) });
  assert.is(store.currentRevision(), 0);
  assert.is(warnings.length, 2, warnings.join("\n"));
});

test("concurrent writes are all acknowledged and all durable (group commit)", async () => {
  const dir = freshDir();
  const first = await openStore(dir);
  const results = await Promise.all(Array.from({ length: 500 }, (_, i) => first.create(key(`c${i}`), pod(`c${i}`))));
  assert.is(new Set(results.map((r) => r.metadata?.resourceVersion)).size, 500);
  await first.close();
  const second = await openStore(dir);
  assert.is((await second.list("/registry/pods/")).items.length, 500);
});

test("with a virtual clock, a write's wait for the disk takes no simulated time, however slow the disk", async () => {
  const clock = new VirtualClock({ start: 0, auto: true });
  const store = await openStore(freshDir(), { clock });
  // A timer due every simulated millisecond: auto mode would fire it whenever the process waits
  // on anything it does not hold (the fsync on the thread pool, for as long as the disk takes).
  let ticks = 0;
  const tick = clock.setInterval(() => ticks++, 1);
  try {
    const created = store.create(key("held"), pod("held"));
    assert.is(clock.holding, 1, "the clock is held from the call on");
    await created;
    for (let i = 0; i < 50; i++) await store.update(key("held"), pod("held", { status: { phase: `P${i}` } }));
    await store.delete(key("held"));
    assert.is(clock.now(), 0, "no simulated time passed during 52 durable writes");
    assert.is(ticks, 0);
    // A failed write releases the clock too, and time moves again once nothing is held.
    await store.delete(key("held")).catch(() => undefined);
    assert.is(clock.holding, 0);
    await clock.sleep(5);
    assert.ok(ticks >= 5);
  } finally {
    clock.clearInterval(tick);
    clock.setAuto(false);
  }
});

test.after(async () => {
  for (const store of open.splice(0)) await store.close();
  rmSync(root, { recursive: true, force: true });
});

test.run();
