import type { Clock } from "../../core/clock/clock.js";
import { httpGet } from "../../core/cri/http.js";
import type { PodStreams } from "../../core/apiserver/http/pod-streams.js";
import type { NetworkStack } from "../../core/net/sockets.js";
import { CLIENT_PORT } from "./etcd-resources.js";

/** A member as the v3 gateway lists it. */
export interface GatewayMember {
  ID: string;
  name?: string;
  peerURLs: string[];
  clientURLs?: string[];
  isLearner?: boolean;
}

/** An etcd v3 API refusal (the gateway's `message`). */
export class EtcdApiError extends Error {
  override readonly name = "EtcdApiError";
}

/**
 * The operator's etcd client: v3 JSON gateway calls to one member, reached through the pod's
 * port-forward (the kubelet's streaming path, as `kubectl port-forward` does), since the operator
 * runs in the controller manager, outside the pod network. Rejects with {@link EtcdApiError} for
 * refusals and a plain Error when the member cannot be reached.
 */
export class MemberClient {
  constructor(private readonly streams: PodStreams, private readonly clock: Clock, private readonly namespace: string, private readonly pod: string) {}

  async call<T = Record<string, unknown>>(path: string, body: unknown = {}): Promise<T> {
    if (!this.streams.portForward) throw new Error("the cluster's kubelet does not serve port-forward");
    const target = await this.streams.portForward(this.namespace, this.pod);
    const stack: NetworkStack = {
      addresses: [],
      listen: () => {
        throw new Error("not a listening stack");
      },
      bindUdp: () => {
        throw new Error("not a listening stack");
      },
      connect: (_address, port) => target.connect(port),
    };
    const res = await httpGet(stack, { host: "127.0.0.1", port: CLIENT_PORT, path, method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), timeoutMs: 5_000, clock: this.clock });
    const out = JSON.parse(res.body || "{}") as Record<string, unknown>;
    if (res.status !== 200) throw new EtcdApiError(String(out["message"] ?? out["error"] ?? `HTTP ${res.status}`));
    return out as T;
  }

  async memberList(): Promise<{ header: { cluster_id: string; member_id: string }; members: GatewayMember[] }> {
    return this.call("/v3/cluster/member/list");
  }

  async memberAdd(peerURL: string): Promise<GatewayMember> {
    return (await this.call<{ member: GatewayMember }>("/v3/cluster/member/add", { peerURLs: [peerURL] })).member;
  }

  async memberRemove(id: string): Promise<void> {
    await this.call("/v3/cluster/member/remove", { ID: id });
  }

  async status(): Promise<{ leader: string; header: { member_id: string } }> {
    return this.call("/v3/maintenance/status");
  }
}

/** A gateway ID (decimal uint64) as etcdctl shows it (hex). */
export function hexId(decimalId: string): string {
  return BigInt(decimalId).toString(16);
}
