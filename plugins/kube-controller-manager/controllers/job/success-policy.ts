import type { Job } from "kubernetes-types/batch/v1.js";
import { parseIndexes } from "./indexes.js";

/**
 * matchSuccessPolicy for an Indexed Job: the message (`Matched rules at index N`) of the first
 * rule the succeeded indexes satisfy — `succeededIndexes` all succeeded (or at least
 * `succeededCount` of them), or, without `succeededIndexes`, at least `succeededCount` indexes
 * succeeded — or undefined.
 */
export function matchSuccessPolicy(job: Job, succeeded: ReadonlySet<number>): string | undefined {
  const rules = job.spec?.successPolicy?.rules;
  if (!rules || succeeded.size === 0) return undefined;
  const completions = job.spec?.completions ?? 1;
  for (let i = 0; i < rules.length; i++) {
    const { succeededIndexes, succeededCount } = rules[i]!;
    if (succeededIndexes !== undefined && succeededIndexes !== null) {
      const required = [...parseIndexes(succeededIndexes)].filter((x) => x < completions);
      if (required.length === 0) continue;
      const hit = required.filter((x) => succeeded.has(x)).length;
      if (succeededCount !== undefined && succeededCount !== null ? hit >= succeededCount : hit === required.length) return `Matched rules at index ${i}`;
    } else if (succeededCount !== undefined && succeededCount !== null && succeeded.size >= succeededCount) return `Matched rules at index ${i}`;
  }
  return undefined;
}
