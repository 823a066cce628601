import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import { NodeCommands } from "../../core/cluster/node-commands.js";
import { kubeletCluster, pod } from "./harness.js";

test("crictl ps/pods/images and pstree show the node's containers, sandboxes and process tree", async () => {
  const { cluster, pods } = await kubeletCluster();
  try {
    await pods.create(pod("web", { containers: [{ name: "nginx", image: "nginx:1.25" }] }));
    await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "web" && p.status?.phase === "Running");
    const run = async (...argv: string[]) => {
      const cmd = cluster.extensions.point(NodeCommands).get(argv[0]!)!;
      return cmd({ nodeName: "node-1", scope: cluster.nodes.get("node-1")!.scope, argv });
    };
    const ps = (await run("crictl", "ps")).stdout.split("\n");
    assert.match(ps[0]!, /^CONTAINER\s+IMAGE\s+CREATED\s+STATE\s+NAME\s+ATTEMPT\s+POD ID\s+POD$/);
    assert.match(ps[1]!, /^[0-9a-f]{13}\s+[0-9a-f]{13}\s+.+ago\s+Running\s+nginx\s+0\s+[0-9a-f]{13}\s+web$/);
    assert.match((await run("crictl", "pods")).stdout, /\n[0-9a-f]{13}\s+.+ago\s+Ready\s+web\s+default\s+0\s+\(default\)\n/);
    assert.match((await run("crictl", "images")).stdout, /docker\.io\/library\/nginx\s+1\.25\s+[0-9a-f]{13}\s+67\.1MB/);
    const tree = (await run("pstree")).stdout;
    assert.match(tree, /^init\(1\)\n/);
    assert.match(tree, /containerd\(\d+\)\n.*containerd-shim-runc-v2\(\d+\)\n.*pause\(\d+\)\n.*docker-entrypoint\.sh\(\d+\)/s);
  } finally {
    await cluster.stop();
  }
});

test.run();
