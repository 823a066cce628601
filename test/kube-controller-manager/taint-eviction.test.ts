import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Node, Pod, Taint, Toleration } from "kubernetes-types/core/v1.js";
import { taintEvictionController } from "../../plugins/kube-controller-manager/controllers/nodelifecycle/index.js";
import { managerHarness, settle } from "../controller/harness.js";

const node = (name: string, taints: Taint[] = []): Node => ({ apiVersion: "v1", kind: "Node", metadata: { name }, spec: taints.length ? { taints } : {} });
const pod = (name: string, nodeName: string, tolerations: Toleration[] = []): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default" },
  spec: { nodeName, containers: [{ name: "c", image: "nginx" }], tolerations },
});
const DEDICATED: Taint = { key: "dedicated", value: "db", effect: "NoExecute" };

async function harness() {
  const h = await managerHarness();
  const controller = taintEvictionController(h.mgr, 1);
  await h.client.resource<Node>("Node").create(node("plain"));
  await h.client.resource<Node>("Node").create(node("tainted", [DEDICATED]));
  await h.mgr.start();
  await settle();
  return { ...h, controller, pods: h.client.resource<Pod>("Pod") };
}

const deleting = async (h: Awaited<ReturnType<typeof harness>>, name: string): Promise<boolean> => !!(await h.pods.get(name, { namespace: "default" }).catch(() => undefined))?.metadata?.deletionTimestamp;

test("pods on a node without NoExecute taints, with no eviction pending, cost the controller no reconcile", async () => {
  const h = await harness();
  const before = h.controller.reconciles;
  for (let i = 0; i < 5; i++) await h.pods.create(pod(`p${i}`, "plain"), { namespace: "default" });
  await settle();
  await h.pods.patch("p0", "strategic", { spec: { tolerations: [{ key: "x", operator: "Exists", effect: "NoExecute" }] } }, { namespace: "default" }).catch(() => undefined);
  await h.pods.delete("p1", { namespace: "default", gracePeriodSeconds: 0 });
  await settle();
  assert.is(h.controller.reconciles - before, 0);
  await h.mgr.stop();
});

test("a pod bound to a node already tainted NoExecute is evicted at once; one tolerating it for 60 s after 60 s", async () => {
  const h = await harness();
  await h.pods.create(pod("intolerant", "tainted"), { namespace: "default" });
  await h.pods.create(pod("patient", "tainted", [{ key: "dedicated", operator: "Exists", effect: "NoExecute", tolerationSeconds: 60 }]), { namespace: "default" });
  await h.pods.create(pod("elsewhere", "plain"), { namespace: "default" });
  await settle();
  assert.ok(await deleting(h, "intolerant"), "evicted at once");
  assert.not.ok(await deleting(h, "patient"), "tolerates it for now");
  await h.clock.advance(59_000);
  await settle();
  assert.not.ok(await deleting(h, "patient"), "still within tolerationSeconds");
  await h.clock.advance(1_000);
  await settle();
  assert.ok(await deleting(h, "patient"), "evicted after 60 s");
  assert.not.ok(await deleting(h, "elsewhere"));
  await h.mgr.stop();
});

test("while an eviction is pending, other pods' events are reconciled (a deleted pending pod cancels its timer)", async () => {
  const h = await harness();
  await h.pods.create(pod("patient", "tainted", [{ key: "dedicated", operator: "Exists", effect: "NoExecute", tolerationSeconds: 60 }]), { namespace: "default" });
  await settle();
  const before = h.controller.reconciles;
  const timers = h.clock.pending;
  await h.pods.delete("patient", { namespace: "default", gracePeriodSeconds: 0 });
  await settle();
  assert.ok(h.controller.reconciles - before >= 1, "the deletion is reconciled");
  assert.is(h.clock.pending, timers - 1, "its eviction timer is cancelled");
  await h.mgr.stop();
});

test("taints added to a node later reach the pods placed on it while it had none", async () => {
  const h = await harness();
  await h.pods.create(pod("early", "plain"), { namespace: "default" });
  await settle();
  await h.client.resource<Node>("Node").patch("plain", "merge", { spec: { taints: [DEDICATED] } });
  await settle();
  assert.ok(await deleting(h, "early"));
  await h.mgr.stop();
});

test.run();
