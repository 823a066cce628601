/**
 * MemoryStore figures, each next to its target:
 * - get throughput (≥ 500,000/s)
 * - list of 150,000 pods filtered by a label selector, across namespaces and all in one namespace (≤ 300 ms)
 * - resident memory with 150,000 stored ~2 KB pods (≤ 1.5 GB)
 * - watch delivery with 1,000 watchers on the pods prefix: events/s delivered, and the time for one
 *   write to reach all 1,000
 * - creates into the key index as a cluster makes them: 200,000 keys, five Event keys to each pod
 *   key (random names), a paged list of the pods every 1,000 creates; then the first list of every
 *   Event (which orders the Event keys, never read until then)
 * Pods are built by JSON.parse of varied text, like objects decoded from requests, so no strings
 * are shared between them by accident.
 */
import { cpus, loadavg } from "node:os";
import type { KubeObject } from "../core/api/object.js";
import { parseLabelSelector } from "../core/api/selectors/label-selector.js";
import { namespacePrefix, objectStorageKey, resourcePrefix } from "../core/store/keys.js";
import { MemoryStore } from "../core/store/memory-store.js";
import { podJson } from "./pod-json.js";

const PODS = 150_000;
const MB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});


function line(label: string, value: string, target: string, ok: boolean): void {
  console.log(`${label.padEnd(58)} ${value.padStart(14)}   (target ${target}: ${ok ? "meets" : "MISSES"})`);
}

async function fill(store: MemoryStore, namespaceOf: (i: number) => string): Promise<string[]> {
  const keys: string[] = new Array(PODS);
  for (let i = 0; i < PODS; i++) {
    const obj = JSON.parse(podJson(i, namespaceOf(i))) as KubeObject;
    const key = objectStorageKey("pods", obj.metadata!.namespace, obj.metadata!.name!);
    keys[i] = key;
    await store.create(key, obj);
  }
  return keys;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** Milliseconds of CPU this process used (user + system): less sensitive than wall time to other processes on a shared machine. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function timeList(store: MemoryStore, prefix: string, selector: string): Promise<{ ms: number; cpu: number; items: number }> {
  const sel = parseLabelSelector(selector);
  // As the API server lists: the selector runs on the labels the store keeps with its index entries.
  const labelFilter = (labels: Readonly<Record<string, string>> | undefined) => sel.matches(labels);
  let items = 0;
  const runs: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < 7; r++) {
    const started = performance.now();
    const c = cpuMs();
    const result = await store.list(prefix, { labelFilter });
    cpu.push(cpuMs() - c);
    runs.push(performance.now() - started);
    items = result.items.length;
  }
  return { ms: median(runs), cpu: median(cpu), items };
}

function listLine(label: string, r: { ms: number; cpu: number; items: number }): void {
  line(`${label} → ${r.items}`, `${r.ms.toFixed(1)} ms`, "≤ 300 ms", r.ms <= 300);
  console.log(`${"".padEnd(4)}(CPU time ${r.cpu.toFixed(1)} ms)`);
}

console.log(`sample pod JSON size: ${podJson(12345, "team-12").length} bytes; ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(1)} (figures scale with contention)`);

// --- memory and list, pods spread over 1,500 namespaces --------------------------------------
gc();
const before = process.memoryUsage();
let store = new MemoryStore();
const fillStarted = performance.now();
const keys = await fill(store, (i) => `team-${i % 1500}`);
const fillMs = performance.now() - fillStarted;
gc();
const after = process.memoryUsage();
console.log(`filled ${PODS.toLocaleString("en-US")} pods through MemoryStore.create in ${Math.round(fillMs)} ms (${Math.round(PODS / (fillMs / 1000)).toLocaleString("en-US")} creates/s, no API server)`);
line("resident memory (RSS) with 150,000 ~2 KB pods", `${Math.round(after.rss / MB)} MB`, "≤ 1,536 MB", after.rss <= 1536 * MB);
line("  heapUsed delta for those pods", `${Math.round((after.heapUsed - before.heapUsed) / MB)} MB`, "≤ 1,536 MB", after.heapUsed - before.heapUsed <= 1536 * MB);

// --- get ---------------------------------------------------------------------------------------
{
  const N = 2_000_000;
  for (let i = 0; i < 200_000; i++) await store.get(keys[(i * 7919) % PODS]!); // warm-up
  const started = performance.now();
  const c = cpuMs();
  let found = 0;
  for (let i = 0; i < N; i++) if (await store.get(keys[(i * 7919) % PODS]!)) found++;
  const perSecond = N / ((performance.now() - started) / 1000);
  const perCpuSecond = N / ((cpuMs() - c) / 1000);
  if (found !== N) throw new Error("get missed keys");
  line("get (awaited, random keys)", `${Math.round(perSecond).toLocaleString("en-US")}/s`, "≥ 500,000/s", perSecond >= 500_000);
  console.log(`    (per CPU-second: ${Math.round(perCpuSecond).toLocaleString("en-US")}/s)`);
}

// --- list by label selector --------------------------------------------------------------------
{
  const narrow = await timeList(store, resourcePrefix("pods"), "app=app-7,tier in (frontend)");
  listLine("list 150k pods across namespaces, app=app-7,tier in (frontend)", narrow);
  const broad = await timeList(store, resourcePrefix("pods"), "tier!=frontend,app");
  listLine("list 150k pods across namespaces, tier!=frontend,app", broad);
  const page = performance.now();
  let pages = 0;
  let token: string | undefined;
  do {
    const r = await store.list(resourcePrefix("pods"), { limit: 500, continue: token });
    token = r.continue;
    pages++;
  } while (token);
  const pagedMs = performance.now() - page;
  console.log(`paged list of all 150k pods, limit 500: ${pages} pages in ${pagedMs.toFixed(0)} ms (${(pagedMs / pages).toFixed(2)} ms/page)`);
}

// --- watch delivery: 1,000 watchers on the pods prefix ----------------------------------------
{
  let delivered = 0;
  const watches = Array.from({ length: 1000 }, () => store.watch(resourcePrefix("pods"), { revision: store.currentRevision() }, () => void delivered++));
  // Unrelated watchers on other resources must not cost anything per pod event.
  const others = Array.from({ length: 1000 }, (_, i) => store.watch(resourcePrefix(`other${i}`), { revision: store.currentRevision() }, () => {}));
  const updates = 2_000;
  const single: number[] = [];
  const started = performance.now();
  for (let i = 0; i < updates; i++) {
    const key = keys[(i * 104729) % PODS]!;
    const current = (await store.get(key))!;
    const t = performance.now();
    await store.update(key, { ...current, metadata: { ...current.metadata, annotations: { bump: String(i) } } });
    single.push(performance.now() - t);
  }
  const seconds = (performance.now() - started) / 1000;
  if (delivered !== updates * 1000) throw new Error(`delivered ${delivered}, expected ${updates * 1000}`);
  const perSecond = delivered / seconds;
  line("watch: events delivered/s, 1,000 watchers on pods (+1,000 elsewhere)", `${Math.round(perSecond).toLocaleString("en-US")}/s`, "report", true);
  const oneWrite = median(single);
  line("watch: one write reaching all 1,000 watchers (median)", `${(oneWrite * 1000).toFixed(0)} µs`, "report", true);
  for (const w of [...watches, ...others]) w.stop();
}

// --- list with every pod in one namespace ------------------------------------------------------
store = new MemoryStore();
keys.length = 0;
gc();
await fill(store, () => "default");
{
  const narrow = await timeList(store, namespacePrefix("pods", "default"), "app=app-7,tier in (frontend)");
  listLine("list 150k pods in one namespace, app=app-7,tier in (frontend)", narrow);
  const broad = await timeList(store, namespacePrefix("pods", "default"), "tier!=frontend,app");
  listLine("list 150k pods in one namespace, tier!=frontend,app", broad);
}

// --- creates into the key index: Events interleaved with pods, a list every 1,000 creates -------
{
  store = new MemoryStore();
  gc();
  const CREATES = 200_000;
  const LIST_EVERY = 1_000;
  const suffix = (i: number) => ((i * 2654435761) >>> 0).toString(36);
  // Names made before the clock starts (as a request's decoded body would hold them).
  const objs: KubeObject[] = new Array(CREATES);
  const createKeys: string[] = new Array(CREATES);
  for (let i = 0; i < CREATES; i++) {
    const namespace = `team-${i % 7}`;
    const pod = `web-${i % 7}-${suffix(i >>> 3)}-${suffix(i * 31 + 7).slice(0, 5)}`;
    const isPod = i % 6 === 0;
    const name = isPod ? pod : `${pod}.${suffix(i).padStart(8, "0")}${suffix(i * 17 + 3).padStart(8, "0")}`;
    objs[i] = { apiVersion: "v1", kind: isPod ? "Pod" : "Event", metadata: { name, namespace } } as KubeObject;
    createKeys[i] = objectStorageKey(isPod ? "pods" : "events", namespace, name);
  }
  let listMs = 0;
  const started = performance.now();
  const c = cpuMs();
  for (let i = 0; i < CREATES; i++) {
    await store.create(createKeys[i]!, objs[i]!);
    if ((i + 1) % LIST_EVERY === 0) {
      const l = performance.now();
      const page = await store.list(resourcePrefix("pods"), { limit: 500 });
      if (page.items.length === 0) throw new Error("no pods listed");
      listMs += performance.now() - l;
    }
  }
  const cpu = cpuMs() - c;
  const wall = performance.now() - started;
  line(`${CREATES.toLocaleString("en-US")} creates (5 Events : 1 pod), a pods list every ${LIST_EVERY.toLocaleString("en-US")}`, `${((cpu * 1000) / CREATES).toFixed(2)} µs CPU`, "report", true);
  console.log(`    (per create, lists included; wall ${wall.toFixed(0)} ms, of which lists ${listMs.toFixed(0)} ms)`);
  const l = performance.now();
  const events = await store.list(resourcePrefix("events"), { limit: 500 });
  console.log(`    first list of the Events after them (limit 500 of ${(events.remainingItemCount ?? 0) + events.items.length}): ${(performance.now() - l).toFixed(0)} ms`);
}
