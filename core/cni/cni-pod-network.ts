import type { DataPlane } from "../net/data-plane.js";
import type { NetNamespace } from "../net/netns.js";
import type { NetworkStack } from "../net/sockets.js";
import type { ExtensionPoint } from "../plugins/extension-point.js";
import { flatString } from "../collections/flat-string.js";
import { CniRuntime, type CniRuntimeConf } from "./cni-runtime.js";
import { CniError, type CniPlugin, type CniResult } from "./cni-types.js";
import type { NodeFileSystem } from "./node-files.js";
import type { PodNetwork, PodNetworkAttachment, PodNetworkRequest, PodNetworkStatus } from "./pod-network.js";

/**
 * The {@link PodNetwork} of one node, as a CRI runtime's CNI layer: a sandbox gets a network
 * namespace (`/var/run/netns/cni-<id>`) and the node's conflist is run for it through
 * {@link CniRuntime}; teardown runs DEL and removes the namespace. Idempotent per sandbox.
 */
export class CniPodNetwork implements PodNetwork {
  readonly cni: CniRuntime;
  /**
   * Per sandbox: what DEL needs (the runtime conf is rebuilt from the request rather than kept per
   * pod). The ADD result is kept as its JSON text, as libcni caches it under /var/lib/cni/results:
   * one string rather than a tree of small objects per pod (read back only for DEL and views).
   */
  private readonly attachments = new Map<string, { ns: NetNamespace; result: string; request: PodNetworkRequest; attachment: PodNetworkAttachment }>();
  private readonly pending = new Map<string, Promise<PodNetworkAttachment>>();

  constructor(
    private readonly plane: DataPlane,
    private readonly node: { name: string; ip: string; podCidr: string },
    private readonly files: NodeFileSystem,
    plugins: ExtensionPoint<CniPlugin>,
  ) {
    const root = plane.addNode(node.name, node.ip);
    this.cni = new CniRuntime(
      {
        node: node.name,
        nodeIP: node.ip,
        podCidr: node.podCidr,
        plane,
        root,
        files,
        netns: (path) => plane.namespace(node.name, path.split("/").pop() ?? ""),
      },
      plugins,
    );
  }

  status(): PodNetworkStatus {
    if (this.cni.config()) return { ready: true };
    return { ready: false, reason: "NetworkPluginNotReady", message: "Network plugin returns error: cni plugin not initialized" };
  }

  setUpPod(request: PodNetworkRequest): Promise<PodNetworkAttachment> {
    const done = this.attachments.get(request.sandboxId);
    if (done) return Promise.resolve(done.attachment);
    let p = this.pending.get(request.sandboxId);
    if (!p) {
      p = this.add(request).finally(() => this.pending.delete(request.sandboxId));
      this.pending.set(request.sandboxId, p);
    }
    return p;
  }

  private async add(request: PodNetworkRequest): Promise<PodNetworkAttachment> {
    const nsName = `cni-${request.podUid || request.sandboxId}`;
    const ns = this.plane.createNamespace(this.node.name, nsName);
    const rt = runtimeConf(request, nsName);
    let result: CniResult;
    try {
      result = await this.cni.add(rt);
    } catch (err) {
      this.plane.deleteNamespace(`${this.node.name}/${nsName}`);
      if (err instanceof CniError) throw new Error(`plugin type="${this.cni.config()?.plugins.at(-1)?.type ?? "?"}" failed (add): ${err.msg}${err.details ? `: ${err.details}` : ""}`);
      throw err;
    }
    const ips = (result.ips ?? []).map((i) => addressOf(i.address));
    const stack: NetworkStack = this.plane.stack(ns);
    const attachment: PodNetworkAttachment = { ips, interfaceName: "eth0", stack };
    // Flat: JSON.stringify's text is a tree of its parts, each a node kept as long as the pod runs.
    this.attachments.set(request.sandboxId, { ns, result: flatString(JSON.stringify(result)), request, attachment });
    return attachment;
  }

  async tearDownPod(request: PodNetworkRequest): Promise<void> {
    await this.pending.get(request.sandboxId)?.catch(() => undefined);
    const a = this.attachments.get(request.sandboxId);
    if (!a) return;
    this.attachments.delete(request.sandboxId);
    try {
      await this.cni.del(runtimeConf(a.request, a.ns.name), JSON.parse(a.result) as CniResult);
    } finally {
      this.plane.deleteNamespace(`${this.node.name}/${a.ns.name}`);
    }
  }

  hostStack(): NetworkStack {
    return this.plane.stack(this.plane.node(this.node.name)!);
  }

  /** The attachments (sandbox id → namespace, result), for views and traces. */
  sandboxes(): { sandboxId: string; ns: NetNamespace; result: CniResult; podName: string; podNamespace: string }[] {
    return [...this.attachments].map(([sandboxId, a]) => ({ sandboxId, ns: a.ns, result: JSON.parse(a.result) as CniResult, podName: a.request.podName, podNamespace: a.request.podNamespace }));
  }
}

/** The address of a CIDR (`10.244.1.5/24` → `10.244.1.5`), without splitting it into an array. */
function addressOf(cidr: string): string {
  const slash = cidr.indexOf("/");
  return slash < 0 ? cidr : cidr.slice(0, slash);
}

/** The CNI runtime conf of a sandbox (libcni's RuntimeConf as the CRI plugin fills it). */
function runtimeConf(request: PodNetworkRequest, nsName: string): CniRuntimeConf {
  return {
    containerId: request.sandboxId,
    netns: `/var/run/netns/${nsName}`,
    ifName: "eth0",
    args: [
      ["IgnoreUnknown", "1"],
      ["K8S_POD_NAMESPACE", request.podNamespace],
      ["K8S_POD_NAME", request.podName],
      ["K8S_POD_INFRA_CONTAINER_ID", request.sandboxId],
      ["K8S_POD_UID", request.podUid],
    ],
    capabilityArgs: {
      ...(request.portMappings?.length ? { portMappings: request.portMappings.map((m) => ({ hostPort: m.hostPort, containerPort: m.containerPort, protocol: m.protocol.toLowerCase(), hostIP: m.hostIP ?? "" })) } : {}),
      ...(request.bandwidth ? { bandwidth: request.bandwidth } : {}),
      io_kubernetes_cri_pod_uid: request.podUid,
    },
  };
}
