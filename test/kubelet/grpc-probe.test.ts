/** gRPC probes: the kubelet calls grpc.health.v1.Health/Check, as pkg/probe/grpc does, and reports upstream's messages. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event, Pod } from "kubernetes-types/core/v1.js";
import { httpGet } from "../../core/cri/http.js";
import { kubeletCluster, pod } from "./harness.js";

const AGNHOST = "registry.k8s.io/e2e-test-images/agnhost:2.53";
const ready = (p: Pod): boolean => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;

test("a gRPC readiness probe follows the health service: SERVING → Ready, NOT_SERVING and an unknown service → not Ready, with the kubelet's messages", async () => {
  const { cluster, pods, kubeletOf } = await kubeletCluster();
  try {
    const probe = (service: string) => ({ grpc: { port: 5000, service }, periodSeconds: 1, failureThreshold: 1 });
    await pods.create(pod("shop", { containers: [{ name: "c", image: AGNHOST, args: ["grpc-health-checking", "--service=shop"], readinessProbe: probe("shop") }] }));
    await pods.create(pod("other", { containers: [{ name: "c", image: AGNHOST, args: ["grpc-health-checking", "--service=shop"], readinessProbe: probe("billing") }] }));
    const shop = await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "shop" && ready(p), { namespace: "default", timeout: 60_000 });
    const events = async (name: string): Promise<string[]> => ((await cluster.client.resource<Event>("Event").list({ namespace: "default" })).items as Event[]).filter((e) => e.involvedObject.name === name && e.reason === "Unhealthy").map((e) => e.message!);
    await cluster.clock.sleep(5_000);
    const other = await pods.get("other", { namespace: "default" });
    assert.is(ready(other as Pod), false);
    assert.equal([...new Set(await events("other"))], ["Readiness probe failed: error: health rpc probe failed: rpc error: code = NotFound desc = unknown service"]);
    assert.equal(await events("shop"), []);
    // The health service turns NOT_SERVING: the pod leaves the Ready state.
    const r = await httpGet(kubeletOf().runtime.hostNetwork(), { host: shop.status!.podIP!, port: 8080, path: "/make-not-serving", timeoutMs: 1000, clock: cluster.clock });
    assert.is(r.status, 200);
    await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "shop" && !ready(p), { namespace: "default", timeout: 10_000 });
    assert.ok((await events("shop")).includes('Readiness probe failed: service unhealthy (responded with "NOT_SERVING")'));
  } finally {
    await cluster.stop();
  }
});

test("a gRPC probe to a port nobody listens on reports the connect timeout", async () => {
  const { cluster, pods } = await kubeletCluster();
  try {
    await pods.create(pod("idle", { containers: [{ name: "c", image: "busybox:1.36", command: ["sleep", "infinity"], readinessProbe: { grpc: { port: 9999 }, periodSeconds: 1, failureThreshold: 1 } }] }));
    await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "idle" && p.status?.phase === "Running", { namespace: "default", timeout: 60_000 });
    await cluster.clock.sleep(3_000);
    const ev = await cluster.waitFor<Event>("Event", (e) => e.involvedObject.name === "idle" && e.reason === "Unhealthy", { namespace: "default" });
    assert.match(ev.message!, /^Readiness probe failed: timeout: failed to connect service "10\.244\.\d+\.\d+:9999" within 1s: context deadline exceeded$/);
  } finally {
    await cluster.stop();
  }
});

test.run();
