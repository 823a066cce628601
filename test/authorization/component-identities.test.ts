/**
 * Every in-process component acts under its own identity, authorized as over HTTP: kube-scheduler
 * as system:kube-scheduler, each kube-controller-manager controller as its kube-system service
 * account (--use-service-account-credentials), kubelets as system:node:<node> (the Node authorizer
 * and NodeRestriction apply), kube-proxy's user by system:node-proxier.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Node, Pod, ServiceAccount } from "kubernetes-types/core/v1.js";
import type { Deployment } from "kubernetes-types/apps/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { definePlugin } from "../../core/plugins/plugin.js";
import { AdmissionPlugins } from "../../core/plugins/extension-points.js";
import { KUBE_CONTROLLER_MANAGER_USER, KUBE_PROXY_USER, KUBE_SCHEDULER_USER, nodeUser } from "../../core/client/client-factory.js";
import { isStatusError } from "../../core/api/status.js";

/** Who made each write: `<operation> <resource>[/<sub>] <user>`, recorded by an admission plugin. */
const writers = new Set<string>();
const recorder = definePlugin({
  name: "test-request-users",
  setup(ctx) {
    ctx.contribute(AdmissionPlugins, "RecordUsers", {
      name: "RecordUsers",
      validate(r) {
        writers.add(`${r.operation} ${r.resource.plural}${r.subresource ? `/${r.subresource}` : ""} ${r.user?.username ?? "-"}`);
      },
    });
  },
});

const cluster = new Cluster({ clock: "virtual", seed: 31, nodes: 2, plugins: ["kube-controller-manager", "kube-scheduler", "images", "runtime-containerd", "kubelet", "cni-plugins", "cni-kindnet", recorder] });
await cluster.start();

async function forbidden(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isStatusError(err, "Forbidden")) return err.message;
    throw err;
  }
  throw new Error("expected Forbidden");
}

test("a Deployment's pods are created by the controllers' service accounts, bound by the scheduler and run by their node's kubelet", async () => {
  await cluster.apply(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
`);
  await cluster.waitFor<Deployment>("Deployment", (d) => d.metadata?.name === "web" && d.status?.readyReplicas === 2, { namespace: "default", timeout: 120_000 });
  assert.ok(writers.has("CREATE replicasets system:serviceaccount:kube-system:deployment-controller"), [...writers].join("\n"));
  assert.ok(writers.has("CREATE pods system:serviceaccount:kube-system:replicaset-controller"));
  assert.ok(writers.has("CREATE pods/binding system:kube-scheduler"));
  const pods = (await cluster.client.resource<Pod>("Pod").list({ namespace: "default" })).items;
  for (const node of new Set(pods.map((p) => p.spec!.nodeName!))) assert.ok(writers.has(`UPDATE pods/status system:node:${node}`) || writers.has(`PATCH pods/status system:node:${node}`), `the kubelet of ${node} writes its pods' status as system:node:${node}\n${[...writers].join("\n")}`);
  assert.ok([...writers].some((w) => w.startsWith("CREATE events system:serviceaccount:kube-system:")), "controllers record Events as their service accounts");
});

test("kube-controller-manager creates each controller's ServiceAccount in kube-system and takes its lease as itself", async () => {
  const accounts = new Set((await cluster.client.resource<ServiceAccount>("ServiceAccount").list({ namespace: "kube-system" })).items.map((s) => s.metadata!.name!));
  for (const name of ["deployment-controller", "replicaset-controller", "node-controller", "generic-garbage-collector", "namespace-controller", "pod-garbage-collector"]) assert.ok(accounts.has(name), `kube-system/${name}`);
  assert.ok(writers.has("CREATE leases system:kube-controller-manager") || writers.has("UPDATE leases system:kube-controller-manager"), [...writers].filter((w) => w.includes("leases")).join("\n"));
});

test("the scheduler's identity may bind pods but not write Deployments, with kube-apiserver's Forbidden text", async () => {
  const scheduler = cluster.clientFor(KUBE_SCHEDULER_USER);
  const message = await forbidden(scheduler.resource("Deployment").create({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x", namespace: "default" } } as never));
  assert.is(message, 'deployments.apps is forbidden: User "system:kube-scheduler" cannot create resource "deployments" in API group "apps" in the namespace "default"');
  assert.ok((await scheduler.resource<Node>("Node").list()).items.length >= 2, "it lists nodes");
});

test("a kubelet's identity reads only what its node needs, and NodeRestriction keeps it to its own Node", async () => {
  const [a, b] = [...cluster.nodes.keys()] as [string, string];
  const kubelet = cluster.clientFor(nodeUser(a));
  await cluster.client.resource("Secret").create({ apiVersion: "v1", kind: "Secret", metadata: { name: "unrelated", namespace: "default" }, stringData: { k: "v" } } as never);
  const secret = await forbidden(kubelet.resource("Secret").get("unrelated", { namespace: "default" }));
  assert.match(secret, `User "system:node:${a}" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node '${a}' and this object`);
  const other = await forbidden(kubelet.resource<Node>("Node").patch(b, "merge", { metadata: { labels: { x: "y" } } }));
  assert.match(other, `node "${a}" is not allowed to modify node "${b}"`);
  await kubelet.resource<Node>("Node").patch(a, "merge", { metadata: { labels: { "example.com/ok": "yes" } } });
});

test("a kubelet's allowed requests stay decided per object: a lease of another name, secrets of no pod", async () => {
  const [a, b] = [...cluster.nodes.keys()] as [string, string];
  const kubelet = cluster.clientFor(nodeUser(a));
  const leases = kubelet.resource("Lease");
  // Repeated: the first answers are kept per verb and resource, never widened to other names.
  for (let round = 0; round < 2; round++) {
    await leases.get(a, { namespace: "kube-node-lease" });
    const foreign = await forbidden(leases.get(b, { namespace: "kube-node-lease" }));
    assert.match(foreign, "can only access node lease with the same name as the requesting node");
    const elsewhere = await forbidden(leases.get(a, { namespace: "default" }));
    assert.match(elsewhere, "can only access leases in the kube-node-lease namespace");
    await kubelet.resource("Event").create({ apiVersion: "v1", kind: "Event", metadata: { name: `e-${round}`, namespace: "default" }, involvedObject: { kind: "Node", name: a }, reason: "Test", message: "m" } as never);
    const secret = await forbidden(kubelet.resource("Secret").get("unrelated", { namespace: "default" }));
    assert.match(secret, "no relationship found");
  }
  // The nameless answers are shared by every node's kubelet: the other node still gets only its own lease.
  const otherLeases = cluster.clientFor(nodeUser(b)).resource("Lease");
  await otherLeases.get(b, { namespace: "kube-node-lease" });
  assert.match(await forbidden(otherLeases.get(a, { namespace: "kube-node-lease" })), "can only access node lease with the same name as the requesting node");
  assert.match(await forbidden(cluster.clientFor(nodeUser(b)).resource("Secret").list({ namespace: "default" })), `User "system:node:${b}" cannot list resource "secrets"`);
});

test("a kubelet may read the configmap of a pod bound to its node, and another node's kubelet may not", async () => {
  const [a, b] = [...cluster.nodes.keys()] as [string, string];
  await cluster.client.resource("ConfigMap").create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "pod-config", namespace: "default" }, data: { k: "v" } } as never);
  await cluster.client.resource<Pod>("Pod").create({
    apiVersion: "v1", kind: "Pod", metadata: { name: "with-config", namespace: "default" },
    spec: { nodeName: a, containers: [{ name: "c", image: "busybox" }], volumes: [{ name: "cfg", configMap: { name: "pod-config" } }] },
  });
  const kubelet = cluster.clientFor(nodeUser(a));
  // The Node graph follows pods through the API server's own informer: wait for the edge.
  let read: unknown;
  for (let i = 0; i < 100 && !read; i++) {
    read = await kubelet.resource("ConfigMap").get("pod-config", { namespace: "default" }).catch(() => undefined);
    if (!read) await cluster.clock.sleep(100);
  }
  assert.ok(read, "the kubelet of the pod's node reads its configmap");
  // Asked again (a kept answer would be per verb and resource): still decided per object.
  await kubelet.resource("ConfigMap").get("pod-config", { namespace: "default" });
  const other = await forbidden(cluster.clientFor(nodeUser(b)).resource("ConfigMap").get("pod-config", { namespace: "default" }));
  assert.match(other, `no relationship found between node '${b}' and this object`);
  const unrelated = await forbidden(kubelet.resource("ConfigMap").get("kube-root-ca.crt", { namespace: "kube-public" }));
  assert.match(unrelated, "no relationship found");
  await cluster.client.resource("Pod").delete("with-config", { namespace: "default", gracePeriodSeconds: 0 });
});

test("an ephemeral container added to a bound pod relates its secrets to the node (the graph re-reads the pod, as upstream's updatePod)", async () => {
  const [a] = [...cluster.nodes.keys()] as [string];
  await cluster.client.resource("Secret").create({ apiVersion: "v1", kind: "Secret", metadata: { name: "debug-token", namespace: "default" }, data: { t: "eA==" } } as never);
  const pods = cluster.client.resource<Pod>("Pod");
  const created = await pods.create({ apiVersion: "v1", kind: "Pod", metadata: { name: "debug-target", namespace: "default" }, spec: { nodeName: a, containers: [{ name: "c", image: "busybox" }] } });
  const kubelet = cluster.clientFor(nodeUser(a));
  const read = async (): Promise<unknown> => {
    for (let i = 0; i < 100; i++) {
      const got = await kubelet.resource("Secret").get("debug-token", { namespace: "default" }).catch(() => undefined);
      if (got) return got;
      await cluster.clock.sleep(100);
    }
    return undefined;
  };
  assert.match(await forbidden(kubelet.resource("Secret").get("debug-token", { namespace: "default" })), "no relationship found");
  const ephemeralContainers = [{ name: "dbg", image: "busybox", env: [{ name: "T", valueFrom: { secretKeyRef: { name: "debug-token", key: "t" } } }] }];
  for (let attempt = 0; ; attempt++) {
    // The pod's kubelet writes its status meanwhile: a conflict is retried on the latest version.
    const current = attempt === 0 ? created : await pods.get("debug-target", { namespace: "default" });
    const done = await pods.updateSubresource("debug-target", "ephemeralcontainers", { ...current, spec: { ...current.spec!, ephemeralContainers } } as Pod, { namespace: "default" }).catch((err: unknown) => {
      if (attempt < 5 && isStatusError(err) && err.code === 409) return undefined;
      throw err;
    });
    if (done) break;
  }
  assert.ok(await read(), "the kubelet reads the secret its pod's ephemeral container references");
  await pods.delete("debug-target", { namespace: "default", gracePeriodSeconds: 0 });
});

test("kube-proxy's and kube-controller-manager's users have their bootstrap roles and no more", async () => {
  const proxy = cluster.clientFor(KUBE_PROXY_USER);
  assert.ok(Array.isArray((await proxy.resource("EndpointSlice").list()).items));
  await forbidden(proxy.resource("Secret").list({ namespace: "default" }));
  const kcm = cluster.clientFor(KUBE_CONTROLLER_MANAGER_USER);
  assert.ok(Array.isArray((await kcm.resource("Pod").list()).items), "list on everything");
  await forbidden(kcm.resource<Pod>("Pod").delete("anything", { namespace: "default" }));
});

test("a role change takes effect for a component's client (cached decisions are dropped)", async () => {
  const bot = cluster.clientFor({ username: "bot", groups: ["system:authenticated"] });
  await forbidden(bot.resource("ConfigMap").list({ namespace: "default" }));
  await cluster.apply(`apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: bot-view, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: bot}]
`);
  await cluster.clock.sleep(100);
  assert.ok(Array.isArray((await bot.resource("ConfigMap").list({ namespace: "default" })).items));
  await cluster.client.resource("RoleBinding").delete("bot-view", { namespace: "default" });
  await cluster.clock.sleep(100);
  await forbidden(bot.resource("ConfigMap").list({ namespace: "default" }));
});

test.after(async () => {
  await cluster.stop();
});

test.run();
