import { test } from "uvu";
import * as assert from "uvu/assert";
import { BUILT_IN_ADMISSION } from "../../core/apiserver/admission/index.js";
import type { AdmissionContext, AdmissionRequest } from "../../core/apiserver/admission.js";
import type { KubeObject } from "../../core/api/object.js";
import { isStatusError } from "../../core/api/status.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { FakeClient } from "./fake-client.js";
import { PODS } from "./descriptors.js";
import { testControlPlane } from "../support/control-plane.js";

/** Runs the chain as the API server does: every admit in order, then every validate in order. */
async function admitChain(req: AdmissionRequest, ctx: AdmissionContext): Promise<void> {
  for (const p of BUILT_IN_ADMISSION) if (!p.operations || p.operations.includes(req.operation)) await p.admit?.(req, ctx);
  for (const p of BUILT_IN_ADMISSION) if (!p.operations || p.operations.includes(req.operation)) await p.validate?.(req, ctx);
}

function cluster(): FakeClient {
  return new FakeClient()
    .add("namespaces", { metadata: { name: "team" }, status: { phase: "Active" } })
    .add("limitranges", { metadata: { name: "defaults", namespace: "team" }, spec: { limits: [{ type: "Container", default: { cpu: "200m", memory: "128Mi" } }] } })
    .add("resourcequotas", { metadata: { name: "compute", namespace: "team" }, spec: { hard: { pods: "1", "requests.cpu": "1" } } });
}

const pod = (name: string): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "team" }, spec: { containers: [{ name: "app", image: "nginx" }] } });
const create = (obj: KubeObject): AdmissionRequest => ({ operation: "CREATE", resource: PODS, namespace: "team", name: obj.metadata?.name, object: obj, dryRun: false });

test("plugins in kube-apiserver's order", () => {
  assert.equal(BUILT_IN_ADMISSION.map((p) => p.name), ["NamespaceLifecycle", "LimitRanger", "ServiceAccount", "NodeRestriction", "PodSecurity", "Priority", "DefaultTolerationSeconds", "DefaultStorageClass", "StorageObjectInUseProtection", "PersistentVolumeClaimResize", "RuntimeClass", "ResourceQuota"]);
});

test("a pod goes through the whole chain: defaults from LimitRange satisfy the quota, which then fills up", async () => {
  const client = cluster();
  const ctx = { client, clock: new VirtualClock() };
  const first = pod("a");
  await admitChain(create(first), ctx);
  const spec = first["spec"] as { serviceAccountName: string; tolerations: unknown[]; containers: { resources: unknown }[] };
  assert.is(spec.serviceAccountName, "default");
  assert.is(spec.tolerations.length, 2);
  assert.equal(spec.containers[0]!.resources, { limits: { cpu: "200m", memory: "128Mi" }, requests: { cpu: "200m", memory: "128Mi" } });
  assert.equal((client.stored("resourcequotas", "compute", "team") as { status: { used: unknown } }).status.used, { pods: "1", "requests.cpu": "200m" });
  try {
    await admitChain(create(pod("b")), ctx);
    assert.unreachable();
  } catch (err) {
    assert.ok(isStatusError(err, "Forbidden"));
    assert.is((err as Error).message, 'pods "b" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=1, limited: pods=1');
  }
});

test("a missing namespace stops the chain before any other plugin", async () => {
  const client = cluster();
  try {
    await admitChain({ ...create(pod("x")), namespace: "ghost" }, { client, clock: new VirtualClock() });
    assert.unreachable();
  } catch (err) {
    assert.ok(isStatusError(err, "NotFound"));
  }
  assert.is(client.writes.length, 0);
});

test("--disable-admission-plugins: a disabled built-in plugin leaves the pod alone, the others still run", async () => {
  const make = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec: { containers: [{ name: "app", image: "nginx" }] } } as KubeObject;
  for (const disabled of [[], ["ServiceAccount", "Priority"]]) {
    const cp = await testControlPlane({ disabledAdmission: disabled });
    try {
      const created = (await cp.client.resource("Pod").create(make)) as { spec: { serviceAccountName?: string; priority?: number; tolerations?: unknown[] } };
      assert.is(created.spec.serviceAccountName, disabled.length ? undefined : "default");
      assert.is(created.spec.priority, disabled.length ? undefined : 0);
      // DefaultTolerationSeconds is still on.
      assert.is(created.spec.tolerations?.length, 2);
    } finally {
      cp.stop();
    }
  }
});

test.run();
