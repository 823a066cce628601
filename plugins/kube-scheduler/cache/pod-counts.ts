import type { Pod } from "kubernetes-types/core/v1.js";
import type { AffinityTerm, PodInfo } from "../framework/pod-info.js";
import type { AntiAffinityGroup, DomainCounts, DomainCountsById, PodCountQuery, TopologyDomainIds } from "../framework/pod-count-query.js";
import type { NodeInfo, NodeRows } from "../framework/node-info.js";

interface Entry {
  readonly query: PodCountQuery;
  readonly counts: Map<string, number>;
  /** When the query was last asked (the index's tick then): the least recent goes first. */
  used: number;
  /** `counts` by domain number, built on first ask and kept up to date with them. */
  byId: { ids: DomainIds; counts: Int32Array } | undefined;
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

  /** `domainIds`: the numbers of a label's values over the same nodes (dropped with these counts). */
  constructor(
    private readonly nodes: () => readonly NodeInfo[],
    private readonly domainIds?: (key: string) => DomainIds,
  ) {}

  /** The counts answering `query` (owned by the index: read, never change them). */
  counts(query: PodCountQuery): DomainCounts {
    return this.entry(query).counts;
  }

  /**
   * The counts answering `query` by domain number (owned by the index: read, never change them);
   * undefined without domain numbers, or when a counted value has no number.
   */
  countsById(query: PodCountQuery): DomainCountsById | undefined {
    const e = this.entry(query);
    if (e.byId || !this.domainIds) return e.byId;
    const ids = this.domainIds(query.topologyKey);
    const counts = new Int32Array(ids.values.length);
    for (const [value, n] of e.counts) {
      const id = ids.idOf(value);
      if (id < 0) return undefined;
      counts[id] = n;
    }
    return (e.byId = { ids, counts });
  }

  /** Counts the asks, to stamp entries with when they were last asked. */
  private tick = 0;

  private entry(query: PodCountQuery): Entry {
    const entries = this.entries;
    let e = entries.get(query.key);
    if (e) {
      e.used = ++this.tick;
      return e;
    }
    e = { query, counts: new Map(), used: ++this.tick, byId: undefined };
    for (const ni of this.nodes()) {
      if (ni.pods.length === 0) continue;
      const value = ni.node?.metadata?.labels?.[query.topologyKey];
      if (value === undefined) continue;
      for (const pi of ni.pods) if (matches(query, pi.pod)) bump(e.counts, value, 1);
    }
    if (entries.size >= MAX_QUERIES) this.dropLeastRecent();
    entries.set(query.key, e);
    return e;
  }

  private dropLeastRecent(): void {
    let oldest: Entry | undefined;
    for (const e of this.entries.values()) if (!oldest || e.used < oldest.used) oldest = e;
    this.entries.delete(oldest!.query.key);
  }

  /** `pi` was placed on (`by` 1) or removed from (`by` -1) `ni`. */
  podChanged(pi: PodInfo, ni: NodeInfo, by: 1 | -1): void {
    if (this.entries.size === 0) return;
    const labels = ni.node?.metadata?.labels;
    if (!labels) return;
    for (const e of this.entries.values()) {
      const value = labels[e.query.topologyKey];
      if (value === undefined || !matches(e.query, pi.pod)) continue;
      bump(e.counts, value, by);
      const byId = e.byId;
      if (!byId) continue;
      const id = byId.ids.of(ni);
      // A node the numbers do not cover (none while they are kept): number the counts again when next asked.
      if (id >= 0) byId.counts[id]! += by;
      else e.byId = undefined;
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
  domainIds(key: string): DomainIds {
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
export class DomainIds implements TopologyDomainIds {
  readonly values: string[] = [];
  private readonly bySlot: Int32Array;
  /** Value → its number. */
  private readonly index = new Map<string, number>();

  constructor(key: string, nodes: readonly NodeInfo[], private readonly rows: NodeRows | undefined) {
    let slots = 0;
    for (const ni of nodes) slots = Math.max(slots, (rows?.slotOf(ni) ?? -1) + 1);
    this.bySlot = new Int32Array(slots).fill(-2);
    const index = this.index;
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
    return this.atRow(this.rowOf(ni));
  }

  rowOf(ni: NodeInfo): number {
    return this.rows ? this.rows.slotOf(ni) : -1;
  }

  atRow(row: number): number {
    return row >= 0 && row < this.bySlot.length ? this.bySlot[row]! : -2;
  }

  /** The number of `value`, -1 when no node carries it. */
  idOf(value: string): number {
    return this.index.get(value) ?? -1;
  }
}
