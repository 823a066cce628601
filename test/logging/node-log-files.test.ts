import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { DEFAULT_PLUGINS } from "../../core/cluster/default-distribution.js";
import { PodStreams } from "../../core/apiserver/http/pod-streams.js";

const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 1, plugins: [...DEFAULT_PLUGINS] });

async function exec(podName: string, command: string[]): Promise<{ code: number; out: string }> {
  const session = await cluster.resolve(PodStreams).exec!("default", podName, { command, stdin: false, tty: false });
  let out = "";
  session.onStdout((d) => (out += d));
  session.onStderr((d) => (out += d));
  return { code: await session.exit, out };
}

test.before(async () => {
  await cluster.start();
  await cluster.apply(`
apiVersion: v1
kind: Pod
metadata: { name: talker, namespace: default }
spec: { containers: [{ name: say, image: busybox:1.36, command: [sh, -c, "echo hello; echo world; sleep infinity"] }] }
---
apiVersion: v1
kind: Pod
metadata: { name: reader, namespace: default }
spec:
  containers: [{ name: sh, image: busybox:1.36, command: [sleep, infinity], volumeMounts: [{ name: varlog, mountPath: /var/log, readOnly: true }] }]
  volumes: [{ name: varlog, hostPath: { path: /var/log } }]
`);
  await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "talker" && p.status?.phase === "Running", { timeout: 60_000 });
  await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "reader" && p.status?.phase === "Running", { timeout: 60_000 });
  await cluster.clock.sleep(1000);
});

test.after(async () => {
  await cluster.stop();
});

test("container logs are CRI-format files under /var/log/pods, linked from /var/log/containers as the kubelet links them", async () => {
  const pod = await cluster.client.resource<Pod>("Pod").get("talker", { namespace: "default" });
  const id = pod.status!.containerStatuses![0]!.containerID!.replace("containerd://", "");
  const dir = `/var/log/pods/default_talker_${pod.metadata!.uid}`;
  const ls = await exec("reader", ["ls", `${dir}/say`]);
  assert.is(ls.out.trim(), "0.log");
  const file = await exec("reader", ["cat", `${dir}/say/0.log`]);
  const lines = file.out.trimEnd().split("\n");
  assert.is(lines.length, 2, file.out);
  assert.match(lines[0]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z stdout F hello$/);
  assert.match(lines[1]!, / stdout F world$/);
  const links = await exec("reader", ["ls", "/var/log/containers"]);
  assert.ok(links.out.split(/\s+/).includes(`talker_default_say-${id}.log`), links.out);
  const viaLink = await exec("reader", ["cat", `/var/log/containers/talker_default_say-${id}.log`]);
  assert.is(viaLink.out, file.out);
});

test.run();
