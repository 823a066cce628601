import { CriError } from "../../core/cri/errors.js";
import { familiarName, parseImageReference } from "../../core/cri/images.js";
import type { AuthConfig, ContainerConfig, VersionResponse } from "../../core/cri/runtime-service.js";
import { ContainerdRuntime, type ContainerRecord, type RuntimeDeps, type RuntimeLatencies, type SandboxRecord } from "../runtime-containerd/index.js";
import { JsonFileLogStore } from "./json-file-log-store.js";

export const DOCKER_VERSION = "27.3.1";
export const CRI_DOCKERD_VERSION = "0.3.15";

/**
 * Each CRI call crosses kubelet → cri-dockerd → dockerd → containerd → runc: one more hop than
 * containerd's CRI plugin, and dockerd creates the pause container and each app container as
 * separate containerd containers with their own shim.
 */
export const DOCKER_LATENCIES: RuntimeLatencies = { runPodSandbox: 420, createContainer: 90, startContainer: 110, stopPodSandbox: 80, pullBase: 450, pullBytesPerSecond: 35_000_000 };

/**
 * A Docker Engine node behind cri-dockerd (the dockershim's successor): the same CRI contract as
 * containerd, with dockerd's differences visible — `docker://27.3.1` as the node's runtime version,
 * containers named `k8s_<container>_<pod>_<namespace>_<uid>_<attempt>` (the sandbox is the
 * `k8s_POD_...` pause container), one `containerd-shim-runc-v2 -namespace moby` per container,
 * json-file logs, Docker's pull errors, and slower operations (one more hop). Built on the
 * containerd runtime, as dockerd itself runs its containers through containerd.
 */
export class DockerRuntime extends ContainerdRuntime {
  override readonly runtimeVersion: string = `docker://${DOCKER_VERSION}`;
  /** Container ID → its own shim's pid. */
  private readonly shims = new Map<string, number>();

  constructor(deps: RuntimeDeps) {
    super({ ...deps, latencies: deps.latencies ?? DOCKER_LATENCIES }, new JsonFileLogStore());
  }

  protected override startDaemons(boot: number): number {
    const containerd = this.spawnEntry(1, "root", boot, "/usr/bin/containerd");
    this.spawnEntry(1, "root", boot, "/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock");
    this.spawnEntry(1, "root", boot, "/usr/bin/cri-dockerd --container-runtime-endpoint fd:// --network-plugin=cni --pod-infra-container-image=registry.k8s.io/pause:3.9");
    this.spawnEntry(1, "root", boot, `/usr/bin/kubelet --bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf --config=/var/lib/kubelet/config.yaml --container-runtime-endpoint=unix:///var/run/cri-dockerd.sock --node-ip=${this.nodeIP()} --hostname-override=${this.nodeName()}`);
    return containerd;
  }

  override async version(): Promise<VersionResponse> {
    return { version: "0.1.0", runtimeName: "docker", runtimeVersion: DOCKER_VERSION, runtimeApiVersion: "v1" };
  }

  /** cri-dockerd serves only Docker's own handler. */
  protected override checkHandler(handler: string): void {
    if (handler && handler !== "docker") throw new CriError("Unknown", `RuntimeHandler "${handler}" not supported`);
  }

  /** The pause container's own shim, in dockerd's containerd namespace. */
  protected override shimCommand(id: string): string {
    return `/usr/bin/containerd-shim-runc-v2 -namespace moby -id ${id} -address /run/containerd/containerd.sock`;
  }

  /** dockerd gives every container its own shim. */
  protected override containerParent(c: ContainerRecord, now: number): number {
    const pid = this.spawnEntry(this.daemonPid, "root", now, this.shimCommand(c.id));
    this.shims.set(c.id, pid);
    return pid;
  }

  protected override containerExited(c: ContainerRecord): void {
    const pid = this.shims.get(c.id);
    if (pid !== undefined) this.table.delete(pid);
    this.shims.delete(c.id);
  }

  /** Docker's name for a container: `k8s_<container>_<pod>_<namespace>_<uid>_<attempt>`. */
  protected override containerName(sb: SandboxRecord, config: ContainerConfig): string {
    return `k8s_${super.containerName(sb, config)}`;
  }

  /** Docker's name for a container record (what `docker ps` shows). */
  dockerName(c: ContainerRecord): string {
    return this.containerName(c.sandbox, c.config);
  }

  /** The pause container's name: `k8s_POD_<pod>_<namespace>_<uid>_<attempt>`. */
  sandboxName(sb: SandboxRecord): string {
    const m = sb.config.metadata;
    return `k8s_POD_${m.name}_${m.namespace}_${m.uid}_${m.attempt}`;
  }

  /** Pulls through dockerd, whose registry errors read differently from containerd's. */
  override async pullImage(image: string, auth?: AuthConfig): Promise<string> {
    try {
      return await super.pullImage(image, auth);
    } catch (err) {
      if (!(err instanceof CriError)) throw err;
      throw new CriError(err.code, dockerPullError(image, err.desc));
    }
  }
}

/** containerd's pull failure → what dockerd answers cri-dockerd for the same cause. */
function dockerPullError(image: string, containerdMessage: string): string {
  const ref = parseImageReference(image);
  if (!ref) return `invalid reference format`;
  const name = familiarName(ref.repository);
  const host = ref.repository.split("/")[0];
  if (containerdMessage.includes("no basic auth credentials")) return `Error response from daemon: Head "https://${host === "docker.io" ? "registry-1.docker.io" : host}/v2/${ref.repository.slice(host!.length + 1)}/manifests/${ref.tag ?? ref.digest}": no basic auth credentials`;
  if (containerdMessage.includes("pull access denied")) return `Error response from daemon: pull access denied for ${name}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`;
  if (containerdMessage.includes("not found")) return `Error response from daemon: manifest for ${familiarName(ref.normalized)} not found: manifest unknown: manifest unknown`;
  return `Error response from daemon: ${containerdMessage}`;
}
