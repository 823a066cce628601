import type { Match, Rule, Target } from "./rule.js";

/** The immutable part of a compiled rule, one per distinct iptables-save line in the process. */
interface SharedRule {
  readonly chain: string;
  readonly text: string;
  /** Held by every rule made from this entry: the entry lives while one of them does. */
  readonly matches: WeakRef<readonly Match[]>;
  readonly target: Target;
}

/**
 * Compiled rules shared by every namespace of the process, by canonical text (`-A CHAIN ...` as
 * iptables-save prints it). Each node's kube-proxy and CNI agent write the same lines (the same
 * Services, the same masquerade rules): a rule made here keeps only its own counters and
 * references the matches, target and text every other copy uses, and a line already compiled
 * anywhere is not parsed again. An entry is dropped once no rule uses its matches any more.
 */
const shared = new Map<string, SharedRule>();
const finalizer = new FinalizationRegistry<string>((text) => {
  if (shared.get(text)?.matches.deref() === undefined) shared.delete(text);
});

/** A new rule (zero counters) with the shared parts of `text`'s compiled rule, if one is alive. */
export function sharedRule(text: string): Rule | undefined {
  const entry = shared.get(text);
  if (!entry) return undefined;
  const matches = entry.matches.deref();
  if (!matches) return undefined;
  return { chain: entry.chain, matches, target: entry.target, text: entry.text, packets: 0, bytes: 0 };
}

/** `rule` (just compiled) as a shared rule: the parts of an equal rule already alive, or `rule`'s own, registered. */
export function shareRule(rule: Rule): Rule {
  const existing = sharedRule(rule.text);
  if (existing) return existing;
  const text = detachedString(rule.text);
  const chain = detachedString(rule.chain);
  shared.set(text, { chain, text, matches: new WeakRef(rule.matches), target: rule.target });
  finalizer.register(rule.matches, text);
  return { chain, matches: rule.matches, target: rule.target, text, packets: 0, bytes: 0 };
}

/**
 * `s` as a string of its own: the engine's internalized copy (a property key), flat and holding
 * nothing else. A substring of a restore's input (a chain name, the pieces of a rule's text)
 * otherwise keeps the whole input alive for as long as it is kept.
 */
export function detachedString(s: string): string {
  return Object.keys({ [s]: 0 })[0] ?? s;
}

/** How many distinct compiled rules are alive (for tests and benchmarks). */
export function sharedRuleCount(): number {
  return shared.size;
}
