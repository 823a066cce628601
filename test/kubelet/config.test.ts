import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import { columns, kubeletCluster, pod } from "./harness.js";

test("env from a ConfigMap key and the downward API; a missing key is CreateContainerConfigError until it exists", async () => {
  const { cluster, pods, kubeletOf } = await kubeletCluster();
  try {
    await cluster.client.resource("ConfigMap").create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg", namespace: "default" }, data: { mode: "fast" } } as never);
    await pods.create(pod("env", {
      containers: [{
        name: "c", image: "busybox:1.36", command: ["sh", "-c", "echo mode=$MODE name=$NAME greeting=$(cat /cfg/mode); sleep 3600"],
        env: [{ name: "MODE", valueFrom: { configMapKeyRef: { name: "cfg", key: "mode" } } }, { name: "NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
        volumeMounts: [{ name: "cfg", mountPath: "/cfg" }],
      }],
      volumes: [{ name: "cfg", configMap: { name: "cfg" } }],
    }));
    const p = await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "env" && x.status?.phase === "Running");
    await cluster.clock.sleep(100);
    const lines = kubeletOf().runtime.logs.lines(`/var/log/pods/default_env_${p.metadata!.uid}/c/0.log`)!;
    assert.match(lines[0]!, / stdout F mode=fast name=env greeting=fast$/);

    await pods.create(pod("missing", { containers: [{ name: "c", image: "busybox:1.36", command: ["sleep", "3600"], env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "cfg", key: "nope" } } }] }] }));
    const m = await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "missing" && x.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CreateContainerConfigError");
    assert.is(m.status!.containerStatuses![0]!.state!.waiting!.message, "couldn't find key nope in ConfigMap default/cfg");
    assert.is(columns(m), "0/1 CreateContainerConfigError 0");
    await cluster.client.resource("ConfigMap").patch("cfg", "merge", { data: { mode: "fast", nope: "now" } }, { namespace: "default" });
    await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "missing" && x.status?.phase === "Running");
  } finally {
    await cluster.stop();
  }
});

test("a readiness probe over HTTP gates Ready; nginx serves the welcome page to the node", async () => {
  const { cluster, pods } = await kubeletCluster();
  try {
    await pods.create(pod("ready", { containers: [{ name: "nginx", image: "nginx:1.25", readinessProbe: { httpGet: { path: "/", port: 80 }, initialDelaySeconds: 3, periodSeconds: 5 } }] }));
    const running = await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "ready" && x.status?.phase === "Running");
    assert.is(running.status?.containerStatuses?.[0]?.ready, false);
    const start = cluster.clock.now();
    await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "ready" && x.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true);
    assert.ok(cluster.clock.now() - start >= 2_000);
  } finally {
    await cluster.stop();
  }
});

test("every container gets the KUBERNETES_* service variables; its own value of one replaces it", async () => {
  const { cluster, pods, kubeletOf } = await kubeletCluster();
  try {
    await pods.create(pod("svc-env", { containers: [{ name: "c", image: "busybox:1.36", command: ["sh", "-c", "echo host=$KUBERNETES_SERVICE_HOST port=$KUBERNETES_SERVICE_PORT addr=$KUBERNETES_PORT_443_TCP_ADDR mine=$MINE; sleep 3600"], env: [{ name: "KUBERNETES_SERVICE_PORT", value: "8443" }, { name: "MINE", value: "x" }] }] }));
    const p = await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "svc-env" && x.status?.phase === "Running");
    await cluster.clock.sleep(100);
    const lines = kubeletOf().runtime.logs.lines(`/var/log/pods/default_svc-env_${p.metadata!.uid}/c/0.log`)!;
    assert.match(lines[0]!, / stdout F host=10.96.0.1 port=8443 addr=10.96.0.1 mine=x$/);
  } finally {
    await cluster.stop();
  }
});

test.run();
