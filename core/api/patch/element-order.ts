import { isPlainObject } from "./json-value.js";
import { DIRECTIVE } from "./patch-directives.js";

/**
 * How strategic merge patch orders a merged list (upstream's normalizeElementOrder and its
 * helpers): the patch's items in the patch's order, the server's other items in the server's
 * order, the latter kept in place relative to the patch items the server already had. Items are
 * told apart by their merge key's value (the item itself for primitive lists: `mergeKey` "").
 * Short lists are searched in place: no Map, no filtered copies per merged list.
 */

/** Splits `items` into those present in `by` and the rest, keeping order. */
export function partition(items: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const keys = positionsIn(by, mergeKey);
  const inBy: unknown[] = [];
  const rest: unknown[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    (positionOf(keys, elementKey(item, mergeKey)) >= 0 ? inBy : rest).push(item);
  }
  return [inBy, rest];
}

/**
 * Upstream's normalizeElementOrder: patch items sorted by `patchOrder`, server-only items by
 * `serverOrder`, then merged so that server-only items keep their place relative to the patch
 * items that the server already had. May return `patchItems` or `serverOnly` itself (callers pass
 * fresh lists: {@link partition}'s).
 */
export function normalizeElementOrder(patchItems: unknown[], serverOnly: unknown[], patchOrder: unknown[], serverOrder: unknown[], mergeKey: string): unknown[] {
  const left = sortByOrder(serverOnly, serverOrder, mergeKey);
  const right = sortByOrder(patchItems, patchOrder, mergeKey);
  // One side only: the merge below would copy it as it is.
  if (left.length === 0) return right;
  if (right.length === 0) return left;
  const serverIndex = positionsIn(serverOrder, mergeKey);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = positionOf(serverIndex, elementKey(left[i], mergeKey));
      const ri = positionOf(serverIndex, elementKey(right[j], mergeKey));
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

/** `items` with those `order` has first, by their first position in it (stably), then the others, then `$patch: delete` items; `items` itself when already so. */
function sortByOrder(items: unknown[], order: unknown[], mergeKey: string): unknown[] {
  const index = positionsIn(order, mergeKey);
  if (inOrder(items, index)) return items;
  const known: unknown[] = [];
  const at: number[] = [];
  let unknown: unknown[] | undefined;
  let deletes: unknown[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const v = items[i];
    if (isPlainObject(v) && v[DIRECTIVE] === "delete") {
      (deletes ??= []).push(v);
      continue;
    }
    const p = positionOf(index, elementKey(v, mergeKey));
    if (p < 0) {
      (unknown ??= []).push(v);
      continue;
    }
    known.push(v);
    at.push(p);
  }
  if (index.map === undefined) {
    // Few items: a stable insertion sort by position, in place (no comparator closure, no key lookups per comparison).
    for (let i = 1; i < known.length; i++) {
      const v = known[i];
      const p = at[i]!;
      let j = i;
      for (; j > 0 && at[j - 1]! > p; j--) {
        known[j] = known[j - 1];
        at[j] = at[j - 1]!;
      }
      known[j] = v;
      at[j] = p;
    }
  } else if (known.length > 1) {
    const order = known.map((_, i) => i).sort((a, b) => at[a]! - at[b]!);
    const sorted = order.map((i) => known[i]);
    known.length = 0;
    for (const v of sorted) known.push(v);
  }
  if (unknown) for (const v of unknown) known.push(v);
  if (deletes) for (const v of deletes) known.push(v);
  return known;
}

/** Whether every item is in the order, none a `$patch: delete`, at positions that never decrease: sorting keeps `items` as they are. */
function inOrder(items: unknown[], index: Positions): boolean {
  let last = -1;
  for (let i = 0; i < items.length; i++) {
    const v = items[i];
    if (isPlainObject(v) && v[DIRECTIVE] === "delete") return false;
    const p = positionOf(index, elementKey(v, index.mergeKey));
    if (p < 0 || p < last) return false;
    last = p;
  }
  return true;
}

/** Lists this short are searched in place for an element's position; longer ones get a Map. */
const SCAN_MAX = 16;

/** First positions of a list's element keys: the list itself when short, else a Map built once. */
interface Positions {
  readonly list: unknown[];
  readonly mergeKey: string;
  readonly map: Map<unknown, number> | undefined;
}

function positionsIn(list: unknown[], mergeKey: string): Positions {
  return { list, mergeKey, map: list.length > SCAN_MAX ? indexOf(list, mergeKey) : undefined };
}

/** The first position of an element key in the list, or -1 (keys compare as a Map's do: JSON has no NaN). */
function positionOf(p: Positions, key: unknown): number {
  if (p.map !== undefined) return p.map.get(key) ?? -1;
  const list = p.list;
  for (let i = 0; i < list.length; i++) if (elementKey(list[i], p.mergeKey) === key) return i;
  return -1;
}

function indexOf(list: unknown[], mergeKey: string): Map<unknown, number> {
  const index = new Map<unknown, number>();
  list.forEach((v, i) => {
    const k = elementKey(v, mergeKey);
    if (!index.has(k)) index.set(k, i);
  });
  return index;
}

/** An item's identity in its list: its merge key's value, or the item itself. */
export function elementKey(v: unknown, mergeKey: string): unknown {
  return mergeKey && isPlainObject(v) ? v[mergeKey] : v;
}

