import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import { kubeletCluster, pod } from "./harness.js";

const link = (id: string): string => `/var/log/containers/crash_default_c-${id.replace("containerd://", "")}.log`;

test("a container's /var/log/containers link goes when the container is removed (an older restart's once two newer exist, all of a deleted pod's), and a deleted pod's /var/log/pods directory with them", async () => {
  const { cluster, pods, kubeletOf } = await kubeletCluster();
  try {
    const fs = kubeletOf().hostFs;
    await pods.create(pod("crash", { containers: [{ name: "c", image: "busybox:1.36", command: ["sh", "-c", "echo dying; exit 3"] }] }));
    const once = await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "crash" && (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 && !!x.status?.containerStatuses?.[0]?.lastState?.terminated);
    const first = once.status!.containerStatuses![0]!.lastState!.terminated!.containerID!;
    const twice = await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === "crash" && (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2 && !!x.status?.containerStatuses?.[0]?.containerID);
    const dead = twice.status!.containerStatuses![0]!.lastState!.terminated!.containerID!;
    const current = twice.status!.containerStatuses![0]!.containerID!;
    assert.is.not(dead, first);
    assert.is(fs.readlink(link(first)), undefined, "the oldest instance was removed, and its link with it");
    assert.ok(fs.readlink(link(dead)), "the previous instance is kept for logs --previous, and its link");
    assert.ok(fs.readlink(link(current)));
    const logDir = `/var/log/pods/default_crash_${twice.metadata!.uid}`;
    assert.ok(fs.isDirectory(logDir));

    await pods.delete("crash", { namespace: "default" });
    while (await pods.get("crash", { namespace: "default" }).then(() => true, () => false)) await cluster.clock.sleep(1000);
    await cluster.clock.sleep(1000);
    assert.is(fs.readlink(link(dead)), undefined);
    assert.is(fs.readlink(link(current)), undefined);
    assert.equal(fs.list("/var/log/containers") ?? [], []);
    assert.not.ok(fs.isDirectory(logDir));
    assert.equal(fs.list("/var/log/pods") ?? [], []);
  } finally {
    await cluster.stop();
  }
});

test.run();
