import { test } from "uvu";
import * as assert from "uvu/assert";
import { namespaceLifecycle } from "../../core/apiserver/admission/namespace-lifecycle.js";
import type { AdmissionContext, AdmissionRequest } from "../../core/apiserver/admission.js";
import { isStatusError, type StatusError } from "../../core/api/status.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { FakeClient } from "./fake-client.js";
import { CONFIGMAPS, NAMESPACES, NODES } from "./descriptors.js";

function context(): AdmissionContext {
  const client = new FakeClient()
    .add("namespaces", { metadata: { name: "default" }, status: { phase: "Active" } })
    .add("namespaces", { metadata: { name: "dying", deletionTimestamp: "2024-01-01T00:00:00Z" }, status: { phase: "Terminating" } });
  return { client, clock: new VirtualClock() };
}

async function reject(req: AdmissionRequest): Promise<StatusError> {
  try {
    await namespaceLifecycle.admit!(req, context());
  } catch (err) {
    if (isStatusError(err)) return err;
    throw err;
  }
  throw new Error("expected a rejection");
}

const cm = (ns: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: ns } });

test("create in a missing namespace: NotFound on the namespace", async () => {
  const err = await reject({ operation: "CREATE", resource: CONFIGMAPS, namespace: "nope", name: "c", object: cm("nope"), dryRun: false });
  assert.is(err.code, 404);
  assert.is(err.message, 'namespaces "nope" not found');
});

test("update in a missing namespace is refused too; delete is allowed", async () => {
  const err = await reject({ operation: "UPDATE", resource: CONFIGMAPS, namespace: "nope", name: "c", object: cm("nope"), dryRun: false });
  assert.is(err.reason, "NotFound");
  await namespaceLifecycle.admit!({ operation: "DELETE", resource: CONFIGMAPS, namespace: "nope", name: "c", dryRun: false }, context());
});

test("create in a terminating namespace: Forbidden with the NamespaceTerminating cause", async () => {
  const err = await reject({ operation: "CREATE", resource: CONFIGMAPS, namespace: "dying", name: "c", object: cm("dying"), dryRun: false });
  assert.is(err.code, 403);
  assert.is(err.message, 'configmaps "c" is forbidden: unable to create new content in namespace dying because it is being terminated');
  assert.is(err.status.details?.causes?.[0]?.reason, "NamespaceTerminating");
});

test("create in an active namespace and cluster-scoped objects pass", async () => {
  await namespaceLifecycle.admit!({ operation: "CREATE", resource: CONFIGMAPS, namespace: "default", name: "c", object: cm("default"), dryRun: false }, context());
  await namespaceLifecycle.admit!({ operation: "CREATE", resource: NODES, name: "n1", object: { metadata: { name: "n1" } }, dryRun: false }, context());
});

test("immortal namespaces may not be deleted; others may", async () => {
  for (const name of ["default", "kube-system", "kube-public"]) {
    const err = await reject({ operation: "DELETE", resource: NAMESPACES, name, dryRun: false });
    assert.is(err.message, `namespaces "${name}" is forbidden: this namespace may not be deleted`);
  }
  await namespaceLifecycle.admit!({ operation: "DELETE", resource: NAMESPACES, name: "dying", dryRun: false }, context());
});

test.run();
