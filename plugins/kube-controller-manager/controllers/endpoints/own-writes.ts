import type { ObjectLike, Predicate } from "../../../../core/index.js";

const keyOf = (obj: ObjectLike): string => `${obj.metadata?.namespace ?? ""}/${obj.metadata?.name ?? ""}`;

/**
 * The versions of its objects a controller wrote itself (upstream's endpointSliceTracker): their
 * watch events are its own writes coming back, not changes from outside, and need no sync — a sync
 * lists every pod of the Service. Any other version (another writer, a relist) and every deletion
 * still pass.
 */
export class OwnWrites {
  private readonly written = new Map<string, string>();

  /** Records an object this controller created or updated (the API server's answer). */
  wrote(obj: ObjectLike): void {
    const rv = obj.metadata?.resourceVersion;
    if (rv) this.written.set(keyOf(obj), rv);
  }

  private fromOutside(obj: ObjectLike): boolean {
    return this.written.get(keyOf(obj)) !== obj.metadata?.resourceVersion;
  }

  /** The watch filter: passes events of versions this controller did not write. */
  readonly predicate: Predicate<ObjectLike> = {
    create: (obj) => this.fromOutside(obj),
    update: (_old, obj) => this.fromOutside(obj),
    delete: (obj) => {
      this.written.delete(keyOf(obj));
      return true;
    },
  };
}
