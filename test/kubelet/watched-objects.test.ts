import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import { ApiServer } from "../../core/apiserver/api-server.js";
import { kubeletCluster, pod } from "./harness.js";

/** Records the API server's get and watch calls (resource, user, field selector) while `fn` runs. */
async function recordingReads(fn: (calls: string[]) => Promise<void>): Promise<void> {
  const proto = ApiServer.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const get = proto["get"]!;
  const watch = proto["watch"]!;
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
  try {
    await fn(calls);
  } finally {
    proto["get"] = get;
    proto["watch"] = watch;
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

test.run();
