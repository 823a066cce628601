/**
 * Whether two label maps hold the same pairs, in any order, a missing map equal to an empty one
 * (apimachinery's `equality.Semantic.DeepEqual` on labels). The same object is equal without a walk.
 */
export function sameLabels(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  if (a === b) return true;
  const ka = a ? Object.keys(a) : [];
  if (ka.length !== (b ? Object.keys(b).length : 0)) return false;
  for (const k of ka) if (a![k] !== b![k]) return false;
  return true;
}
