import type { KubeObject } from "../api/object.js";

/**
 * A stored object still in its serialized form (JSON bytes in a buffer read from disk), with the
 * revision it was stored at: a store restored from a snapshot keeps objects like this and decodes
 * each on first use, so a restart reads and checks the files but parses only what is asked for.
 */
export class EncodedObject {
  constructor(
    readonly revision: number,
    private readonly data: Buffer,
    private readonly start: number,
    private readonly end: number,
  ) {}

  /** The object's JSON text. */
  text(): string {
    return this.data.toString("utf8", this.start, this.end);
  }

  /** A freshly parsed object. */
  decode(): KubeObject {
    return JSON.parse(this.text()) as KubeObject;
  }
}

/** The object itself, decoding it if it is still encoded. */
export function decoded(obj: KubeObject | EncodedObject): KubeObject {
  return obj instanceof EncodedObject ? obj.decode() : obj;
}
