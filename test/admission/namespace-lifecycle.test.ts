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

/** "admitted", or the message of the Status the plugin threw. */
async function outcome(req: AdmissionRequest, c: AdmissionContext = context()): Promise<string> {
  try {
    await namespaceLifecycle.admit!(req, c);
    return "admitted";
  } catch (err) {
    if (isStatusError(err)) return err.message;
    throw err;
  }
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
  assert.is(await outcome({ operation: "DELETE", resource: CONFIGMAPS, namespace: "nope", name: "c", dryRun: false }), "admitted");
});

test("create in a terminating namespace: Forbidden with the NamespaceTerminating cause", async () => {
  const err = await reject({ operation: "CREATE", resource: CONFIGMAPS, namespace: "dying", name: "c", object: cm("dying"), dryRun: false });
  assert.is(err.code, 403);
  assert.is(err.message, 'configmaps "c" is forbidden: unable to create new content in namespace dying because it is being terminated');
  assert.is(err.status.details?.causes?.[0]?.reason, "NamespaceTerminating");
});

test("create in an active namespace and cluster-scoped objects pass", async () => {
  const object = cm("default");
  assert.is(await outcome({ operation: "CREATE", resource: CONFIGMAPS, namespace: "default", name: "c", object, dryRun: false }), "admitted");
  assert.equal(object, cm("default"), "admission does not change the object");
  // A cluster-scoped object is not looked up in any namespace: with no namespaces at all it still passes.
  const empty: AdmissionContext = { client: new FakeClient(), clock: new VirtualClock() };
  assert.is(await outcome({ operation: "CREATE", resource: NODES, name: "n1", object: { metadata: { name: "n1" } }, dryRun: false }, empty), "admitted");
  assert.is(await outcome({ operation: "CREATE", resource: CONFIGMAPS, namespace: "default", name: "c", object: cm("default"), dryRun: false }, empty), 'namespaces "default" not found');
});

test("immortal namespaces may not be deleted; others may", async () => {
  for (const name of ["default", "kube-system", "kube-public"]) {
    const err = await reject({ operation: "DELETE", resource: NAMESPACES, name, dryRun: false });
    assert.is(err.message, `namespaces "${name}" is forbidden: this namespace may not be deleted`);
  }
  assert.is(await outcome({ operation: "DELETE", resource: NAMESPACES, name: "dying", dryRun: false }), "admitted");
  assert.is(await outcome({ operation: "DELETE", resource: NAMESPACES, name: "team-a", dryRun: false }), "admitted");
});

test.run();
