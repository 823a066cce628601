import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import { limitRanger } from "../../core/apiserver/admission/limit-ranger.js";
import type { AdmissionContext, AdmissionRequest } from "../../core/apiserver/admission.js";
import type { KubeObject } from "../../core/api/object.js";
import { isStatusError } from "../../core/api/status.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { FakeClient } from "./fake-client.js";
import { PODS, PVCS } from "./descriptors.js";

function ctx(...limits: object[]): AdmissionContext {
  const client = new FakeClient().add("limitranges", { metadata: { name: "lr", namespace: "ns" }, spec: { limits } });
  return { client, clock: new VirtualClock() };
}

function pod(resources?: object, init?: object): Pod {
  return {
    metadata: { name: "p", namespace: "ns" },
    spec: { containers: [{ name: "app", image: "nginx", resources }], ...(init ? { initContainers: [{ name: "setup", image: "busybox", resources: init }] } : {}) },
  } as Pod;
}

const create = (obj: object, resource = PODS): AdmissionRequest => ({ operation: "CREATE", resource, namespace: "ns", name: "p", object: obj as KubeObject, dryRun: false });

async function rejection(req: AdmissionRequest, c: AdmissionContext): Promise<string> {
  try {
    await limitRanger.admit!(req, c);
    await limitRanger.validate!(req, c);
  } catch (err) {
    assert.ok(isStatusError(err, "Forbidden"));
    return (err as Error).message;
  }
  throw new Error("expected a rejection");
}

test("defaults requests and limits from a Container limit and annotates the pod", async () => {
  const c = ctx({ type: "Container", default: { cpu: "500m", memory: "256Mi" }, defaultRequest: { cpu: "100m" } });
  const p = pod({ limits: { memory: "128Mi" } }, {});
  await limitRanger.admit!(create(p), c);
  assert.equal(p.spec!.containers[0]!.resources, { limits: { memory: "128Mi", cpu: "500m" }, requests: { cpu: "100m", memory: "256Mi" } });
  assert.equal(p.spec!.initContainers![0]!.resources!.limits, { cpu: "500m", memory: "256Mi" });
  assert.is(
    p.metadata!.annotations!["kubernetes.io/limit-ranger"],
    "LimitRanger plugin set: cpu, memory request for container app; cpu limit for container app; cpu, memory request for init container setup; cpu, memory limit for init container setup",
  );
});

test("default limit falls back to max; default request to default limit", async () => {
  const c = ctx({ type: "Container", max: { cpu: "2" } });
  const p = pod();
  await limitRanger.admit!(create(p), c);
  assert.equal(p.spec!.containers[0]!.resources, { limits: { cpu: "2" }, requests: { cpu: "2" } });
});

test("refuses containers below min or above max with Kubernetes' wording", async () => {
  const c = ctx({ type: "Container", min: { cpu: "100m" }, max: { memory: "1Gi" } });
  const msg = await rejection(create(pod({ requests: { cpu: "50m", memory: "2Gi" }, limits: { cpu: "50m", memory: "2Gi" } })), c);
  assert.is(msg, 'pods "p" is forbidden: [minimum cpu usage per Container is 100m, but request is 50m, maximum memory usage per Container is 1Gi, but limit is 2Gi]');
});

test("a single violation is not bracketed; max without a limit says so", async () => {
  const c = ctx({ type: "Container", max: { memory: "1Gi" }, default: { memory: "1Gi" } });
  const p = pod({ requests: { memory: "2Gi" } });
  // defaults give the limit 1Gi; the request 2Gi then exceeds max
  const msg = await rejection(create(p), c);
  assert.is(msg, 'pods "p" is forbidden: maximum memory usage per Container is 1Gi, but request is 2Gi');
});

test("limit/request ratio and Pod totals", async () => {
  const ratio = await rejection(create(pod({ requests: { cpu: "100m" }, limits: { cpu: "1" } })), ctx({ type: "Container", maxLimitRequestRatio: { cpu: "2" } }));
  assert.is(ratio, 'pods "p" is forbidden: cpu max limit to request ratio per Container is 2, but provided ratio is 10.000000');
  const total = await rejection(create(pod({ requests: { cpu: "300m" }, limits: { cpu: "300m" } }, { requests: { cpu: "600m" }, limits: { cpu: "600m" } })), ctx({ type: "Pod", max: { cpu: "500m" } }));
  assert.is(total, 'pods "p" is forbidden: maximum cpu usage per Pod is 500m, but limit is 600m');
});

/** "admitted", or the message of the Status that admit/validate threw. */
async function outcome(req: AdmissionRequest, c: AdmissionContext): Promise<string> {
  try {
    await limitRanger.admit!(req, c);
    await limitRanger.validate!(req, c);
    return "admitted";
  } catch (err) {
    if (isStatusError(err)) return err.message;
    throw err;
  }
}

test("within range passes; pod updates are ignored", async () => {
  const c = ctx({ type: "Container", min: { cpu: "100m" }, max: { cpu: "1" }, default: { memory: "1Gi" } });
  const ok = pod({ requests: { cpu: "200m" }, limits: { cpu: "500m" } });
  assert.is(await outcome(create(ok), c), "admitted");
  // Out of range: refused on create...
  const bad = () => pod({ requests: { cpu: "5" }, limits: { cpu: "5" } });
  assert.is(await outcome(create(bad()), c), 'pods "p" is forbidden: maximum cpu usage per Container is 1, but limit is 5');
  // ...but the same pod on update is neither checked nor defaulted (LimitRanger handles pod creates only).
  const updated = bad();
  const update: AdmissionRequest = { ...create(updated), operation: "UPDATE", oldObject: bad() as KubeObject };
  assert.is(await outcome(update, c), "admitted");
  assert.equal(updated, bad(), "no defaults or annotations added on update");
});

test("claims are checked against PersistentVolumeClaim min/max", async () => {
  const c = ctx({ type: "PersistentVolumeClaim", min: { storage: "1Gi" }, max: { storage: "10Gi" } });
  const claim = { metadata: { name: "p", namespace: "ns" }, spec: { resources: { requests: { storage: "20Gi" } } } };
  const msg = await rejection(create(claim, PVCS), c);
  assert.is(msg, 'persistentvolumeclaims "p" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi');
});

test.run();
