import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ConfigMap, Event, Pod } from "kubernetes-types/core/v1.js";
import type { Deployment, ReplicaSet } from "kubernetes-types/apps/v1.js";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js";
import type { ObjectMeta } from "kubernetes-types/meta/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { componentUserAgent } from "../../core/client/user-agent.js";
import { isStatusError } from "../../core/api/status.js";
import { manifest } from "../../examples/compose-cluster/main.js";

/** Each managedFields entry as `manager operation[/subresource]`, in the object's order. */
function managers(o: { metadata?: ObjectMeta }): string[] {
  return (o.metadata?.managedFields ?? []).map((m) => `${m.manager} ${m.operation}${m.subresource ? `/${m.subresource}` : ""}`);
}

test("componentUserAgent is client-go's default User-Agent, with rest.AddUserAgent's suffix", () => {
  assert.is(componentUserAgent("kubelet"), "kubelet/v1.32.0 (linux/amd64) kubernetes/unknown");
  assert.is(componentUserAgent("kube-controller-manager", "system:serviceaccount:kube-system:replicaset-controller"), "kube-controller-manager/v1.32.0 (linux/amd64) kubernetes/unknown/system:serviceaccount:kube-system:replicaset-controller");
});

test("components' writes are recorded under their own managers, as on a kubeadm cluster", async () => {
  const cluster = new Cluster({ name: "fm", clock: "virtual", seed: 3, nodes: 2 });
  await cluster.start();
  try {
    await cluster.apply(manifest);
    await cluster.waitFor<Deployment>("Deployment", (d) => d.metadata?.name === "web" && d.status?.availableReplicas === 3, { namespace: "shop", timeout: 120_000 });
    const pods = (await cluster.client.resource<Pod>("Pod").list({ namespace: "shop" })).items;
    assert.is(pods.length, 3);
    for (const p of pods) {
      // kube-scheduler writes the PodScheduled condition of a pod it could not place at first (nodes still starting).
      const m = managers(p).filter((e) => e !== "kube-scheduler Update/status");
      assert.equal(m, ["kube-controller-manager Update", "kubelet Update/status"], p.metadata!.name);
    }
    const [rs] = (await cluster.client.resource<ReplicaSet>("ReplicaSet").list({ namespace: "shop" })).items;
    assert.equal(managers(rs!), ["kube-controller-manager Update", "kube-controller-manager Update/status"]);
    const d = await cluster.client.resource<Deployment>("Deployment").get("web", { namespace: "shop" });
    assert.equal(managers(d), ["kubectl-client-side-apply Update", "kube-controller-manager Update/status"]);
    const slices = (await cluster.client.resource<EndpointSlice>("EndpointSlice").list({ namespace: "shop" })).items;
    assert.ok(slices.length > 0);
    for (const s of slices) assert.equal(managers(s), ["kube-controller-manager Update"]);
    // Events: the scheduler's Scheduled, the kubelet's Pulled/Created/Started, the controllers' SuccessfulCreate/ScalingReplicaSet.
    const events = (await cluster.client.resource<Event>("Event").list({ namespace: "shop" })).items;
    const byReason = new Map(events.map((e) => [e.reason!, managers(e)]));
    assert.equal(byReason.get("Scheduled"), ["kube-scheduler Update"]);
    assert.equal(byReason.get("Started"), ["kubelet Update"]);
    assert.equal(byReason.get("SuccessfulCreate"), ["kube-controller-manager Update"]);
    assert.equal(byReason.get("ScalingReplicaSet"), ["kube-controller-manager Update"]);
  } finally {
    await cluster.stop();
  }
});

test("an in-process client's User-Agent names the manager of writes without one; an explicit manager wins; apply still needs one", async () => {
  const cluster = new Cluster({ name: "fm2", clock: "virtual", seed: 4, nodes: 1 });
  await cluster.start();
  try {
    const client = cluster.clientFor({ username: "operator", groups: ["system:masters", "system:authenticated"] }, componentUserAgent("my-operator", "x"));
    const cms = client.resource<ConfigMap>("ConfigMap");
    await cms.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "kube-public" }, data: { k: "1" } });
    await cms.patch("a", "merge", { data: { j: "2" } }, { namespace: "kube-public", fieldManager: "explicit" });
    const a = await cms.get("a", { namespace: "kube-public" });
    assert.equal(managers(a), ["explicit Update", "my-operator Update"]);
    try {
      await cms.patch("a", "apply", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "kube-public" } }, { namespace: "kube-public" });
      assert.unreachable("apply without fieldManager must be refused");
    } catch (err) {
      assert.ok(isStatusError(err), String(err));
    }
    // Without a User-Agent the server's default manager stays.
    await cluster.client.resource<ConfigMap>("ConfigMap").create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "b", namespace: "default" }, data: { k: "1" } });
    assert.equal(managers(await cluster.client.resource<ConfigMap>("ConfigMap").get("b", { namespace: "default" })), ["kubesim Update"]);
  } finally {
    await cluster.stop();
  }
});

test.run();
