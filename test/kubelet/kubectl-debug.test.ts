/** kubectl debug (v1.32): an ephemeral container added through pods/ephemeralcontainers, run by the kubelet, its logs, status and attach. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import { isStatusError } from "../../core/api/status.js";
import kubelet from "../../plugins/kubelet/index.js";
import runtime from "../../plugins/runtime-containerd/index.js";
import { KUBECTL, requireTool } from "../support/require-tool.js";
import { kubectlKubeletCluster } from "./kubectl-harness.js";

requireTool(KUBECTL);

const fx = await kubectlKubeletCluster(6);
const { cluster } = fx;
const k = fx.kubectl();
const pods = cluster.client.resource<Pod>("Pod");

test("kubectl debug adds an ephemeral container that runs once; its logs and status read as on a real node", async () => {
  await pods.create({ apiVersion: "v1", kind: "Pod", metadata: { name: "app", namespace: "default" }, spec: { nodeName: "node-1", containers: [{ name: "web", image: "nginx:1.25" }] } });
  await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "app" && p.status?.phase === "Running", { timeout: 20_000 });
  const debug = await k.run(["debug", "app", "--image=busybox:1.36", "--target=web", "--", "sh", "-c", "echo from the debugger; exit 4"]);
  assert.is(debug.code, 0, debug.stderr);
  assert.is(debug.stderr, '--profile=legacy is deprecated and will be removed in the future. It is recommended to explicitly specify a profile, for example "--profile=general".\n');
  const name = /^Targeting container "web"\. If you don't see processes from this container it may be because the container runtime doesn't support this feature\.\nDefaulting debug container name to (debugger-[a-z0-9]{5})\.\n$/.exec(debug.stdout)?.[1];
  assert.ok(name, JSON.stringify(debug));
  const done = await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "app" && p.status?.ephemeralContainerStatuses?.[0]?.state?.terminated !== undefined, { timeout: 20_000 });
  const status = done.status!.ephemeralContainerStatuses![0]!;
  assert.is(status.name, name);
  assert.is(status.state!.terminated!.exitCode, 4);
  assert.is(status.restartCount, 0);
  assert.is(status.ready, false);
  assert.match(status.containerID!, /^containerd:\/\/[0-9a-f]{64}$/);
  assert.is(done.spec!.ephemeralContainers![0]!.targetContainerName, "web");
  assert.is(done.status!.phase, "Running", "an ephemeral container's exit does not end the pod");
  assert.is(await k.ok(["logs", "app", "-c", name!]), "from the debugger\n");
  await new Promise((r) => setTimeout(r, 1500));
  assert.is((await pods.get("app", { namespace: "default" })).status!.ephemeralContainerStatuses![0]!.restartCount, 0, "never restarted");
});

test("kubectl debug -i attaches to the ephemeral container's stdin and output", async () => {
  const out = await k.run(["debug", "-i", "app", "--image=busybox:1.36", "--", "sh", "-c", "read line; echo got: $line"], "hello debug\n");
  assert.is(out.code, 0, out.stderr);
  assert.match(out.stdout, /got: hello debug\n/);
});

test("pods/ephemeralcontainers refuses what upstream refuses: changes to existing ones, probes and ports, unknown targets", async () => {
  const current = await pods.get("app", { namespace: "default" });
  const existing = current.spec!.ephemeralContainers!;
  const refused = async (ephemeralContainers: unknown[]): Promise<string> => {
    try {
      await pods.updateSubresource("app", "ephemeralcontainers", { ...current, spec: { ...current.spec!, ephemeralContainers } } as Pod, { namespace: "default" });
    } catch (err) {
      if (isStatusError(err)) return err.message;
      throw err;
    }
    return "accepted";
  };
  assert.match(await refused([]), /existing ephemeral containers "debugger-[a-z0-9]{5}" may not be removed/);
  assert.match(await refused([...existing, { name: "probe", image: "busybox:1.36", ports: [{ containerPort: 80 }], targetContainerName: "nope" }]), /spec\.ephemeralContainers\[\d\]\.ports: Forbidden: cannot be set for an Ephemeral Container/);
  assert.match(await refused([...existing, { name: "t", image: "busybox:1.36", targetContainerName: "nope" }]), /spec\.ephemeralContainers\[\d\]\.targetContainerName: Not found: "nope"/);
  assert.match(await refused([...existing, { name: "web", image: "busybox:1.36" }]), /spec\.ephemeralContainers\[\d\]\.name: Duplicate value: "web"/);
  // Only ephemeral containers change through the subresource: a label or an image change sent with them is dropped.
  const fresh = await pods.get("app", { namespace: "default" });
  const relabelled = { ...fresh, metadata: { ...fresh.metadata!, labels: { sneaky: "yes" } }, spec: { ...fresh.spec!, containers: [{ ...fresh.spec!.containers[0]!, image: "nginx:1.27" }], ephemeralContainers: [...existing, { name: "second", image: "busybox:1.36", command: ["true"] }] } } as Pod;
  const updated = await pods.updateSubresource("app", "ephemeralcontainers", relabelled, { namespace: "default" });
  assert.equal(updated.spec!.ephemeralContainers!.map((c) => c.name), [...existing.map((c) => c.name), "second"]);
  assert.is(updated.metadata!.labels?.["sneaky"], undefined);
  assert.is(updated.spec!.containers[0]!.image, "nginx:1.25");
  assert.is(updated.spec!.ephemeralContainers!.at(-1)!.terminationMessagePolicy, "File", "defaulted as a container");
});

test.after(() => fx.close());

test.run();
