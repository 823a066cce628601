/**
 * Arrays sized exactly to their elements, for small lists kept long and replaced rather than
 * changed in place (a node holds several per pod: a directory's names, a device's addresses, a
 * routing table's routes, a sandbox's containers). An array grown by `push` or built by a spread
 * keeps spare room (a spread of two elements holds 19 slots); `concat` sizes exactly but runs V8's
 * generic C++ builtin, several times slower than copying the few elements these lists hold.
 */

/** A new array of `list`'s elements then `item`, exactly sized (`list` is not changed). */
export function withAppended<T>(list: readonly T[], item: T): T[] {
  const n = list.length;
  const out = new Array<T>(n + 1);
  for (let i = 0; i < n; i++) out[i] = list[i]!;
  out[n] = item;
  return out;
}

/** A new array of `a`'s elements then `b`'s, exactly sized (neither is changed). */
export function joined<T>(a: readonly T[], b: readonly T[]): T[] {
  const n = a.length;
  const out = new Array<T>(n + b.length);
  for (let i = 0; i < n; i++) out[i] = a[i]!;
  for (let i = 0; i < b.length; i++) out[n + i] = b[i]!;
  return out;
}
