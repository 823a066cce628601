import { patchMetaFor, type FieldMeta, type TypeMeta } from "./patch-meta.js";

/**
 * The strategic-merge-patch meta of patch-meta.ts compiled once per struct type for the patch
 * functions, which look a field up for every member of every map they merge or diff: each
 * struct's fields in a Map, each field's strategy as flags on objects of one class. The literal
 * meta objects come in dozens of shapes, which made every read of them a megamorphic property
 * load (an inline-cache miss per read in a process as busy as a cluster).
 */
export class PatchStruct {
  /** The fields whose strategy differs from the default (merge maps, replace lists). */
  readonly fields = new Map<string, PatchField>();
}

/** One field's strategy: `patchStrategy` and `patchMergeKey` of its Go struct tag, and its struct type. */
export class PatchField {
  constructor(
    /** `merge` (or `merge,retainKeys`): lists merge item by item (by `mergeKey` for maps). */
    readonly merge: boolean,
    /** `replace`: the value is replaced whole. */
    readonly replace: boolean,
    /** `retainKeys` (or `merge,retainKeys`): the map's patch lists the keys it keeps. */
    readonly retainKeys: boolean,
    /** The merge key, "" when the tag names none. */
    readonly mergeKey: string,
    /** The field's struct (for lists: the item's), if it has fields of its own with strategies. */
    readonly type: PatchStruct | undefined,
  ) {}
}

const compiled = new WeakMap<TypeMeta, PatchStruct>();
const byKind = new Map<string, PatchStruct | null>();

/** The compiled patch meta of a built-in kind, or undefined for kinds without one (custom resources). */
export function patchStructFor(kind: string): PatchStruct | undefined {
  let struct = byKind.get(kind);
  if (struct === undefined) {
    const meta = patchMetaFor(kind);
    struct = meta ? compile(meta) : null;
    byKind.set(kind, struct);
  }
  return struct ?? undefined;
}

function compile(meta: TypeMeta): PatchStruct {
  let struct = compiled.get(meta);
  if (struct) return struct;
  struct = new PatchStruct();
  // Registered before its fields: a type may reach itself.
  compiled.set(meta, struct);
  for (const [name, fm] of Object.entries(meta.fields ?? {})) struct.fields.set(name, compileField(fm));
  return struct;
}

function compileField(fm: FieldMeta): PatchField {
  const p = fm.patch;
  return new PatchField(p === "merge" || p === "merge,retainKeys", p === "replace", p === "retainKeys" || p === "merge,retainKeys", fm.mergeKey ?? "", fm.type ? compile(fm.type) : undefined);
}
