import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod, PodCondition, PodStatus } from "kubernetes-types/core/v1.js";
import { applyMergePatch, applyStrategicMergePatch } from "../../core/api/patch/index.js";
import { ApiServer } from "../../core/apiserver/api-server.js";
import { podStatusPatch } from "../../plugins/kubelet/pod-status-patch.js";
import { kubeletCluster, pod } from "./harness.js";

const T0 = "2026-01-01T00:00:00Z";
const T1 = "2026-01-01T00:00:05Z";
const UID = "0b0c7d2e-1111-4222-8333-444455556666";

/** A condition as the kubelet builds it (Go's null lastProbeTime included). */
const cond = (type: string, status: "True" | "False", at: string, reason?: string, message?: string): PodCondition =>
  ({ type, status, lastProbeTime: null as never, lastTransitionTime: at, ...(reason ? { reason } : {}), ...(message ? { message } : {}) });

/** The same condition as the API stores it (nulls dropped). */
const stored = (c: PodCondition): PodCondition => JSON.parse(JSON.stringify(c, (_k, v) => (v === null ? undefined : v)));

const scheduled: PodStatus = { phase: "Pending", conditions: [{ type: "PodScheduled", status: "True", lastTransitionTime: T0 }], qosClass: "BestEffort" };
const waiting = { name: "nginx", state: { waiting: { reason: "ContainerCreating" } }, lastState: {}, ready: false, restartCount: 0, image: "nginx:1.27", imageID: "", started: false };
const running = { ...waiting, state: { running: { startedAt: T1 } }, ready: true, imageID: "docker.io/library/nginx@sha256:aa", containerID: "containerd://c1", started: true };
const unready = "containers with unready status: [nginx]";

const first: PodStatus = {
  phase: "Pending",
  conditions: [
    cond("PodReadyToStartContainers", "False", T0),
    cond("Initialized", "True", T0),
    cond("Ready", "False", T0, "ContainersNotReady", unready),
    cond("ContainersReady", "False", T0, "ContainersNotReady", unready),
    scheduled.conditions![0]!,
  ],
  hostIP: "172.18.0.2",
  hostIPs: [{ ip: "172.18.0.2" }],
  startTime: T0,
  containerStatuses: [waiting],
  qosClass: "BestEffort",
};

const ready: PodStatus = {
  ...first,
  phase: "Running",
  conditions: [cond("PodReadyToStartContainers", "True", T1), cond("Initialized", "True", T0), cond("Ready", "True", T1), cond("ContainersReady", "True", T1), scheduled.conditions![0]!],
  podIP: "10.244.0.5",
  podIPs: [{ ip: "10.244.0.5" }],
  containerStatuses: [running],
};

/** `status` as the API server stores it after the kubelet wrote it. */
const asStored = (status: PodStatus): PodStatus => ({ ...status, conditions: status.conditions!.map(stored) });

test("the first status of a scheduled pod: new conditions whole, in the kubelet's order, with the uid precondition", () => {
  assert.equal(podStatusPatch(UID, scheduled, first), {
    metadata: { uid: UID },
    status: {
      conditions: first.conditions!.slice(0, 4),
      "$setElementOrder/conditions": ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"].map((type) => ({ type })),
      hostIP: "172.18.0.2",
      hostIPs: [{ ip: "172.18.0.2" }],
      startTime: T0,
      containerStatuses: [waiting],
    },
  });
});

test("Ready: only the changed members of the changed conditions (a cleared reason is null), the new IPs and the container statuses", () => {
  const patch = podStatusPatch(UID, asStored(first), ready) as { status: Record<string, unknown> };
  assert.equal(patch.status, {
    phase: "Running",
    conditions: [
      { lastTransitionTime: T1, status: "True", type: "PodReadyToStartContainers" },
      { lastTransitionTime: T1, status: "True", reason: null, message: null, type: "Ready" },
      { lastTransitionTime: T1, status: "True", reason: null, message: null, type: "ContainersReady" },
    ],
    "$setElementOrder/conditions": ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"].map((type) => ({ type })),
    podIP: "10.244.0.5",
    podIPs: [{ ip: "10.244.0.5" }],
    containerStatuses: [running],
  });
});

test("nothing changed (the stored status has no nulls, the built one has Go's null lastProbeTime): no patch, as upstream skips the write", () => {
  assert.is(podStatusPatch(UID, asStored(ready), ready), undefined);
  assert.is(podStatusPatch(UID, asStored(first), first), undefined);
});

test("a static pod's mirror (no uid tracked): the patch has no metadata; a new mirror gets the whole status", () => {
  assert.equal(podStatusPatch(undefined, undefined, first), { status: first });
  assert.equal(Object.keys(podStatusPatch(undefined, asStored(first), ready)!), ["status"]);
});

test("the stored object after the strategic patch is the one a merge patch of the whole status made, field order included", () => {
  const gate: PodCondition = { type: "example.com/gate", status: "True" };
  const steps: PodStatus[] = [
    first,
    ready,
    { ...ready, conditions: [...ready.conditions!, gate] },
    { ...ready, phase: "Succeeded", conditions: [ready.conditions![0]!, ready.conditions![1]!, cond("Ready", "False", T1, "PodCompleted"), cond("ContainersReady", "False", T1, "PodCompleted"), scheduled.conditions![0]!, gate], podIPs: [{ ip: "10.244.0.5" }, { ip: "fd00::5" }] },
  ];
  let viaMerge = { metadata: { name: "p", uid: UID }, status: scheduled } as Pod;
  let viaStrategic = viaMerge;
  for (const status of steps) {
    // The store drops nulls from what it keeps.
    const keep = (p: Pod): Pod => JSON.parse(JSON.stringify(p, (_k, v) => (v === null ? undefined : v)));
    viaMerge = keep(applyMergePatch(viaMerge, { status }));
    viaStrategic = keep(applyStrategicMergePatch(viaStrategic, podStatusPatch(UID, viaStrategic.status, status), "Pod"));
    assert.is(JSON.stringify(viaStrategic), JSON.stringify(viaMerge));
  }
});

test("the kubelet sends strategic merge patches of what changed, each with the pod's uid", async () => {
  const proto = ApiServer.prototype as unknown as { patchSubresource: (...args: unknown[]) => Promise<unknown> };
  const original = proto.patchSubresource;
  const sent: { type: unknown; patch: Pod }[] = [];
  proto.patchSubresource = function (this: unknown, ...args: unknown[]) {
    if ((args[0] as { descriptor: { kind: string } }).descriptor.kind === "Pod" && args[3] === "status") sent.push({ type: args[4], patch: args[5] as Pod });
    return original.apply(this, args);
  };
  const { cluster, pods } = await kubeletCluster();
  try {
    const created = await pods.create(pod("web", { containers: [{ name: "nginx", image: "nginx:1.25" }] }));
    await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "web" && x.status?.conditions?.find((c) => c.type === "Ready")?.status === "True");
    assert.ok(sent.length >= 2);
    for (const s of sent) {
      assert.is(s.type, "strategic");
      assert.equal(s.patch.metadata, { uid: created.metadata!.uid });
    }
    // After the first write, only what changed: the host IP and start time are not sent again.
    for (const s of sent.slice(1)) {
      assert.not.ok("hostIP" in s.patch.status!);
      assert.not.ok("startTime" in s.patch.status!);
      assert.ok("$setElementOrder/conditions" in s.patch.status! || !("conditions" in s.patch.status!));
    }
  } finally {
    proto.patchSubresource = original;
    await cluster.stop();
  }
});

test.run();
