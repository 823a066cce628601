import type { Clock } from "../../core/clock/clock.js";
import { EtcdClient, EtcdError, b64, unb64, type EtcdConnection, type EtcdKeyValue, type WatchResponse } from "../../core/store/etcd/etcd-client.js";

/** etcd's prefix for flannel's keys (`--etcd-prefix`). */
export const FLANNEL_ETCD_PREFIX = "/coreos.com/network";

/** A lease's value in etcd, as flannel marshals LeaseAttrs (`BackendType`/`BackendData` omitted when empty). */
export interface LeaseAttrs {
  readonly PublicIP: string;
  readonly PublicIPv6: null;
  readonly BackendType?: string;
  readonly BackendData?: unknown;
}

/** One key under `<prefix>/subnets/`: its subnet key (`10.244.1.0-24`), attributes, and etcd lease (0 = a reservation, no TTL). */
export interface SubnetRecord {
  readonly key: string;
  readonly attrs: LeaseAttrs;
  readonly leaseId: string;
}

/** A change under `<prefix>/subnets/` (a put or a delete, including a delete by lease expiry). */
export interface SubnetChange {
  readonly type: "PUT" | "DELETE";
  readonly key: string;
  readonly attrs?: LeaseAttrs;
}

/** `10.244.1.0/24` → `10.244.1.0-24` (flannel's MakeSubnetKey). */
export function subnetKey(cidr: string): string {
  return cidr.replace("/", "-");
}

/** `…/subnets/10.244.1.0-24` → `10.244.1.0/24`, undefined for anything else (flannel's ParseSubnetKey). */
export function parseSubnetKey(key: string): string | undefined {
  const m = /(\d+\.\d+\.\d+\.\d+)-(\d+)$/.exec(key);
  return m ? `${m[1]}/${m[2]}` : undefined;
}

/** The subnet already has a lease (the create transaction's version check failed). */
export class SubnetExistsError extends Error {
  override readonly name = "SubnetExistsError";
}

/**
 * flannel's etcd subnet registry over etcd's v3 JSON gateway (core's {@link EtcdClient}): the
 * network config at `<prefix>/config`, one key per lease at `<prefix>/subnets/<ip>-<len>` attached
 * to an etcd lease of the TTL (granted anew on every renewal, as upstream's updateSubnet does), a
 * create that is a transaction on the key's version being 0, and a watch on the subnets prefix.
 */
export class EtcdSubnetRegistry {
  private readonly client: EtcdClient;

  constructor(
    connection: EtcdConnection,
    private readonly clock: Clock,
    readonly prefix = FLANNEL_ETCD_PREFIX,
  ) {
    this.client = new EtcdClient(connection);
  }

  private get subnetsPrefix(): string {
    return `${this.prefix}/subnets/`;
  }

  /** The network config's text; throws flannel's error when the key is missing. */
  async getNetworkConfig(): Promise<string> {
    const res = await this.client.call<{ kvs?: EtcdKeyValue[] }>("/v3/kv/range", { key: b64(`${this.prefix}/config`) });
    const kv = res.kvs?.[0];
    if (!kv) throw new Error("flannel config not found in etcd store. Did you create your config using etcdv3 API?");
    return unb64(kv.value);
  }

  /** Writes the network config (what an administrator does with `etcdctl put /coreos.com/network/config`). */
  async putNetworkConfig(text: string): Promise<void> {
    await this.client.call("/v3/kv/put", { key: b64(`${this.prefix}/config`), value: b64(text) });
  }

  /** Every lease under the subnets prefix and the revision they were read at (the watch starts after it). */
  async getSubnets(): Promise<{ records: SubnetRecord[]; revision: number }> {
    const start = this.subnetsPrefix;
    const res = await this.client.call<{ kvs?: EtcdKeyValue[]; header?: { revision?: string } }>("/v3/kv/range", { key: b64(start), range_end: b64(rangeEnd(start)) });
    const records: SubnetRecord[] = [];
    for (const kv of res.kvs ?? []) {
      const attrs = parseAttrs(unb64(kv.value));
      if (attrs) records.push({ key: unb64(kv.key), attrs, leaseId: kv.lease ?? "0" });
    }
    return { records, revision: Number(res.header?.revision ?? 0) };
  }

  /** Grants a lease of `ttlSeconds` and creates the key with it only if absent; revokes the lease and throws {@link SubnetExistsError} if it was there. */
  async createSubnet(cidr: string, attrs: LeaseAttrs, ttlSeconds: number): Promise<{ leaseId: string; ttlSeconds: number }> {
    const key = b64(`${this.subnetsPrefix}${subnetKey(cidr)}`);
    const lease = await this.grant(ttlSeconds);
    const txn = await this.client
      .call<{ succeeded?: boolean }>("/v3/kv/txn", {
        compare: [{ key, target: "VERSION", result: "EQUAL", version: "0" }],
        success: [{ request_put: { key, value: b64(JSON.stringify(attrs)), lease: lease.ID } }],
      })
      .catch(async (err: unknown) => {
        await this.revoke(lease.ID);
        throw err;
      });
    if (!txn.succeeded) {
      await this.revoke(lease.ID);
      throw new SubnetExistsError(`subnet already exists: ${cidr}`);
    }
    return { leaseId: lease.ID, ttlSeconds: Number(lease.TTL) };
  }

  /** Puts the key with a new lease of `ttlSeconds` (0: no lease — a reservation stays one). */
  async updateSubnet(cidr: string, attrs: LeaseAttrs, ttlSeconds: number): Promise<{ leaseId: string; ttlSeconds: number }> {
    const key = b64(`${this.subnetsPrefix}${subnetKey(cidr)}`);
    const lease = ttlSeconds > 0 ? await this.grant(ttlSeconds) : { ID: "0", TTL: "0" };
    try {
      await this.client.call("/v3/kv/put", { key, value: b64(JSON.stringify(attrs)), ...(lease.ID !== "0" ? { lease: lease.ID } : {}) });
    } catch (err) {
      if (lease.ID !== "0") await this.revoke(lease.ID);
      throw err;
    }
    return { leaseId: lease.ID, ttlSeconds: Number(lease.TTL) };
  }

  async deleteSubnet(cidr: string): Promise<void> {
    await this.client.call("/v3/kv/deleterange", { key: b64(`${this.subnetsPrefix}${subnetKey(cidr)}`) });
  }

  /** Seconds left on an etcd lease (`/v3/lease/timetolive`); -1 when it has expired or does not exist. */
  async timeToLive(leaseId: string): Promise<number> {
    const res = await this.client.call<{ TTL?: string }>("/v3/lease/timetolive", { ID: leaseId });
    return Number(res.TTL ?? -1);
  }

  /**
   * Watches the subnets prefix from `revision` (exclusive), re-opening the stream from the next
   * revision when it breaks (upstream backs off 100 ms doubling to 5 s). `onError` hears why.
   */
  watchSubnets(revision: number, onChange: (changes: SubnetChange[]) => void, onError: (err: Error) => void): { cancel(): void } {
    let next = revision + 1;
    let stream: { cancel(): void } | undefined;
    let stopped = false;
    let backoff = 100;
    const open = (): void => {
      const start = this.subnetsPrefix;
      stream = this.client.watch(
        { create_request: { key: b64(start), range_end: b64(rangeEnd(start)), start_revision: String(next) } },
        (msg) => {
          if (msg.error) return onError(new EtcdError(msg.error.message ?? "watch error", msg.error.grpc_code));
          const res: WatchResponse | undefined = msg.result;
          if (!res?.events?.length) return;
          backoff = 100;
          const changes: SubnetChange[] = [];
          for (const ev of res.events) {
            next = Math.max(next, Number(ev.kv.mod_revision ?? 0) + 1);
            const key = unb64(ev.kv.key);
            if (!parseSubnetKey(key)) continue;
            const type = ev.type === "DELETE" ? "DELETE" : "PUT";
            const attrs = type === "PUT" ? parseAttrs(unb64(ev.kv.value)) : undefined;
            if (type === "PUT" && !attrs) continue;
            changes.push({ type, key, ...(attrs ? { attrs } : {}) });
          }
          if (changes.length) onChange(changes);
        },
        (err) => {
          if (stopped || !err) return;
          onError(err);
          this.clock.setTimeout(() => !stopped && open(), backoff);
          backoff = Math.min(backoff * 2, 5000);
        },
      );
    };
    open();
    return {
      cancel() {
        stopped = true;
        stream?.cancel();
      },
    };
  }

  close(): void {
    this.client.close();
  }

  private grant(ttlSeconds: number): Promise<{ ID: string; TTL: string }> {
    return this.client.call<{ ID: string; TTL: string }>("/v3/lease/grant", { TTL: String(ttlSeconds) });
  }

  private async revoke(id: string): Promise<void> {
    await this.client.call("/v3/lease/revoke", { ID: id }).catch(() => undefined);
  }
}

/** The end of a prefix range: the prefix with its last byte incremented (etcd's `WithPrefix`). */
function rangeEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

function parseAttrs(text: string): LeaseAttrs | undefined {
  try {
    const v = JSON.parse(text) as LeaseAttrs;
    return typeof v === "object" && v !== null && typeof v.PublicIP === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}
