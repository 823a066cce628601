import type { Pod } from "kubernetes-types/core/v1.js";
import type { AffinityTerm, PodInfo } from "../framework/pod-info.js";
import type { AntiAffinityGroup, DomainCounts, PodCountQuery, TopologyDomainIds } from "../framework/pod-count-query.js";
import type { NodeInfo, NodeRows } from "../framework/node-info.js";

interface Entry {
  readonly query: PodCountQuery;
  readonly counts: Map<string, number>;
}

/** How many queries are kept up to date; the least recently asked one goes first. */
const MAX_QUERIES = 64;

function matches(q: PodCountQuery, pod: Pod): boolean {
  const m = pod.metadata!;
  if (q.skipTerminating && m.deletionTimestamp) return false;
  const ns = m.namespace ?? "default";
  const labels = m.labels ?? {};
  for (const matcher of q.matchers) if (!matcher.namespaces.has(ns) || !matcher.selector.matches(labels)) return false;
  return true;
}

function bump(counts: Map<string, number>, value: string, by: number): void {
  const v = (counts.get(value) ?? 0) + by;
  if (v === 0) counts.delete(value);
  else counts.set(value, v);
}

/**
 * Answers to the count queries asked lately, kept up to date as pods are placed on and removed
 * from nodes: a query costs one walk over every pod when first asked, then O(1) per cycle, and
 * every placed or removed pod costs one match per kept query. Node changes that move pods
 * between domains (a node added or removed, its labels changed) drop every answer.
 */
export class PodCountIndex {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly nodes: () => readonly NodeInfo[]) {}

  /** The counts answering `query` (owned by the index: read, never change them). */
  counts(query: PodCountQuery): DomainCounts {
    const entries = this.entries;
    let e = entries.get(query.key);
    if (e) {
      // Most recently used last.
      entries.delete(query.key);
      entries.set(query.key, e);
      return e.counts;
    }
    e = { query, counts: new Map() };
    for (const ni of this.nodes()) {
      if (ni.pods.length === 0) continue;
      const value = ni.node?.metadata?.labels?.[query.topologyKey];
      if (value === undefined) continue;
      for (const pi of ni.pods) if (matches(query, pi.pod)) bump(e.counts, value, 1);
    }
    if (entries.size >= MAX_QUERIES) entries.delete(entries.keys().next().value!);
    entries.set(query.key, e);
    return e.counts;
  }

  /** `pi` was placed on (`by` 1) or removed from (`by` -1) `ni`. */
  podChanged(pi: PodInfo, ni: NodeInfo, by: 1 | -1): void {
    if (this.entries.size === 0) return;
    const labels = ni.node?.metadata?.labels;
    if (!labels) return;
    for (const e of this.entries.values()) {
      const value = labels[e.query.topologyKey];
      if (value !== undefined && matches(e.query, pi.pod)) bump(e.counts, value, by);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * The required anti-affinity terms of placed pods, grouped by term (upstream walks every such pod
 * per cycle): a cycle matches each distinct term against the incoming pod once. Built on first
 * use, then kept up to date; node changes drop it.
 */
export class AntiAffinityGroups {
  private groups: Map<string, { term: AffinityTerm; counts: Map<string, number> }> | undefined;

  constructor(private readonly nodes: () => readonly NodeInfo[]) {}

  /** Term key → group. */
  all(): ReadonlyMap<string, AntiAffinityGroup> {
    if (!this.groups) {
      this.groups = new Map();
      for (const ni of this.nodes()) for (const pi of ni.podsWithRequiredAntiAffinity) this.add(pi, ni, 1);
    }
    return this.groups;
  }

  podChanged(pi: PodInfo, ni: NodeInfo, by: 1 | -1): void {
    if (this.groups && pi.requiredAntiAffinityTerms.length) this.add(pi, ni, by);
  }

  private add(pi: PodInfo, ni: NodeInfo, by: 1 | -1): void {
    const labels = ni.node?.metadata?.labels;
    if (!labels) return;
    const groups = this.groups!;
    for (const t of pi.requiredAntiAffinityTerms) {
      const value = labels[t.topologyKey];
      if (value === undefined) continue;
      let g = groups.get(t.key);
      if (!g) groups.set(t.key, (g = { term: t, counts: new Map() }));
      bump(g.counts, value, by);
      if (g.counts.size === 0) groups.delete(t.key);
    }
  }

  clear(): void {
    this.groups = undefined;
  }
}

/**
 * The values of node labels: per label key, how many nodes carry each value (PodTopologySpread's
 * domains). Built per key on first use; node changes drop it.
 */
export class TopologyValues {
  private readonly byKey = new Map<string, { values: Map<string, number>; nodes: number }>();
  private readonly ids = new Map<string, DomainIds>();

  constructor(
    private readonly nodes: () => readonly NodeInfo[],
    private readonly rows?: NodeRows,
  ) {}

  /** Each node's value of label `key` as a number, by the node's row (built on first use; node changes drop it). */
  domainIds(key: string): TopologyDomainIds {
    let d = this.ids.get(key);
    if (!d) this.ids.set(key, (d = new DomainIds(key, this.nodes(), this.rows)));
    return d;
  }

  private entry(key: string): { values: Map<string, number>; nodes: number } {
    let e = this.byKey.get(key);
    if (!e) {
      e = { values: new Map(), nodes: 0 };
      for (const ni of this.nodes()) {
        const v = ni.node?.metadata?.labels?.[key];
        if (v === undefined) continue;
        e.values.set(v, (e.values.get(v) ?? 0) + 1);
        e.nodes++;
      }
      this.byKey.set(key, e);
    }
    return e;
  }

  /** Value → how many nodes carry it. */
  of(key: string): ReadonlyMap<string, number> {
    return this.entry(key).values;
  }

  /** How many nodes carry label `key`. */
  nodesWith(key: string): number {
    return this.entry(key).nodes;
  }

  clear(): void {
    this.byKey.clear();
    this.ids.clear();
  }
}

/** `TopologyDomainIds` over the nodes at the time it was built, indexed by their rows in `rows`. */
class DomainIds implements TopologyDomainIds {
  readonly values: string[] = [];
  private readonly bySlot: Int32Array;

  constructor(key: string, nodes: readonly NodeInfo[], private readonly rows: NodeRows | undefined) {
    let slots = 0;
    for (const ni of nodes) slots = Math.max(slots, (rows?.slotOf(ni) ?? -1) + 1);
    this.bySlot = new Int32Array(slots).fill(-2);
    const index = new Map<string, number>();
    for (const ni of nodes) {
      const slot = rows?.slotOf(ni) ?? -1;
      if (slot < 0) continue;
      const v = ni.node?.metadata?.labels?.[key];
      let id = -1;
      if (v !== undefined) {
        id = index.get(v) ?? -1;
        if (id < 0) {
          index.set(v, (id = this.values.length));
          this.values.push(v);
        }
      }
      this.bySlot[slot] = id;
    }
  }

  of(ni: NodeInfo): number {
    const slot = this.rows ? this.rows.slotOf(ni) : -1;
    return slot >= 0 && slot < this.bySlot.length ? this.bySlot[slot]! : -2;
  }
}
