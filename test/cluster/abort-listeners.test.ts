/**
 * A cluster's stop signals are shared by an unbounded number of informers, watches, controllers
 * and waiters: many of them must not trigger Node's `MaxListenersExceededWarning` (which
 * `kubesim up` printed at start).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ConfigMap } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { controllerFor } from "../../core/controller/builder.js";

const warnings: string[] = [];
process.on("warning", (w) => warnings.push(`${w.name}: ${w.message}`));

test("many informers, controllers and waiters on one cluster: no MaxListenersExceededWarning", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, plugins: [] });
  await cluster.start();
  try {
    // 15 informers (one per label selector) started on the factory's shared stop signal.
    for (let i = 0; i < 15; i++) cluster.informers.forResource("ConfigMap", { labelSelector: `n=${i}` });
    cluster.informers.start();
    // 15 controllers on the manager's shared stop signal.
    const seen = new Set<string>();
    for (let i = 0; i < 15; i++) {
      await controllerFor(cluster.manager)
        .named(`c${i}`)
        .for("ConfigMap", { labelSelector: `c=${i}` })
        .complete({ reconcile: async (r) => void seen.add(r.name) });
    }
    // 15 waiters on the cluster's stop signal.
    const waits = Array.from({ length: 15 }, (_, i) => cluster.waitFor<ConfigMap>("ConfigMap", (c) => c.metadata?.name === `cm${i}`, { namespace: "default" }));
    for (let i = 0; i < 15; i++) await cluster.client.resource<ConfigMap>("ConfigMap").create({ metadata: { name: `cm${i}`, namespace: "default", labels: { c: String(i), n: String(i) } } }, { namespace: "default" });
    assert.equal((await Promise.all(waits)).map((c) => c.metadata?.name), Array.from({ length: 15 }, (_, i) => `cm${i}`));
    await new Promise((r) => setImmediate(r));
  } finally {
    await cluster.stop();
  }
  await new Promise((r) => setImmediate(r));
  assert.equal(warnings.filter((w) => w.startsWith("MaxListenersExceededWarning")), []);
});

test.run();
