import type { KubeObject } from "../../core/api/object.js";
import { isStatusError } from "../../core/api/status.js";
import type { Client } from "../../core/client/client.js";
import type { Logger } from "../../core/log/logger.js";
import { CALICO_API_VERSION, calicoRef } from "./api-types.js";
import type { Block, CalicoIpam, IpamEvents } from "./ipam.js";

/** `10.244.5.0/26` → `10-244-5-0-26`: how the Kubernetes datastore names a block's objects. */
export function blockName(cidr: string): string {
  return cidr.replace(/[./]/g, "-");
}

/** Go's `time.Time.String()` in UTC (`2026-01-07 17:02:00.5 +0000 UTC`), which calico-ipam stores as `timestamp`. */
export function goTimeString(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-01-07T17:02:00.500Z
  const frac = iso.slice(20, 23).replace(/0+$/, "");
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac ? `.${frac}` : ""} +0000 UTC`;
}

/** An IPAMBlock as calico-ipam writes it: allocations index into attributes, free ordinals in hand-out order. */
export function ipamBlockObject(block: Block, strictAffinity: boolean): KubeObject {
  const handles = [...block.attributes.keys()];
  const index = new Map(handles.map((h, i) => [h, i]));
  const seq: Record<string, number> = {};
  for (const [ordinal, n] of [...block.sequenceNumberForAllocation].sort((a, b) => a[0] - b[0])) seq[String(ordinal)] = n;
  return {
    apiVersion: CALICO_API_VERSION,
    kind: "IPAMBlock",
    metadata: { name: blockName(block.cidr) },
    spec: {
      ...(block.affinity ? { affinity: block.affinity } : {}),
      allocations: block.allocations.map((h) => (h === null ? null : index.get(h)!)),
      attributes: handles.map((h) => {
        const { node, ...rest } = block.attributes.get(h)!;
        return { handle_id: h, secondary: { ...(rest.namespace !== undefined ? { namespace: rest.namespace } : {}), node, ...(rest.pod !== undefined ? { pod: rest.pod } : {}), ...(rest.timestamp ? { timestamp: rest.timestamp } : {}), ...(rest.type ? { type: rest.type } : {}) } };
      }),
      cidr: block.cidr,
      deleted: false,
      sequenceNumber: block.sequenceNumber,
      sequenceNumberForAllocation: seq,
      strictAffinity,
      unallocated: [...block.unallocated],
    },
  } as KubeObject;
}

/** A BlockAffinity (`<node>-<block>`): the node's claim on a block, confirmed. `deleted` is a string in this CRD. */
export function blockAffinityObject(node: string, cidr: string): KubeObject {
  return { apiVersion: CALICO_API_VERSION, kind: "BlockAffinity", metadata: { name: `${node}-${blockName(cidr)}` }, spec: { cidr, deleted: "false", node, state: "confirmed" } } as KubeObject;
}

/** An IPAMHandle: the handle ID and how many addresses it holds in which blocks. */
export function ipamHandleObject(handle: string, blocks: ReadonlyMap<string, number>): KubeObject {
  return { apiVersion: CALICO_API_VERSION, kind: "IPAMHandle", metadata: { name: handle.toLowerCase() }, spec: { block: Object.fromEntries(blocks), deleted: false, handleID: handle } } as KubeObject;
}

type Write = { kind: "IPAMBlock" | "BlockAffinity" | "IPAMHandle"; name: string; object: () => KubeObject | undefined };

/**
 * Calico IPAM's state in the Kubernetes datastore: every block, affinity and handle change is written
 * as the crd.projectcalico.org/v1 object calico-ipam keeps (IPAMBlock, BlockAffinity, IPAMHandle), so
 * `kubectl get ipamblocks` shows what a real cluster shows. Writes are coalesced per object and
 * applied in order (affinities, then blocks, then handles); the in-process IPAM stays the authority.
 */
export class IpamDatastore implements IpamEvents {
  /** Changes not yet written, per kind in write order, latest state per object. */
  private readonly pending = { BlockAffinity: new Map<string, Write>(), IPAMBlock: new Map<string, Write>(), IPAMHandle: new Map<string, Write>() };
  private running: Promise<void> | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly ipam: CalicoIpam,
    private readonly client: Client,
    private readonly log: Logger,
  ) {
    this.unsubscribe = ipam.subscribe(this);
    for (const b of ipam.blocks.values()) this.blockChanged(b);
  }

  affinityClaimed(node: string, block: Block): void {
    this.queue({ kind: "BlockAffinity", name: `${node}-${blockName(block.cidr)}`, object: () => blockAffinityObject(node, block.cidr) });
  }

  affinityReleased(node: string, block: Block): void {
    this.queue({ kind: "BlockAffinity", name: `${node}-${blockName(block.cidr)}`, object: () => undefined });
  }

  borrowed(): void {}
  returned(): void {}

  blockChanged(block: Block): void {
    this.queue({ kind: "IPAMBlock", name: blockName(block.cidr), object: () => (this.ipam.blocks.get(block.network) === block ? ipamBlockObject(block, this.ipam.strictAffinity) : undefined) });
  }

  handleChanged(handle: string): void {
    this.queue({ kind: "IPAMHandle", name: handle.toLowerCase(), object: () => (this.ipam.handleBlocks(handle).size ? ipamHandleObject(handle, this.ipam.handleBlocks(handle)) : undefined) });
  }

  /** Resolves once every change so far is written. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  stop(): void {
    this.unsubscribe();
  }

  private queue(w: Write): void {
    this.pending[w.kind].set(w.name, w);
    this.kick();
  }

  /**
   * Starts draining unless a drain runs. A change queued after a drain took its last write but
   * before it settled would otherwise wait for the next change: the settled drain looks again.
   */
  private kick(): void {
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
      if (this.pending.BlockAffinity.size || this.pending.IPAMBlock.size || this.pending.IPAMHandle.size) this.kick();
    });
  }

  private next(): Write | undefined {
    for (const kind of ["BlockAffinity", "IPAMBlock", "IPAMHandle"] as const) {
      const map = this.pending[kind];
      for (const [name, w] of map) {
        map.delete(name);
        return w;
      }
    }
    return undefined;
  }

  private async drain(): Promise<void> {
    await Promise.resolve();
    for (let w = this.next(); w; w = this.next()) await this.write(w);
  }

  private async write(w: Write): Promise<void> {
    const api = this.client.resource(calicoRef(w.kind));
    const obj = w.object();
    try {
      if (!obj) {
        await api.delete(w.name).catch((err: unknown) => {
          if (!isStatusError(err, "NotFound")) throw err;
        });
        return;
      }
      try {
        await api.create(obj, { fieldManager: "calico-ipam" });
      } catch (err) {
        if (!isStatusError(err, "AlreadyExists")) throw err;
        await api.update(obj, { fieldManager: "calico-ipam" });
      }
    } catch (err) {
      this.log.warn(`calico-ipam: writing ${w.kind} ${w.name}: ${String(err)}`);
    }
  }
}
