import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import { ApiServer } from "../../core/apiserver/api-server.js";
import { kubeletCluster, pod } from "./harness.js";

/** Records the API server's get, list and watch calls (resource, field selector, user but for lists) while `fn` runs. */
async function recordingReads(fn: (calls: string[]) => Promise<void>): Promise<void> {
  const proto = ApiServer.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const get = proto["get"]!;
  const watch = proto["watch"]!;
  const list = proto["list"]!;
  const calls: string[] = [];
  const plural = (t: unknown): string => (t as { descriptor: { plural: string } }).descriptor.plural;
  const user = (ctx: unknown): string => (ctx as { user?: { username?: string } } | undefined)?.user?.username ?? "?";
  proto["get"] = function (this: unknown, ...a: unknown[]) {
    calls.push(`get ${plural(a[0])} ${a[2] as string} by ${user(a[4])}`);
    return get.apply(this, a);
  };
  proto["watch"] = function (this: unknown, ...a: unknown[]) {
    calls.push(`watch ${plural(a[0])} ${(a[2] as { fieldSelector?: string }).fieldSelector ?? ""} by ${user(a[4])}`);
    return watch.apply(this, a);
  };
  proto["list"] = function (this: unknown, ...a: unknown[]) {
    calls.push(`list ${plural(a[0])} ${(a[2] as { fieldSelector?: string } | undefined)?.fieldSelector ?? ""}`);
    return list.apply(this, a);
  };
  try {
    await fn(calls);
  } finally {
    proto["get"] = get;
    proto["watch"] = watch;
    proto["list"] = list;
  }
}

test("the kubelet watches each ConfigMap and Secret its pods reference (metadata.name field selector) instead of GETting them", async () => {
  await recordingReads(async (calls) => {
    const { cluster, pods, kubeletOf } = await kubeletCluster();
    try {
      await cluster.client.resource("ConfigMap").create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg", namespace: "default" }, data: { mode: "fast" } } as never);
      await cluster.client.resource("Secret").create({ apiVersion: "v1", kind: "Secret", metadata: { name: "creds", namespace: "default" }, data: { user: Buffer.from("admin").toString("base64") } } as never);
      const spec = {
        automountServiceAccountToken: false,
        containers: [{ name: "c", image: "busybox:1.36", command: ["sh", "-c", "echo mode=$MODE user=$(cat /creds/user); sleep 3600"], env: [{ name: "MODE", valueFrom: { configMapKeyRef: { name: "cfg", key: "mode" } } }], volumeMounts: [{ name: "creds", mountPath: "/creds" }] }],
        volumes: [{ name: "creds", secret: { secretName: "creds" } }],
      };
      await pods.create(pod("a", spec));
      await pods.create(pod("b", spec));
      const running = async (name: string): Promise<Pod> => cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === name && x.status?.phase === "Running");
      const a = await running("a");
      await running("b");
      await cluster.clock.sleep(100);
      assert.match(kubeletOf().runtime.logs.lines(`/var/log/pods/default_a_${a.metadata!.uid}/c/0.log`)![0]!, / stdout F mode=fast user=admin$/);
      const byNode = calls.filter((c) => c.endsWith("by system:node:node-1"));
      assert.equal(byNode.filter((c) => /^get (configmaps|secrets) /.test(c)), [], "no GET of a referenced object");
      // One watch per object, shared by both pods.
      assert.equal(byNode.filter((c) => /^watch (configmaps|secrets) /.test(c)).sort(), ["watch configmaps metadata.name=cfg by system:node:node-1", "watch secrets metadata.name=creds by system:node:node-1"]);
      // A change reaches the kubelet through the watch: a new pod reads the new value without a GET.
      await cluster.client.resource("ConfigMap").patch("cfg", "merge", { data: { mode: "slow" } }, { namespace: "default" });
      await cluster.clock.sleep(100);
      await pods.create(pod("c", spec));
      const c = await running("c");
      await cluster.clock.sleep(100);
      assert.match(kubeletOf().runtime.logs.lines(`/var/log/pods/default_c_${c.metadata!.uid}/c/0.log`)![0]!, / stdout F mode=slow user=admin$/);
      assert.equal(calls.filter((x) => /^get (configmaps|secrets) .* by system:node:node-1$/.test(x)), []);
    } finally {
      await cluster.stop();
    }
  });
});

const configMap = (name: string, data: Record<string, string>, immutable?: boolean) =>
  ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" }, data, ...(immutable ? { immutable } : {}) }) as never;
const envFrom = (cm: string, cmd = "echo mode=$MODE; sleep 3600") => ({
  automountServiceAccountToken: false,
  containers: [{ name: "c", image: "busybox:1.36", command: ["sh", "-c", cmd], env: [{ name: "MODE", valueFrom: { configMapKeyRef: { name: cm, key: "mode" } } }] }],
});

test("an immutable ConfigMap's watch stops at its first read: its state is served from then on, even after it is deleted (upstream's objectCache)", async () => {
  const { cluster, pods, kubeletOf } = await kubeletCluster();
  try {
    await cluster.client.resource("ConfigMap").create(configMap("frozen", { mode: "first" }, true));
    await pods.create(pod("a", envFrom("frozen")));
    await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "a" && x.status?.phase === "Running");
    await cluster.client.resource("ConfigMap").delete("frozen", { namespace: "default" });
    await cluster.clock.sleep(100);
    // Pod a keeps the reference, so the stopped watch's last state answers pod b's read.
    await pods.create(pod("b", envFrom("frozen")));
    const b = await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "b" && x.status?.phase === "Running");
    await cluster.clock.sleep(100);
    assert.match(kubeletOf().runtime.logs.lines(`/var/log/pods/default_b_${b.metadata!.uid}/c/0.log`)![0]!, / stdout F mode=first$/);
    // A mutable ConfigMap's deletion reaches the kubelet through its watch: a new pod cannot start.
    await cluster.client.resource("ConfigMap").create(configMap("live", { mode: "x" }));
    await pods.create(pod("c", envFrom("live")));
    await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "c" && x.status?.phase === "Running");
    await cluster.client.resource("ConfigMap").delete("live", { namespace: "default" });
    await cluster.clock.sleep(100);
    await pods.create(pod("d", envFrom("live")));
    const d = await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "d" && x.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CreateContainerConfigError");
    assert.equal(d.status?.containerStatuses?.[0]?.state?.waiting?.message, 'configmap "live" not found');
  } finally {
    await cluster.stop();
  }
});

test("a watch no read used for five sync periods is stopped, and the next read lists the object again", async () => {
  await recordingReads(async (calls) => {
    const { cluster, pods, kubeletOf } = await kubeletCluster();
    try {
      // Each start of the object's watch lists it first (a reflector's re-watch after a watch timeout does not).
      const watches = () => calls.filter((c) => c === "list configmaps metadata.name=cfg").length;
      await cluster.client.resource("ConfigMap").create(configMap("cfg", { mode: "one" }));
      await pods.create(pod("a", envFrom("cfg")));
      await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "a" && x.status?.phase === "Running");
      assert.equal(watches(), 1);
      // Env is read once, at container start: after 5 minutes without a read the watch ends.
      await cluster.clock.sleep(4 * 60_000);
      await cluster.client.resource("ConfigMap").patch("cfg", "merge", { data: { mode: "two" } }, { namespace: "default" });
      await cluster.clock.sleep(2.5 * 60_000);
      assert.equal(watches(), 1, "the stopped watch is not restarted without a read");
      await pods.create(pod("b", envFrom("cfg")));
      const b = await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "b" && x.status?.phase === "Running");
      await cluster.clock.sleep(100);
      assert.equal(watches(), 2, "the read started the watch again");
      assert.match(kubeletOf().runtime.logs.lines(`/var/log/pods/default_b_${b.metadata!.uid}/c/0.log`)![0]!, / stdout F mode=two$/);
      assert.equal(calls.filter((x) => /^get configmaps .* by system:node:node-1$/.test(x)), []);
    } finally {
      await cluster.stop();
    }
  });
});

test("an ephemeral container's references are watched when it is added (RegisterPod on update)", async () => {
  await recordingReads(async (calls) => {
    const { cluster, pods, kubeletOf } = await kubeletCluster();
    try {
      await cluster.client.resource("ConfigMap").create(configMap("debug", { mode: "dbg" }));
      await pods.create(pod("app", { automountServiceAccountToken: false, containers: [{ name: "c", image: "busybox:1.36", command: ["sleep", "3600"] }] }));
      const current = await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "app" && x.status?.phase === "Running");
      const ephemeralContainers = [{ name: "dbg", image: "busybox:1.36", command: ["sh", "-c", "echo mode=$MODE; sleep 3600"], env: [{ name: "MODE", valueFrom: { configMapKeyRef: { name: "debug", key: "mode" } } }] }];
      await pods.updateSubresource("app", "ephemeralcontainers", { ...current, spec: { ...current.spec!, ephemeralContainers } } as Pod, { namespace: "default" });
      await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "app" && x.status?.ephemeralContainerStatuses?.[0]?.state?.running !== undefined);
      await cluster.clock.sleep(100);
      assert.match(kubeletOf().runtime.logs.lines(`/var/log/pods/default_app_${current.metadata!.uid}/dbg/0.log`)![0]!, / stdout F mode=dbg$/);
      assert.ok(calls.includes("watch configmaps metadata.name=debug by system:node:node-1"));
    } finally {
      await cluster.stop();
    }
  });
});

test.run();
