import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { startFixture, eventually } from "../http/fixture.js";
import { HttpClient } from "../../core/client/http-client.js";
import { nodeObject } from "../../core/cluster/node-registration.js";
import { runStandaloneScheduler } from "../../plugins/kube-scheduler/standalone.js";
import { explainSchedule } from "../../plugins/kube-scheduler/index.js";

test("kubesim scheduler: schedules over HTTP, leader-elected on the kube-system/kube-scheduler Lease; explain through the API", async () => {
  const fx = await startFixture();
  const client = HttpClient.fromKubeconfig(fx.kubeconfig);
  const running = await runStandaloneScheduler({ kubeconfig: fx.kubeconfig, logLevel: "silent" });
  try {
    for (const [i, name] of ["n1", "n2"].entries()) await client.resource<Node>("Node").create(nodeObject({ name, role: "worker" }, `10.244.${i}.0/24`, `172.18.0.${i + 2}`, "2026-01-01T00:00:00Z"));
    await client.resource<Pod>("Pod").create({ apiVersion: "v1", kind: "Pod", metadata: { name: "remote", namespace: "default" }, spec: { containers: [{ name: "c", image: "nginx" }] } } as Pod, { namespace: "default" });
    let bound = "";
    await eventually(async () => !!(bound = (await client.resource<Pod>("Pod").get("remote", { namespace: "default" } as never)).spec?.nodeName ?? ""), 10_000, "the pod to be bound");
    assert.ok(["n1", "n2"].includes(bound));
    const lease = await client.resource("Lease").get("kube-scheduler", { namespace: "kube-system" } as never);
    assert.match(String((lease as { spec?: { holderIdentity?: string } }).spec?.holderIdentity), /^kube-scheduler_/);
    const text = await explainSchedule(client, "default/remote", { timeoutMs: 10_000 });
    assert.match(text, /FILTER\nNODE\s+RESULT\s+PLUGIN\s+REASON\nn1\s+Feasible/);
  } finally {
    await running.stop();
    await fx.stop();
  }
});

test.run();
