import type { LabelSelector } from "../../../core/api/selectors/label-selector.js";
import { selectorKey, type AffinityTerm } from "./pod-info.js";
import type { NodeInfo } from "./node-info.js";

/** Which pods a count query selects: pods in one of `namespaces` whose labels match `selector`. */
export interface PodMatcher {
  readonly namespaces: ReadonlySet<string>;
  readonly selector: LabelSelector;
}

/**
 * A question InterPodAffinity and PodTopologySpread ask about every placed pod each cycle: how
 * many pods matching every matcher sit in each domain (value) of the node label `topologyKey`.
 * Equal `key`s ask the same question.
 */
export interface PodCountQuery {
  readonly key: string;
  readonly matchers: readonly PodMatcher[];
  readonly topologyKey: string;
  /** Leaves out pods being deleted (PodTopologySpread counts only live pods; InterPodAffinity counts every pod). */
  readonly skipTerminating: boolean;
}

/** A query over pods matching every term (their namespaceSelectors unset), per value of `topologyKey`. */
export function termsQuery(terms: readonly AffinityTerm[], topologyKey: string): PodCountQuery {
  let key = `a\u0000${topologyKey}`;
  for (const t of terms) key += `\u0000${t.matchKey}`;
  return { key, matchers: terms, topologyKey, skipTerminating: false };
}

/** A query over live pods of `namespace` matching `selector`, per value of `topologyKey` (PodTopologySpread). */
export function spreadQuery(namespace: string, selector: LabelSelector, topologyKey: string): PodCountQuery {
  return { key: `s\u0000${topologyKey}\u0000${namespace}\u0000${selectorKey(selector)}`, matchers: [{ namespaces: new Set([namespace]), selector }], topologyKey, skipTerminating: true };
}

/**
 * Each node's value of one node label as a small number, for Filters that decide per value
 * rather than per node: `values[of(node)]`; -1 when the node lacks the label; -2 when the node is
 * not one the answer covers (a copy, a node added since) — read its labels then.
 */
export interface TopologyDomainIds {
  readonly values: readonly string[];
  of(nodeInfo: NodeInfo): number;
  /**
   * The node's row in the snapshot's node storage (-1: a node the numbers do not cover), the same
   * for every label's numbers: a loop reading several labels' numbers per node reads it once.
   */
  rowOf(nodeInfo: NodeInfo): number;
  /** `of` the node at `row` (its `rowOf`). */
  atRow(row: number): number;
}

/** Counts per topology value (values with no pod are absent). */
export type DomainCounts = ReadonlyMap<string, number>;

/**
 * The counts of a query by domain number: `counts[id]` pods in domain `ids.values[id]` (the
 * numbers of the snapshot's `topologyDomainIds` for the query's key), for loops over nodes that
 * read a count per node without a map lookup.
 */
export interface DomainCountsById {
  readonly ids: TopologyDomainIds;
  readonly counts: Int32Array;
}

/** Placed pods' required anti-affinity terms, equal terms grouped, with the pods per topology value. */
export interface AntiAffinityGroup {
  readonly term: AffinityTerm;
  readonly counts: DomainCounts;
}

