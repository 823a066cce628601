import { test } from "uvu";
import * as assert from "uvu/assert";
import { resourceQuota } from "../../core/apiserver/admission/resource-quota.js";
import type { AdmissionContext, AdmissionRequest } from "../../core/apiserver/admission.js";
import type { KubeObject } from "../../core/api/object.js";
import type { ResourceDescriptor } from "../../core/api/resource.js";
import { isStatusError } from "../../core/api/status.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { FakeClient } from "./fake-client.js";
import { CONFIGMAPS, DEPLOYMENTS, PODS, SERVICES } from "./descriptors.js";

function quota(name: string, hard: Record<string, string>, used?: Record<string, string>, scopes?: string[]): KubeObject {
  return { metadata: { name, namespace: "ns" }, spec: { hard, scopes }, status: used ? { hard, used } : undefined };
}

function pod(name: string, requests?: Record<string, string>, limits?: Record<string, string>): KubeObject {
  return { metadata: { name, namespace: "ns" }, spec: { containers: [{ name: "app", image: "nginx", resources: { requests, limits } }] } };
}

const create = (obj: KubeObject, resource: ResourceDescriptor = PODS): AdmissionRequest => ({ operation: "CREATE", resource, namespace: "ns", name: obj.metadata?.name, object: obj, dryRun: false });

async function rejection(req: AdmissionRequest, c: AdmissionContext): Promise<string> {
  try {
    await resourceQuota.validate!(req, c);
  } catch (err) {
    assert.ok(isStatusError(err, "Forbidden"));
    return (err as Error).message;
  }
  throw new Error("expected a rejection");
}

test("exceeding a pod count quota is Forbidden with the real wording", async () => {
  const client = new FakeClient().add("resourcequotas", quota("q", { pods: "2" }, { pods: "2" }));
  const msg = await rejection(create(pod("p3")), { client, clock: new VirtualClock() });
  assert.is(msg, 'pods "p3" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2');
});

test("admitting records the new usage in status.used", async () => {
  const client = new FakeClient().add("resourcequotas", quota("q", { pods: "5", "requests.cpu": "1", "limits.memory": "1Gi" }, { pods: "1", "requests.cpu": "250m", "limits.memory": "512Mi" }));
  await resourceQuota.validate!(create(pod("p", { cpu: "500m" }, { memory: "256Mi" })), { client, clock: new VirtualClock() });
  const q = client.stored("resourcequotas", "q", "ns") as { status: { used: Record<string, string> } };
  assert.equal(q.status.used, { pods: "2", "requests.cpu": "750m", "limits.memory": "768Mi" });
});

test("cpu and memory quotas exceed on sums and demand explicit requests", async () => {
  const client = new FakeClient().add("resourcequotas", quota("compute", { "requests.cpu": "1", "limits.cpu": "2" }, { "requests.cpu": "800m", "limits.cpu": "1" }));
  const c = { client, clock: new VirtualClock() };
  assert.is(await rejection(create(pod("big", { cpu: "300m" }, { cpu: "300m" })), c), 'pods "big" is forbidden: exceeded quota: compute, requested: requests.cpu=300m, used: requests.cpu=800m, limited: requests.cpu=1');
  assert.is(await rejection(create(pod("bare")), c), 'pods "bare" is forbidden: failed quota: compute: must specify limits.cpu for: app; requests.cpu for: app');
});

test("without status (no quota controller yet) usage is counted from live objects", async () => {
  const client = new FakeClient()
    .add("resourcequotas", quota("counts", { configmaps: "2", "count/configmaps": "5" }))
    .add("configmaps", { metadata: { name: "a", namespace: "ns" } }, { metadata: { name: "b", namespace: "ns" } }, { metadata: { name: "other", namespace: "elsewhere" } });
  const msg = await rejection(create({ metadata: { name: "c", namespace: "ns" } }, CONFIGMAPS), { client, clock: new VirtualClock() });
  assert.is(msg, 'configmaps "c" is forbidden: exceeded quota: counts, requested: configmaps=1, used: configmaps=2, limited: configmaps=2');
});

test("count/<resource>.<group> and services.nodeports; generateName names the error", async () => {
  const client = new FakeClient().add("resourcequotas", quota("objs", { "count/deployments.apps": "1", "services.nodeports": "1" }, { "count/deployments.apps": "1", "services.nodeports": "0" }));
  const c = { client, clock: new VirtualClock() };
  const d = { metadata: { generateName: "web-", namespace: "ns" } };
  assert.is(await rejection({ ...create(d, DEPLOYMENTS), name: undefined }, c), 'deployments.apps "web-" is forbidden: exceeded quota: objs, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1');
  const svc = { metadata: { name: "s", namespace: "ns" }, spec: { type: "NodePort", ports: [{ port: 80 }, { port: 443 }] } };
  assert.is(await rejection(create(svc, SERVICES), c), 'services "s" is forbidden: exceeded quota: objs, requested: services.nodeports=2, used: services.nodeports=0, limited: services.nodeports=1');
  await resourceQuota.validate!(create({ metadata: { name: "cip", namespace: "ns" }, spec: { ports: [{ port: 80 }] } }, SERVICES), c);
});

test("scoped quotas only count matching pods; dry run writes nothing", async () => {
  const client = new FakeClient().add("resourcequotas", quota("be", { pods: "0" }, { pods: "0" }, ["BestEffort"]));
  const c = { client, clock: new VirtualClock() };
  await resourceQuota.validate!(create(pod("guaranteed", { cpu: "1" }, { cpu: "1" })), c);
  assert.ok((await rejection(create(pod("besteffort")), c)).includes("exceeded quota: be"));
  const free = new FakeClient().add("resourcequotas", quota("q", { pods: "9" }, { pods: "0" }));
  await resourceQuota.validate!({ ...create(pod("p")), dryRun: true }, { client: free, clock: new VirtualClock() });
  assert.is(free.writes.length, 0);
});

test("a service switched to NodePort is charged only for what grew", async () => {
  const client = new FakeClient().add("resourcequotas", quota("np", { "services.nodeports": "1", services: "5", pods: "1" }, { "services.nodeports": "0", services: "1", pods: "1" }));
  const c = { client, clock: new VirtualClock() };
  const old = { metadata: { name: "s", namespace: "ns" }, spec: { type: "ClusterIP", ports: [{ port: 80 }] } };
  const next = { ...old, spec: { type: "NodePort", ports: [{ port: 80 }] } };
  await resourceQuota.validate!({ ...create(next, SERVICES), operation: "UPDATE", oldObject: old }, c);
  assert.equal((client.stored("resourcequotas", "np", "ns") as { status: { used: unknown } }).status.used, { "services.nodeports": "1", services: "1", pods: "1" });
  const two = { ...old, spec: { type: "NodePort", ports: [{ port: 80 }, { port: 81 }] } };
  assert.ok((await rejection({ ...create(two, SERVICES), operation: "UPDATE", oldObject: next }, c)).includes("exceeded quota: np, requested: services.nodeports=1, used: services.nodeports=1"));
  // a full pods quota does not stop pod updates: pods count on create only
  await resourceQuota.validate!({ ...create(pod("p")), operation: "UPDATE", oldObject: pod("p") }, c);
});

test.run();
