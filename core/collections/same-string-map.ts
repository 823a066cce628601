/**
 * Whether two string maps (labels, annotations) hold the same pairs, in any order, a missing map
 * equal to an empty one — apimachinery's `equality.Semantic.DeepEqual` on such maps. The same
 * object is equal without a walk.
 */
export function sameStringMap(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  if (a === b) return true;
  const keys = a ? Object.keys(a) : [];
  if (keys.length !== (b ? Object.keys(b).length : 0)) return false;
  for (const k of keys) if (a![k] !== b![k]) return false;
  return true;
}
