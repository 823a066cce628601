import { definePlugin, type PluginContext } from "../../core/plugins/plugin.js";
import { Images, UnknownImages, type UnknownImagePolicy } from "../../core/cri/images.js";
import { ContainerRuntimes } from "../../core/cri/runtime-service.js";
import { ContainerdRuntime } from "./containerd-runtime.js";
import { ImageRegistry } from "./image-store.js";

export { ContainerdRuntime, CONTAINERD_LATENCIES, CONTAINERD_VERSION, SANDBOX_IMAGE, type RuntimeLatencies, type RuntimeDeps, type ContainerRecord, type SandboxRecord } from "./containerd-runtime.js";
export { ImageRegistry, NodeImageStore, sha256, type StoredImage } from "./image-store.js";
export { CriLogStore, LineSplitter, rfc3339Nano } from "./log-store.js";
export { RunningProcess, programName } from "./process-runner.js";
export { ContainerFileSystem } from "./container-fs.js";

/** The registries as a runtime plugin sees them: the `Images` contributions and the cluster's `images.unknown` policy. */
export function clusterImageRegistry(ctx: PluginContext): ImageRegistry {
  const unknown = (): UnknownImagePolicy => (ctx.container.isRegistered(UnknownImages, true) ? ctx.resolve(UnknownImages) : process.env["KUBESIM_IMAGES_UNKNOWN"] === "run-idle" ? "run-idle" : "fail");
  return new ImageRegistry(ctx.extensions(Images), unknown);
}

/**
 * containerd 1.7 as the node's container runtime: contributes the `containerd` runtime to
 * `ContainerRuntimes`; the kubelet of every node that chooses it (the default) creates one.
 * Images come from the `Images` extension point (the `images` plugin's built-ins and any other
 * contributions); `images.unknown: run-idle` runs images no registry knows.
 */
export default definePlugin({
  name: "runtime-containerd",
  description: "containerd 1.7-like CRI runtime (shim per pod, k8s.io namespace, CRI log format)",
  setup(ctx) {
    const registry = clusterImageRegistry(ctx);
    ctx.contribute(ContainerRuntimes, "containerd", {
      name: "containerd",
      create: (scope, { hostFs }) => new ContainerdRuntime({ scope, clock: ctx.clock, random: ctx.random, log: ctx.log, hostFs, registry }),
    });
    return () => {
      ctx.extensions(ContainerRuntimes).withdraw("containerd");
    };
  },
});
