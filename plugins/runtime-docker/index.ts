import { definePlugin } from "../../core/plugins/plugin.js";
import { NodeCommands } from "../../core/cluster/node-commands.js";
import { ContainerRuntimes } from "../../core/cri/runtime-service.js";
import { clusterImageRegistry } from "../runtime-containerd/index.js";
import { dockerCli } from "./docker-cli.js";
import { DockerRuntime } from "./docker-runtime.js";

export { DockerRuntime, DOCKER_LATENCIES, DOCKER_VERSION, CRI_DOCKERD_VERSION } from "./docker-runtime.js";
export { JsonFileLogStore } from "./json-file-log-store.js";
export { dockerCli, humanDuration } from "./docker-cli.js";

/**
 * Docker Engine behind cri-dockerd as a node's container runtime: contributes the `docker` runtime
 * to `ContainerRuntimes` (a node picks it with `runtime: docker` in its spec, or the
 * `kubesim.io/container-runtime: docker` label) and the `docker` node command. Builds on
 * runtime-containerd, as dockerd runs its containers through containerd.
 */
export default definePlugin({
  name: "runtime-docker",
  description: "Docker Engine + cri-dockerd CRI runtime (k8s_ container names, json-file logs, a shim per container)",
  requires: ["runtime-containerd"],
  setup(ctx) {
    const registry = clusterImageRegistry(ctx);
    ctx.contribute(ContainerRuntimes, "docker", {
      name: "docker",
      create: (scope, { hostFs }) => new DockerRuntime({ scope, clock: ctx.clock, random: ctx.random, log: ctx.log, hostFs, registry }),
    });
    ctx.contribute(NodeCommands, "docker", dockerCli);
    return () => {
      ctx.extensions(ContainerRuntimes).withdraw("docker");
      ctx.extensions(NodeCommands).withdraw("docker");
    };
  },
});
