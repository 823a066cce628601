import type { Pod } from "kubernetes-types/core/v1.js";

/**
 * The names of the claims a pod's volumes use: `persistentVolumeClaim.claimName`, and for a
 * generic ephemeral volume its claim `<pod>-<volume>` (component-helpers/storage/ephemeral VolumeClaimName).
 */
export function podClaimNames(pod: Pod): string[] {
  const out: string[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    if (v.persistentVolumeClaim?.claimName) out.push(v.persistentVolumeClaim.claimName);
    else if (v.ephemeral) out.push(`${pod.metadata?.name}-${v.name}`);
  }
  return out;
}
