/**
 * One API server for bench/metrics.bench.ts, in a process of its own so the bench reads the
 * server's CPU alone (no load generator, no other server's garbage collection in it).
 *
 * `METRICS_BENCH_MODE=metered`: the API server's instrumentation is on — request counters and
 * duration histograms, long-running (watch) gauges, watch event counters (`ApiServerMetrics` given
 * to the HTTP server) and the metered store (etcd-equivalent request durations and the object
 * counts behind `apiserver_storage_objects`), as `Cluster` wires them. `plain`: none of it, the
 * same control plane and HTTP server otherwise.
 *
 * IPC: sends `{ port }` once listening; answers `"start"` (a full collection first when
 * `--expose-gc`, so each round starts from a clean heap) and `"end"` with `{ cpu }` (µs of
 * user+system CPU so far), and `"stop"` by closing and exiting.
 */
import { RealClock } from "../core/clock/real-clock.js";
import { SeededRandom } from "../core/clock/random.js";
import { createLogger } from "../core/log/logger.js";
import { createControlPlane } from "../core/apiserver/control-plane.js";
import { startHttpServer } from "../core/apiserver/http/http-server.js";
import { ApiServerMetrics } from "../core/apiserver/metrics/api-server-metrics.js";
import { MeteredStore } from "../core/apiserver/metrics/metered-store.js";
import { MemoryStore } from "../core/store/memory-store.js";

const metered = process.env["METRICS_BENCH_MODE"] === "metered";
const clock = new RealClock();
const log = createLogger("bench", { level: "silent" });
const metrics = metered ? new ApiServerMetrics() : undefined;
const backend = new MemoryStore();
const store = metrics ? await MeteredStore.wrap(backend, metrics, clock) : backend;
const cp = await createControlPlane({ clock, random: new SeededRandom(1), log, store });
if (metrics && store instanceof MeteredStore) metrics.setStorageCounts(() => store.objectCounts((s) => (typeof s === "string" ? s : s.kind.toLowerCase())));
const http = await startHttpServer({ apiServer: cp.apiServer, clock, log, port: 0, insecureHttp: true, token: "t", ...(metrics ? { metrics } : {}) });
const gc = (globalThis as { gc?: () => void }).gc;

process.on("message", (msg) => {
  if (msg === "start" || msg === "end") {
    if (msg === "start") gc?.();
    const u = process.cpuUsage();
    process.send!({ cpu: u.user + u.system });
  } else if (msg === "stop") {
    void http.close().then(async () => {
      cp.stop();
      await cp.store.close();
      process.disconnect();
    });
  }
});
process.send!({ port: http.port, pid: process.pid });
