import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { kubeScheduler, explainSchedule } from "../../plugins/kube-scheduler/index.js";
import preferLabel, { PLUGIN_NAME } from "./index.js";

test("the third-party Score plugin is loaded by name and steers pods to the labelled node", async () => {
  const config = { profiles: [{ schedulerName: "default-scheduler", plugins: { score: { enabled: [{ name: PLUGIN_NAME, weight: 10 }] } }, pluginConfig: [{ name: PLUGIN_NAME, args: { label: "disktype", value: "ssd" } }] }] };
  const cluster = new Cluster({
    clock: "virtual",
    seed: 7,
    nodes: [{ role: "control-plane" }, { role: "worker" }, { role: "worker", name: "fast", labels: { disktype: "ssd" } }, { role: "worker" }],
    plugins: [kubeScheduler({ config }), preferLabel],
  });
  await cluster.start();
  try {
    const pods = cluster.client.resource<Pod>("Pod");
    for (let i = 0; i < 3; i++) await pods.create({ apiVersion: "v1", kind: "Pod", metadata: { name: `app-${i}`, namespace: "default" }, spec: { containers: [{ name: "c", image: "nginx" }] } } as Pod);
    for (let i = 0; i < 3; i++) {
      const p = await cluster.waitFor<Pod>("Pod", (x) => x.metadata!.name === `app-${i}` && !!x.spec?.nodeName, { namespace: "default" });
      assert.is(p.spec!.nodeName, "fast");
    }
    const text = await explainSchedule(cluster, "default/app-0");
    assert.match(text, /fast\s.*100\/100×10/);
  } finally {
    await cluster.stop();
  }
});

test("without the plugin loaded, a profile naming it is refused naming the field", async () => {
  const { Scheduler } = await import("../../plugins/kube-scheduler/index.js");
  const cluster = new Cluster({ clock: "virtual", seed: 1, plugins: [] });
  await cluster.start();
  try {
    assert.throws(
      () => new Scheduler({ client: cluster.client, informers: cluster.informers, clock: cluster.clock, random: cluster.random, log: cluster.log, config: { profiles: [{ schedulerName: "s", plugins: { score: { enabled: [{ name: PLUGIN_NAME }] } } }] } }),
      /profiles\[0\]\.plugins\.score\.enabled\[0\]\.name: Invalid value: "example.com\/PreferLabel": plugin is not registered/,
    );
  } finally {
    await cluster.stop();
  }
});

test.run();
