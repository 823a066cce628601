import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import { HOSTPATH_DRIVER_NAME } from "../../plugins/csi-hostpath/index.js";
import { claimPod, preBound, storageCluster } from "./harness.js";

const GiB = 1024 ** 3;

test("fsGroup: a volume of a driver with fsGroupPolicy File is given the pod's group (setgid directories, group rw), as ls -ln in the container shows", async () => {
  const { cluster, pods, kubeletOf, controllers } = await storageCluster();
  try {
    const hp = controllers.get(HOSTPATH_DRIVER_NAME)!;
    const { volume } = await hp.controller.createVolume!({ name: "owned", capacityRange: { requiredBytes: GiB }, volumeCapabilities: [{ mount: {}, accessMode: { mode: "SINGLE_NODE_WRITER" } }], accessibilityRequirements: { preferred: [{ segments: { "topology.hostpath.csi/node": "node-1" } }] } });
    await preBound(cluster, { pv: "pv-owned", claim: "data", driver: HOSTPATH_DRIVER_NAME, handle: volume.volumeId, node: "node-1" });
    const k = kubeletOf("node-1");
    const exec = async (pod: string, script: string): Promise<string> => (await k.runtime.runtime.execSync(k.worker("default", pod)!.slots[0]!.id!, ["sh", "-c", script], 5)).stdout;

    // A first pod without fsGroup writes as root.
    await pods.create(claimPod("plain", "data", "node-1"));
    await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "plain" && p.status?.phase === "Running");
    await exec("plain", "echo old > /data/old && mkdir /data/sub");
    assert.is(await exec("plain", "ls -ln /data"), "total 2\n-rw-r--r--    1 0        0               4 Jan  1 00:00 old\ndrwxr-xr-x    2 0        0            4096 Jan  1 00:00 sub\n");
    await pods.delete("plain", { namespace: "default" });
    for (let i = 0; i < 60 && (await pods.list({ namespace: "default" })).items.length > 0; i++) await cluster.clock.sleep(1_000);

    // The next pod asks for fsGroup 2000: the kubelet chowns the volume before its container starts.
    await pods.create(claimPod("grouped", "data", "node-1", { securityContext: { fsGroup: 2000 } }));
    await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "grouped" && p.status?.phase === "Running");
    await exec("grouped", "echo new > /data/new");
    assert.is(
      await exec("grouped", "ls -lna /data"),
      [
        "total 5",
        "drwxrwsr-x    2 0        2000         4096 Jan  1 00:00 .",
        "drwxr-xr-x    2 0        0            4096 Jan  1 00:00 ..",
        "-rw-r--r--    1 0        2000            4 Jan  1 00:00 new",
        "-rw-rw-r--    1 0        2000            4 Jan  1 00:00 old",
        "drwxrwsr-x    2 0        2000         4096 Jan  1 00:00 sub",
        "",
      ].join("\n"),
    );
    // The group is on the node's copy too.
    assert.equal(k.hostFs.stat(`/var/lib/csi-hostpath-data/${volume.volumeId}/old`), { uid: 0, gid: 2000, mode: 0o664 });
  } finally {
    await cluster.stop();
  }
});

test.run();
