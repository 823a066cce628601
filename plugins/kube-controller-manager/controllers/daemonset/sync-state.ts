import type { ControllerRevision } from "kubernetes-types/apps/v1.js";
import { StatusTally } from "./status-tally.js";

/**
 * What the DaemonSet controller remembers of one set between syncs, so a sync re-evaluates only
 * the nodes that changed: the nodes touched by pod and node events since the last sync, the nodes
 * whose pods could not be managed yet (expectations unmet), the status tally, and the revision
 * the last full pass settled on. A full pass (every node) is asked for by changes that concern
 * them all: the set's template or history, an orphan to adopt, a failed sync.
 */
export class SyncState {
  /** Nodes to re-evaluate at the next sync. */
  private dirty = new Set<string>();
  private fullAsked = true;
  /** Nodes re-evaluated while expectations were unmet, whose pods still have to be managed. */
  readonly deferred = new Set<string>();
  /** A full pass ran while expectations were unmet: the next managing sync walks every node. */
  manageAll = false;
  readonly tally = new StatusTally();
  /** The set's generation, current revision and history as of the last full pass. */
  generation: number | undefined;
  revision: ControllerRevision | undefined;
  history: readonly ControllerRevision[] = [];

  constructor(readonly uid: string) {}

  /** Marks `node` for re-evaluation. */
  touch(node: string): void {
    if (!this.fullAsked) this.dirty.add(node);
  }

  /** Asks for a pass over every node. */
  askFull(): void {
    this.fullAsked = true;
    this.dirty.clear();
  }

  /** Takes what the next sync has to do: every node (`undefined`), or the touched ones. */
  take(): Set<string> | undefined {
    if (this.fullAsked) {
      this.fullAsked = false;
      return undefined;
    }
    const out = this.dirty;
    this.dirty = new Set();
    return out;
  }
}
