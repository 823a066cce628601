import type { NodeScore } from "./interface.js";

/** The highest score a plugin may give a node after normalizing. */
export const MAX_NODE_SCORE = 100;

/**
 * Scales scores to [0, maxPriority] by the largest (upstream `helper.DefaultNormalizeScore`);
 * `reverse` turns the scale around (lower raw score is better).
 */
export function defaultNormalizeScore(maxPriority: number, reverse: boolean, scores: NodeScore[]): void {
  let max = 0;
  for (const s of scores) if (s.score > max) max = s.score;
  if (max === 0) {
    if (reverse) for (const s of scores) s.score = maxPriority;
    return;
  }
  for (const s of scores) {
    let v = Math.trunc((maxPriority * s.score) / max);
    if (reverse) v = maxPriority - v;
    s.score = v;
  }
}

/** {@link defaultNormalizeScore} over raw scores in a Float64Array (ScoreExtensions.normalizeScores). */
export function defaultNormalizeScores(maxPriority: number, reverse: boolean, scores: Float64Array): void {
  let max = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i]! > max) max = scores[i]!;
  if (max === 0) {
    if (reverse) scores.fill(maxPriority);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    const v = Math.trunc((maxPriority * scores[i]!) / max);
    scores[i] = reverse ? maxPriority - v : v;
  }
}
