import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import type { Event, Pod } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { PluginConfigError } from "../../core/plugins/plugin-config.js";
import { KubeScheduler } from "../../plugins/kube-scheduler/index.js";
import { rejection } from "../support/rejection.js";

const dir = mkdtempSync(join(tmpdir(), "kubesim-scheduler-config-"));

function clusterYaml(name: string, schedulerConfig: string): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(
    path,
    `apiVersion: kubesim.io/v1alpha1
kind: Cluster
clock: virtual
seed: 1
nodes:
  - role: control-plane
  - name: w1
  - name: w2
  - name: w3
    taints: [{ key: dedicated, value: gpu, effect: NoSchedule }]
plugins:
  - name: kube-scheduler
    config:
${schedulerConfig
  .trim()
  .split("\n")
  .map((l) => `      ${l}`)
  .join("\n")}
`,
  );
  return path;
}

function pod(name: string, spec: Record<string, unknown> = {}): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default" }, spec: { containers: [{ name: "c", image: "nginx", resources: { requests: { cpu: "200m", memory: "100Mi" } } }], ...spec } } as Pod;
}


test("KubeSchedulerConfiguration from cluster.yaml: pluginConfig args, per-point disabled plugins, a second profile by schedulerName", async () => {
  const path = clusterYaml(
    "good",
    `
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
  - schedulerName: default-scheduler
    pluginConfig:
      - name: NodeResourcesFit
        args:
          scoringStrategy:
            type: MostAllocated
            resources: [{ name: cpu, weight: 1 }, { name: memory, weight: 1 }]
  - schedulerName: lenient
    plugins:
      filter:
        disabled: [{ name: TaintToleration }]
`,
  );
  const cluster = Cluster.fromConfig(path, { plugins: [] });
  await cluster.start();
  try {
    const scheduler = cluster.resolve(KubeScheduler);
    assert.equal([...scheduler.frameworks.keys()], ["default-scheduler", "lenient"]);
    assert.not.ok(scheduler.frameworks.get("lenient")!.filterPlugins.some((p) => p.name === "TaintToleration"));
    const pods = cluster.client.resource<Pod>("Pod");
    for (let i = 0; i < 3; i++) await pods.create(pod(`packed-${i}`));
    // The taint keeps the default profile's pod off w3; the lenient profile does not check taints.
    await pods.create(pod("strict", { nodeSelector: { "kubernetes.io/hostname": "w3" } }));
    await pods.create(pod("relaxed", { schedulerName: "lenient", nodeSelector: { "kubernetes.io/hostname": "w3" } }));
    const bound = async (name: string): Promise<string> => (await cluster.waitFor<Pod>("Pod", (p) => p.metadata!.name === name && !!p.spec?.nodeName, { namespace: "default" })).spec!.nodeName!;
    const packed = await Promise.all([0, 1, 2].map((i) => bound(`packed-${i}`)));
    assert.is(new Set(packed).size, 1, `MostAllocated packs the pods onto one node: ${packed}`);
    assert.ok(["w1", "w2"].includes(packed[0]!));
    assert.is(await bound("relaxed"), "w3");
    const strict = await cluster.waitFor<Pod>("Pod", (p) => p.metadata!.name === "strict" && !!p.status?.conditions?.some((c) => c.type === "PodScheduled" && c.status === "False"), { namespace: "default" });
    assert.match(strict.status!.conditions!.find((c) => c.type === "PodScheduled")!.message!, "1 node(s) had untolerated taint {dedicated: gpu}");
    await cluster.clock.sleep(10);
    const events = (await cluster.client.resource<Event>("Event").list({ namespace: "default" } as never)).items as Event[];
    assert.ok(events.some((e) => e.involvedObject.name === "relaxed" && e.reason === "Scheduled" && e.source?.component === "lenient"), "the profile's name is the event source");
  } finally {
    await cluster.stop();
  }
});

test("a bad KubeSchedulerConfiguration in cluster.yaml fails the start naming plugins[i].config.<field>", async () => {
  const invalid = clusterYaml(
    "invalid",
    `
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
parallelism: 0
profiles:
  - schedulerName: a
  - schedulerName: a
    pluginConfig:
      - name: NodeResourcesFit
        args: { scoringStrategy: { type: Fancy } }
`,
  );
  const err = await rejection(Cluster.fromConfig(invalid, { plugins: [] }).start());
  assert.instance(err, PluginConfigError);
  const fields = (err as PluginConfigError).errors.map((e) => `${e.field}: ${e.detail}`);
  assert.ok(fields.includes("plugins[0].config.parallelism: Invalid value: 0: should be an integer value greater than zero"), fields.join("\n"));
  assert.ok(fields.includes('plugins[0].config.profiles[1].schedulerName: Duplicate value: "a"'), fields.join("\n"));
  assert.ok(fields.includes('plugins[0].config.profiles[1].pluginConfig[0].args.scoringStrategy.type: Unsupported value: "Fancy": supported values: "LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"'), fields.join("\n"));

  // Plugin names resolve against SchedulerPlugins once every plugin is set up: still refused at start, naming the field.
  const unknown = clusterYaml(
    "unknown",
    `
profiles:
  - schedulerName: default-scheduler
    plugins:
      score:
        enabled: [{ name: example.com/Nope, weight: 2 }]
`,
  );
  const err2 = await rejection(Cluster.fromConfig(unknown, { plugins: [] }).start());
  assert.instance(err2, PluginConfigError);
  assert.match(err2.message, 'plugins[0].config.profiles[0].plugins.score.enabled[0].name: Invalid value: "example.com/Nope": plugin is not registered');
});

test("cluster.use(\"kube-scheduler\", config) configures the built-in by name; errors fall under kube-scheduler.config", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 2, plugins: [] }).use("kube-scheduler", { profiles: [{ schedulerName: "only-me" }] });
  await cluster.start();
  try {
    assert.equal([...cluster.resolve(KubeScheduler).frameworks.keys()], ["only-me"]);
  } finally {
    await cluster.stop();
  }
  const err = await rejection(new Cluster({ clock: "virtual", seed: 1, plugins: [] }).use("kube-scheduler", { percentageOfNodesToScore: 101 }).start());
  assert.is(err.message, "invalid plugin configuration: kube-scheduler.config.percentageOfNodesToScore: Invalid value: 101: not in valid range [0-100]");
});

test.run();
