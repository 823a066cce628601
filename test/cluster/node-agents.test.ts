import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../core/cluster/cluster.js";
import { NodeAgents } from "../../core/cluster/node-agents.js";
import { NodeName } from "../../core/cluster/node-spec.js";
import { definePlugin } from "../../core/plugins/plugin.js";
import { Controllers } from "../../core/controller/extension-point.js";

/** A plugin whose node agent records starts and stops, and reads the node's scope. */
function recorder(log: string[]) {
  return definePlugin({
    name: "recorder",
    setup(ctx) {
      ctx.contribute(NodeAgents, "recorder", {
        start({ nodeName, scope, signal }) {
          log.push(`start ${nodeName} scope=${scope.resolve<string>(NodeName)}`);
          return { stop: () => void log.push(`stop ${nodeName} aborted=${signal.aborted}`) };
        },
      });
    },
  });
}

test("node agents start on every node, on nodes added later, and stop on removal and cluster stop", async () => {
  const log: string[] = [];
  const cluster = new Cluster({ name: "a", clock: "virtual", nodes: 2, plugins: [recorder(log)] });
  await cluster.start();
  assert.equal(log, ["start a-control-plane scope=a-control-plane", "start a-worker scope=a-worker"]);
  await cluster.addNode({ name: "extra" });
  assert.equal(log.at(-1), "start extra scope=extra");
  await cluster.removeNode("a-worker");
  assert.equal(log.at(-1), "stop a-worker aborted=true");
  await cluster.stop();
  assert.equal(log.slice(-2).sort(), ["stop a-control-plane aborted=true", "stop extra aborted=true"]);
});

test("cluster stop stops the controllers before the node agents (they would react to every agent stopping)", async () => {
  const log: string[] = [];
  const controllers = definePlugin({
    name: "controllers",
    setup(ctx) {
      ctx.contribute(Controllers, "watcher", {
        name: "watcher",
        setup(mgr) {
          const stopped = (signal: AbortSignal): Promise<void> =>
            new Promise((resolve) =>
              signal.addEventListener("abort", () => {
                log.push("controllers stopped");
                resolve();
              }, { once: true }),
            );
          mgr.add({ name: "watcher", needLeaderElection: false, start: stopped });
        },
      });
    },
  });
  const cluster = new Cluster({ name: "d", clock: "virtual", nodes: 2, plugins: [recorder(log), controllers] });
  await cluster.start();
  log.length = 0;
  await cluster.stop();
  assert.equal(log[0], "controllers stopped");
  assert.equal(log.slice(1).sort(), ["stop d-control-plane aborted=true", "stop d-worker aborted=true"]);
});

test("a node agent that fails to start fails addNode and leaves the others stopped", async () => {
  const log: string[] = [];
  const failing = definePlugin({
    name: "failing",
    requires: ["recorder"],
    setup(ctx) {
      ctx.contribute(NodeAgents, "failing", { start: ({ nodeName }) => { if (nodeName === "bad") throw new Error("no runtime"); return { stop() {} }; } });
    },
  });
  const cluster = new Cluster({ name: "b", clock: "virtual", nodes: 1, plugins: [recorder(log), failing] });
  await cluster.start();
  const error = await cluster.addNode({ name: "bad" }).then(() => undefined, (err: Error) => err);
  assert.match(error?.message ?? "", /no runtime/);
  assert.equal(log.slice(-2), ["start bad scope=bad", "stop bad aborted=true"]);
  await cluster.stop();
});

test("plugins given as an option replace the default distribution; use() adds to it without loading twice", async () => {
  const log: string[] = [];
  const plugin = recorder(log);
  const cluster = new Cluster({ name: "c", clock: "virtual", nodes: 1, plugins: [plugin] }).use(plugin);
  await cluster.start();
  assert.equal(log, ["start c-control-plane scope=c-control-plane"]);
  await cluster.stop();
});

test.run();
