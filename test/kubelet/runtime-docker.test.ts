import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event, Node, Pod } from "kubernetes-types/core/v1.js";
import { NodeCommands } from "../../core/cluster/node-commands.js";
import { PodStreams } from "../../core/apiserver/http/pod-streams.js";
import { NodeRuntimeToken, type NodeRuntime } from "../../core/cri/runtime-service.js";
import docker from "../../plugins/runtime-docker/index.js";
import { humanDuration } from "../../plugins/runtime-docker/docker-cli.js";
import { columns, kubeletCluster, pod } from "./harness.js";

/** A mixed cluster: node-1 on containerd, node-2 on Docker Engine (cri-dockerd). */
async function mixedCluster() {
  return kubeletCluster({ extra: [docker], nodes: [{ name: "node-1" }, { name: "node-2", runtime: "docker" }] });
}

test("nodes pick their runtime: containerd:// and docker:// in nodeInfo, crictl version names the runtime", async () => {
  const { cluster } = await mixedCluster();
  try {
    const nodes = cluster.client.resource<Node>("Node");
    assert.is((await nodes.get("node-1")).status?.nodeInfo?.containerRuntimeVersion, "containerd://1.7.24");
    assert.is((await nodes.get("node-2")).status?.nodeInfo?.containerRuntimeVersion, "docker://27.3.1");
    const run = (node: string, ...argv: string[]) => cluster.extensions.point(NodeCommands).get(argv[0]!)!({ nodeName: node, scope: cluster.nodes.get(node)!.scope, argv });
    assert.match((await run("node-2", "crictl", "version")).stdout, /RuntimeName:  docker\nRuntimeVersion:  27\.3\.1\n/);
    assert.match((await run("node-1", "crictl", "version")).stdout, /RuntimeName:  containerd\n/);
    const none = await run("node-1", "docker", "ps");
    assert.is(none.exitCode, 127);
    assert.is(none.stderr, "bash: docker: command not found\n");
  } finally {
    await cluster.stop();
  }
});

test("the same pod runs on both runtimes; docker shows k8s_ names, a shim per container, json-file logs and docker:// IDs", async () => {
  const { cluster, pods } = await mixedCluster();
  try {
    for (const node of ["node-1", "node-2"]) await pods.create(pod(`web-${node}`, { containers: [{ name: "nginx", image: "nginx:1.25" }] }, node));
    const onContainerd = await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "web-node-1" && p.status?.phase === "Running");
    // Docker's operations take longer (one more hop): its pod is still starting.
    assert.is(columns(await pods.get("web-node-2", { namespace: "default" })), "0/1 ContainerCreating 0");
    const onDocker = await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "web-node-2" && p.status?.phase === "Running");
    assert.is(columns(onDocker), "1/1 Running 0");
    assert.match(onDocker.status!.containerStatuses![0]!.containerID!, /^docker:\/\/[0-9a-f]{64}$/);
    assert.match(onContainerd.status!.containerStatuses![0]!.containerID!, /^containerd:\/\/[0-9a-f]{64}$/);

    const run = (...argv: string[]) => cluster.extensions.point(NodeCommands).get(argv[0]!)!({ nodeName: "node-2", scope: cluster.nodes.get("node-2")!.scope, argv });
    const uid = onDocker.metadata!.uid!;
    const ps = (await run("docker", "ps")).stdout.split("\n");
    assert.match(ps[0]!, /^CONTAINER ID   IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$/);
    const app = ps.find((l) => l.endsWith(`k8s_nginx_web-node-2_default_${uid}_0`));
    assert.ok(app, ps.join("\n"));
    assert.match(app!, /^[0-9a-f]{12}   [0-9a-f]{12} +"\/docker-entrypoint\.…"   .+ ago +Up .+ +k8s_nginx_/);
    assert.ok(ps.some((l) => /registry\.k8s\.io\/pause:3\.9 +"\/pause" .* k8s_POD_web-node-2_default_/.test(l)));

    const id = app!.slice(0, 12);
    const [inspected] = JSON.parse((await run("docker", "inspect", id)).stdout) as { Name: string; State: { Status: string; Pid: number }; HostConfig: { LogConfig: { Type: string } }; LogPath: string }[];
    assert.is(inspected!.Name, `/k8s_nginx_web-node-2_default_${uid}_0`);
    assert.is(inspected!.State.Status, "running");
    assert.is(inspected!.HostConfig.LogConfig.Type, "json-file");
    assert.match(inspected!.LogPath, /^\/var\/lib\/docker\/containers\/[0-9a-f]{64}\/[0-9a-f]{64}-json\.log$/);

    // The log file is json-file; `docker logs`, crictl and the kubelet's log API all read it.
    const k = cluster.nodes.get("node-2")!.scope;
    const logs = (await run("docker", "logs", id!)).stderr;
    assert.match(logs ?? "", /\[notice\] 1#1: start worker processes\n/);
    const rt = k.resolve<NodeRuntime>(NodeRuntimeToken);
    const raw = rt.logs.lines(`/var/log/pods/default_web-node-2_${uid}/nginx/0.log`)!;
    assert.match(raw[0]!, /^\{"log":".*\\n","stream":"(stdout|stderr)","time":"\d{4}-\d\d-\d\dT[\d:.]+Z"\}$/);
    const viaApi = await cluster.container.resolve<PodStreams>(PodStreams).logs("default", "web-node-2", new URLSearchParams());
    assert.match(String(viaApi), /start worker processes\n/);

    // Process tree: systemd → containerd → one shim per container (pause and nginx), dockerd and cri-dockerd beside.
    const tree = (await run("pstree")).stdout;
    assert.match(tree, /dockerd\(\d+\)/);
    assert.match(tree, /cri-dockerd\(\d+\)/);
    const shims = (await run("ps")).stdout.split("\n").filter((l) => l.includes("containerd-shim-runc-v2 -namespace moby"));
    assert.is(shims.length, 2);
    assert.match((await run("docker", "images")).stdout, /^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE\n(.*\n)*nginx +1\.25 +[0-9a-f]{12} +N\/A +67\.1MB\n/);
  } finally {
    await cluster.stop();
  }
});

test("docker nodes report pull failures as dockerd does", async () => {
  const { cluster, pods } = await mixedCluster();
  try {
    await pods.create(pod("typo", { containers: [{ name: "c", image: "ngnix:1.25" }] }, "node-2"));
    const p = await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "typo" && x.status?.containerStatuses?.[0]?.state?.waiting?.reason === "ErrImagePull");
    assert.is(p.status!.containerStatuses![0]!.state!.waiting!.message, "rpc error: code = Unknown desc = Error response from daemon: pull access denied for ngnix, repository does not exist or may require 'docker login': denied: requested access to the resource is denied");
    await pods.create(pod("tag", { containers: [{ name: "c", image: "nginx:9.99" }] }, "node-2"));
    await cluster.waitFor<Event>("Event", (e) => e.involvedObject?.name === "tag" && e.reason === "Failed" && /manifest for nginx:9\.99 not found: manifest unknown: manifest unknown/.test(e.message ?? ""));
  } finally {
    await cluster.stop();
  }
});

test("humanDuration reads as go-units prints it", () => {
  assert.is(humanDuration(500), "Less than a second");
  assert.is(humanDuration(1000), "1 second");
  assert.is(humanDuration(59_000), "59 seconds");
  assert.is(humanDuration(61_000), "About a minute");
  assert.is(humanDuration(5 * 60_000), "5 minutes");
  assert.is(humanDuration(65 * 60_000), "About an hour");
  assert.is(humanDuration(3 * 3_600_000), "3 hours");
  assert.is(humanDuration(72 * 3_600_000), "3 days");
});

test.run();
