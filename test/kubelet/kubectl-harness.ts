import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cluster } from "../../core/cluster/cluster.js";
import { startHttpServer } from "../../core/apiserver/http/http-server.js";
import { writeKubeconfigFor } from "../../core/apiserver/http/kubeconfig-for-server.js";
import { PodStreams } from "../../core/apiserver/http/pod-streams.js";
import images from "../../plugins/images/index.js";
import kubelet from "../../plugins/kubelet/index.js";
import runtime from "../../plugins/runtime-containerd/index.js";
import { kubectlIn } from "../clients/kubectl-runner.js";
import { POD_NETWORK } from "./harness.js";

/**
 * A real-clock cluster with one kubelet node (`node-1`), containerd and kind's pod network, served
 * over HTTPS with the pod streams (logs, exec, attach) for real kubectl: `kubectl(env)` runs kubectl
 * against it (extra environment: client-go feature gates), `close()` stops it all and removes the
 * temp dir. A file using it starts with `requireTool(KUBECTL)`.
 */
export async function kubectlKubeletCluster(seed: number) {
  const dir = mkdtempSync(join(tmpdir(), "kubesim-kubectl-"));
  const cluster = new Cluster({ clock: "real", seed, nodes: [{ name: "node-1" }], plugins: [...POD_NETWORK, images, runtime, kubelet] });
  await cluster.start();
  const streams = cluster.resolve(PodStreams);
  const server = await startHttpServer({ apiServer: cluster.apiServer, clock: cluster.clock, log: cluster.log, port: 0, stateDir: dir, podLogs: streams.logs, podExec: streams.exec! });
  const kubeconfig = join(dir, "kubeconfig");
  writeKubeconfigFor(server, kubeconfig, "kubesim");
  return {
    cluster,
    dir,
    kubectl: (env: Record<string, string> = {}) => kubectlIn(dir, kubeconfig, env),
    async close(): Promise<void> {
      await server.close();
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
