import { test } from "uvu";
import * as assert from "uvu/assert";
import type { LimitRange, Pod, ResourceQuota } from "kubernetes-types/core/v1.js";
import type { PriorityClass } from "kubernetes-types/scheduling/v1.js";
import { testControlPlane, statusOf } from "../support/control-plane.js";

const pod = (name: string): Pod => ({ metadata: { name, namespace: "default" }, spec: { containers: [{ name: "c", image: "busybox" }] } });

// With the API server's informers running (as in a cluster), LimitRanger, Priority and
// ResourceQuota read their listers; an object written just before a pod counts for that pod.
test("admission reads LimitRanges, PriorityClasses and ResourceQuotas from the server's informers, fresh after each write", async () => {
  const cp = await testControlPlane();
  await cp.authorization.start();
  try {
    const listed = (cp.apiServer as unknown as { admission: { listers?: { list(r: string, ns?: string): readonly unknown[] | undefined } } }).admission.listers;
    assert.ok(listed?.list("limitranges", "default"), "the limitranges informer has synced");
    await cp.client.resource<LimitRange>("LimitRange").create({ metadata: { name: "lr", namespace: "default" }, spec: { limits: [{ type: "Container", defaultRequest: { cpu: "150m" }, default: { cpu: "300m" } }] } }, { namespace: "default" });
    const a = (await cp.client.resource<Pod>("Pod").create(pod("a"))) as Pod;
    assert.equal(a.spec!.containers[0]!.resources?.requests, { cpu: "150m" });
    await cp.client.resource<PriorityClass>("pc").create({ metadata: { name: "batch" }, value: 100, globalDefault: true } as PriorityClass);
    const b = (await cp.client.resource<Pod>("Pod").create(pod("b"))) as Pod;
    assert.is(b.spec!.priority, 100);
    await cp.client.resource<ResourceQuota>("ResourceQuota").create({ metadata: { name: "q", namespace: "default" }, spec: { hard: { pods: "2" } } }, { namespace: "default" });
    const refused = await statusOf(cp.client.resource<Pod>("Pod").create(pod("c")));
    assert.is(refused.code, 403);
    assert.match(refused.message, /exceeded quota: q/);
  } finally {
    await cp.authorization.stop();
    cp.stop();
    await cp.store.close();
  }
});

test.run();
