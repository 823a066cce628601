/**
 * Informer figures: event dispatch rate to 3 handlers (target ≥ 200,000 events/s), and the heap a
 * shared informer over 150,000 pods adds beyond the server's store (objects shared, not copied).
 * Run with --expose-gc (npm run bench does).
 */
import { SharedInformerFactory } from "../core/informers/shared-informer-factory.js";
import { VirtualClock } from "../core/clock/virtual-clock.js";
import type { KubeObject } from "../core/api/object.js";
import type { Client, ResourceClient, WatchEvent } from "../core/client/client.js";
import { FakeClient, pod } from "../test/informers/fake-client.js";

const gc = (globalThis as { gc?: () => void }).gc;
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));
const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");

/**
 * A client whose watch the benchmark drives directly with pre-built events, so the figure is the
 * informer's own cost (reflector → cache → 3 handler buffers → handlers), not a server's.
 */
function pumpClient(): { client: Client; emit: (e: WatchEvent) => void } {
  let emit: (e: WatchEvent) => void = () => undefined;
  const rc = {
    list: async () => ({ apiVersion: "v1", kind: "PodList", metadata: { resourceVersion: "1" }, items: [] }),
    watch: async (_o: unknown, onEvent: (e: WatchEvent) => void) => {
      emit = onEvent;
      return { stop: () => undefined, done: new Promise<void>(() => undefined) };
    },
  } as unknown as ResourceClient;
  return { client: { resource: () => rc } as unknown as Client, emit: (e) => emit(e) };
}

async function dispatchRate(events: number): Promise<number> {
  const { client, emit } = pumpClient();
  const factory = new SharedInformerFactory({ client, clock: new VirtualClock() });
  const informer = factory.forResource("pods");
  let delivered = 0;
  for (let i = 0; i < 3; i++) informer.addEventHandler({ onAdd: () => void delivered++, onUpdate: () => void delivered++, onDelete: () => void delivered++ });
  const ac = new AbortController();
  factory.start(ac.signal);
  await factory.waitForCacheSync();
  await settle();
  const batch = Array.from({ length: 1000 }, (_, i): WatchEvent => {
    const p = pod(`ns-${i % 10}`, `pod-${i}`, { nodeName: `node-${i % 50}` });
    return { type: "ADDED", object: { ...p, metadata: { ...p.metadata, resourceVersion: String(i + 2) } } };
  });
  for (const e of batch) emit(e);
  await settle();
  delivered = 0;
  const modified = batch.map((e): WatchEvent => ({ type: "MODIFIED", object: e.object }));
  const started = performance.now();
  for (let n = 0; n < events; n += modified.length) {
    for (const e of modified) emit(e);
    await settle();
  }
  while (delivered < events * 3) await settle();
  const seconds = (performance.now() - started) / 1000;
  ac.abort();
  return events / seconds;
}

async function informerMemory(count: number): Promise<{ store: number; informer: number }> {
  if (!gc) throw new Error("run with --expose-gc");
  gc();
  const base = process.memoryUsage().heapUsed;
  const client = new FakeClient();
  const server = client.fake("pods");
  for (let i = 0; i < count; i++) server.put(pod(`ns-${i % 3000}`, `pod-${i}`, { nodeName: `node-${i % 5000}`, labels: { app: `app-${i % 100}` } }));
  server.compact(); // the benchmark measures objects, not the fake server's event log
  gc();
  const withStore = process.memoryUsage().heapUsed;
  const factory = new SharedInformerFactory({ client, clock: new VirtualClock() });
  const informer = factory.forResource<KubeObject>("pods");
  for (let i = 0; i < 3; i++) informer.addEventHandler({ onAdd: () => undefined });
  factory.start();
  await factory.waitForCacheSync();
  for (let i = 0; i < 5; i++) await settle();
  gc();
  const withInformer = process.memoryUsage().heapUsed;
  if (informer.indexer.size !== count) throw new Error(`informer holds ${informer.indexer.size} of ${count}`);
  const result = { store: withStore - base, informer: withInformer - withStore };
  await factory.shutdown();
  return result;
}

await dispatchRate(100_000); // warm-up
const rate = await dispatchRate(1_000_000);
console.log(`informer dispatch, 3 handlers: ${fmt(rate).padStart(10)} events/s  (${fmt(rate * 3)} handler calls/s)   target ≥ 200,000 events/s: ${rate >= 200_000 ? "meets" : "BELOW"}`);

const N = 150_000;
const mem = await informerMemory(N);
const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MB`;
console.log(`store of ${fmt(N)} pods (fake server):   ${mb(mem.store).padStart(10)}`);
console.log(`shared informer over them, beyond store: ${mb(mem.informer).padStart(10)}  (${Math.round(mem.informer / N)} bytes/pod: cache map + namespace index; objects shared, not copied)`);
