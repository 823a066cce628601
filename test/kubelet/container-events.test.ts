/** The kubelet's container events as real kubectl (v1.32) shows them: the container's fieldPath and kubelet 1.32's wording. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event, Pod } from "kubernetes-types/core/v1.js";
import { KUBECTL, requireTool } from "../support/require-tool.js";
import { kubectlKubeletCluster } from "./kubectl-harness.js";

requireTool(KUBECTL);

const fx = await kubectlKubeletCluster(7);
const { cluster } = fx;
const k = fx.kubectl();

test("events about one container name it by fieldPath (get events -o json, -o wide) and read as kubelet 1.32 words them (describe)", async () => {
  await cluster.client.resource<Pod>("Pod").create({
    apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "default" },
    spec: {
      nodeName: "node-1",
      initContainers: [{ name: "setup", image: "busybox:1.36", command: ["sh", "-c", "true"] }],
      containers: [{ name: "nginx", image: "nginx:1.25", readinessProbe: { httpGet: { path: "/missing", port: 80 }, periodSeconds: 1, failureThreshold: 1 } }],
    },
  });
  await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "web" && p.status?.phase === "Running", { timeout: 20_000 });
  let events: Event[] = [];
  for (let i = 0; i < 50 && !events.some((e) => e.reason === "Unhealthy"); i++) {
    await new Promise((r) => setTimeout(r, 200));
    events = (JSON.parse(await k.ok(["get", "events", "-o", "json", "--field-selector", "involvedObject.name=web"])) as { items: Event[] }).items;
  }
  const about = (reason: string, fieldPath: string) => events.filter((e) => e.reason === reason && e.involvedObject.fieldPath === fieldPath).map((e) => e.message);
  assert.equal(about("Created", "spec.initContainers{setup}"), ["Created container: setup"]);
  assert.equal(about("Started", "spec.initContainers{setup}"), ["Started container setup"]);
  assert.equal(about("Created", "spec.containers{nginx}"), ["Created container: nginx"]);
  assert.equal(about("Started", "spec.containers{nginx}"), ["Started container nginx"]);
  assert.ok(about("Pulling", "spec.containers{nginx}").length + about("Pulled", "spec.containers{nginx}").length > 0, JSON.stringify(events.map((e) => [e.reason, e.involvedObject.fieldPath])));
  assert.equal(about("Unhealthy", "spec.containers{nginx}"), ["Readiness probe failed: HTTP probe failed with statuscode: 404"]);
  const started = events.find((e) => e.reason === "Started" && e.involvedObject.fieldPath === "spec.containers{nginx}")!;
  assert.is(started.involvedObject.kind, "Pod");
  assert.is(started.involvedObject.apiVersion, "v1");

  const wide = await k.ok(["get", "events", "-o", "wide", "--field-selector", "involvedObject.name=web,reason=Created"]);
  const [header, ...rows] = wide.trimEnd().split("\n");
  assert.match(header!, /\bSUBOBJECT\b/);
  assert.equal(rows.map((r) => r.split(/\s{2,}/).find((cell) => cell.startsWith("spec."))).sort(), ["spec.containers{nginx}", "spec.initContainers{setup}"]);

  const describe = await k.ok(["describe", "pod", "web"]);
  assert.match(describe, /\n {2}Normal +Created +\S+ +kubelet +Created container: nginx\n/);
  assert.match(describe, /\n {2}Normal +Started +\S+ +kubelet +Started container nginx\n/);
  assert.match(describe, /\n {2}Normal +Created +\S+ +kubelet +Created container: setup\n/);
});

test.after(() => fx.close());
test.run();
