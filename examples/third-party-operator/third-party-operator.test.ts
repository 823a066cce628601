/** test-runner: from-source (the operator package it loads by name at run time is TypeScript). */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fileURLToPath } from "node:url";
import type { Namespace, ResourceQuota } from "kubernetes-types/core/v1.js";
import type { RoleBinding } from "kubernetes-types/rbac/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { TenantResource, TENANT_FINALIZER, type Tenant } from "./index.js";

// A project with this package installed in its node_modules; its cluster.yaml names the operator.
const project = fileURLToPath(new URL("../../test/fixtures/operator-project/", import.meta.url));

test("the operator package, loaded by name from cluster.yaml, serves Tenants: namespace, quota, binding, and a finalizer on delete", async () => {
  const cluster = Cluster.fromConfig(`${project}cluster.yaml`, { baseDir: project });
  await cluster.start();
  try {
    const c = cluster.client;
    await TenantResource.client(c).create({ apiVersion: TenantResource.apiVersion, kind: "Tenant", metadata: { name: "blue" }, spec: { owner: "alice", quota: { pods: "5" } } });
    const t = await cluster.waitFor<Tenant>(TenantResource.ref, (x) => x.metadata?.name === "blue" && x.status?.phase === "Active");
    assert.equal(t.metadata!.finalizers, [TENANT_FINALIZER]);
    const ns = await c.resource<Namespace>("Namespace").get("tenant-blue");
    assert.is(ns.metadata!.ownerReferences![0]!.name, "blue");
    const quota = await c.resource<ResourceQuota>("ResourceQuota").get("tenant-quota", { namespace: "tenant-blue" });
    assert.equal(quota.spec!.hard, { pods: "5" });
    const rb = await c.resource<RoleBinding>("RoleBinding").get("tenant-admin", { namespace: "tenant-blue" });
    assert.equal(rb.subjects, [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "alice" }]);

    await TenantResource.client(c).delete("blue");
    // The Tenant stays (Terminating) until its namespace is gone, then goes.
    const terminating = await TenantResource.client(c).get("blue");
    assert.ok(terminating.metadata!.deletionTimestamp);
    for (let i = 0; i < 600; i++) {
      try {
        await TenantResource.client(c).get("blue");
        await cluster.clock.sleep(500);
      } catch {
        break;
      }
    }
    for (const check of [() => TenantResource.client(c).get("blue"), () => c.resource("Namespace").get("tenant-blue")]) {
      try {
        await check();
        assert.unreachable("should be gone");
      } catch (err) {
        assert.match((err as Error).message, /not found/);
      }
    }
  } finally {
    await cluster.stop();
  }
});

test.run();
