import type { Lease } from "kubernetes-types/coordination/v1.js";
import { isStatusError } from "../../api/status.js";
import { rfc3339Micro } from "../../api/time.js";
import type { Client, ResourceClient } from "../../client/client.js";

/** What a lock records about its holder (client-go's `resourcelock.LeaderElectionRecord`); times in ms. */
export interface LeaderElectionRecord {
  /** "" when nobody holds the lock (after a release). */
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: number;
  renewTime: number;
  leaderTransitions: number;
}

/**
 * A leader-election lock on a coordination.k8s.io/v1 Lease (client-go's `resourcelock.LeaseLock`).
 * `get` remembers the Lease it read so `update` writes with its resourceVersion: a concurrent
 * writer makes the update fail with a Conflict.
 */
export class LeaseLock {
  private readonly leases: ResourceClient<Lease>;
  private lease: Lease | undefined;

  constructor(
    client: Client,
    readonly namespace: string,
    readonly name: string,
  ) {
    this.leases = client.resource<Lease>({ apiVersion: "coordination.k8s.io/v1", kind: "Lease" });
  }

  /** The current record, or undefined when the Lease does not exist. Other errors are thrown. */
  async get(): Promise<LeaderElectionRecord | undefined> {
    try {
      this.lease = await this.leases.get(this.name, { namespace: this.namespace });
    } catch (err) {
      if (isStatusError(err, "NotFound")) {
        this.lease = undefined;
        return undefined;
      }
      throw err;
    }
    return recordFromLease(this.lease);
  }

  async create(record: LeaderElectionRecord): Promise<void> {
    this.lease = await this.leases.create({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: this.name, namespace: this.namespace },
      spec: leaseSpec(record),
    });
  }

  /** Writes `record` over the Lease last read (Conflict if it changed since). */
  async update(record: LeaderElectionRecord): Promise<void> {
    if (!this.lease) throw new Error(`lease ${this.namespace}/${this.name} not initialized: get or create it first`);
    this.lease = await this.leases.update({ ...this.lease, spec: leaseSpec(record) });
  }

  /** `namespace/name`, as client-go's `Describe`. */
  describe(): string {
    return `${this.namespace}/${this.name}`;
  }
}

function leaseSpec(r: LeaderElectionRecord): NonNullable<Lease["spec"]> {
  const spec: NonNullable<Lease["spec"]> = {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    acquireTime: rfc3339Micro(r.acquireTime),
    renewTime: rfc3339Micro(r.renewTime),
    leaseTransitions: r.leaderTransitions,
  };
  return spec;
}

function recordFromLease(lease: Lease): LeaderElectionRecord {
  const spec = lease.spec ?? {};
  return {
    holderIdentity: spec.holderIdentity ?? "",
    leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
    acquireTime: spec.acquireTime ? Date.parse(spec.acquireTime) : 0,
    renewTime: spec.renewTime ? Date.parse(spec.renewTime) : 0,
    leaderTransitions: spec.leaseTransitions ?? 0,
  };
}
