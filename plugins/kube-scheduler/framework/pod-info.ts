import type { Pod, PodAffinityTerm, WeightedPodAffinityTerm } from "kubernetes-types/core/v1.js";
import { labelSelectorFromObject, type LabelSelector } from "../../../core/api/selectors/label-selector.js";
import { podRequests, type PodRequests } from "./resource.js";

/** A pod (anti-)affinity term with its selectors parsed (upstream `framework.AffinityTerm`). */
export interface AffinityTerm {
  /** Namespaces named by the term (the pod's own when neither namespaces nor namespaceSelector is set). */
  readonly namespaces: ReadonlySet<string>;
  /** Set when the term has a namespaceSelector; `{}` matches every namespace. */
  readonly namespaceSelector: LabelSelector | undefined;
  readonly selector: LabelSelector;
  readonly topologyKey: string;
  /** Identifies which pods the term selects (namespaces and selectors, not the topology key): equal keys select the same pods. */
  readonly matchKey: string;
  /** `matchKey` plus the topology key: equal keys are the same term. */
  readonly key: string;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  readonly weight: number;
}

/** One host port a container asks for. */
export interface HostPort {
  readonly ip: string;
  readonly protocol: string;
  readonly port: number;
}

/**
 * A pod with what the scheduler derives from it once (upstream `framework.PodInfo`): requests,
 * parsed affinity terms, host ports. Pod objects are immutable, so a PodInfo is valid until the
 * pod object is replaced.
 */
export class PodInfo {
  readonly requests: PodRequests;
  readonly requiredAffinityTerms: readonly AffinityTerm[];
  readonly requiredAntiAffinityTerms: readonly AffinityTerm[];
  readonly preferredAffinityTerms: readonly WeightedAffinityTerm[];
  readonly preferredAntiAffinityTerms: readonly WeightedAffinityTerm[];
  readonly hostPorts: readonly HostPort[];

  /** `from`: a PodInfo of a pod equal to `pod` in all this derives (its data is shared). */
  constructor(readonly pod: Pod, from?: PodInfo) {
    if (from) {
      this.requests = from.requests;
      this.requiredAffinityTerms = from.requiredAffinityTerms;
      this.requiredAntiAffinityTerms = from.requiredAntiAffinityTerms;
      this.preferredAffinityTerms = from.preferredAffinityTerms;
      this.preferredAntiAffinityTerms = from.preferredAntiAffinityTerms;
      this.hostPorts = from.hostPorts;
      return;
    }
    this.requests = podRequests(pod);
    const affinity = pod.spec?.affinity;
    const ns = pod.metadata?.namespace ?? "default";
    this.requiredAffinityTerms = terms(ns, affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
    this.requiredAntiAffinityTerms = terms(ns, affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
    this.preferredAffinityTerms = weightedTerms(ns, affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
    this.preferredAntiAffinityTerms = weightedTerms(ns, affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
    const ports: HostPort[] = [];
    for (const c of pod.spec?.containers ?? []) {
      for (const p of c.ports ?? []) if (p.hostPort && p.hostPort > 0) ports.push({ ip: p.hostIP || "0.0.0.0", protocol: p.protocol || "TCP", port: p.hostPort });
    }
    for (const c of pod.spec?.initContainers ?? []) {
      if (c.restartPolicy !== "Always") continue;
      for (const p of c.ports ?? []) if (p.hostPort && p.hostPort > 0) ports.push({ ip: p.hostIP || "0.0.0.0", protocol: p.protocol || "TCP", port: p.hostPort });
    }
    this.hostPorts = ports;
  }

  /**
   * The PodInfo of `pod`, derived once per pod object (pods are immutable: a changed pod is a new
   * object), so the plugins of a cycle, the cache and the nominator share one.
   */
  static of(pod: Pod): PodInfo {
    let pi = derived.get(pod);
    if (!pi) derived.set(pod, (pi = new PodInfo(pod)));
    return pi;
  }

  /**
   * The PodInfo of `copy`, a copy of `original` that differs only in what PodInfo does not derive
   * from (the assumed pod, with its nodeName set): shares `original`'s parsed requests and terms.
   */
  static ofCopy(copy: Pod, original: Pod): PodInfo {
    let pi = derived.get(copy);
    if (!pi) derived.set(copy, (pi = new PodInfo(copy, PodInfo.of(original))));
    return pi;
  }

  get uid(): string {
    return this.pod.metadata!.uid!;
  }

  /** Whether this pod's terms score other pods (InterPodAffinity's symmetry in Score). */
  get scoresOthers(): boolean {
    return this.requiredAffinityTerms.length > 0 || this.preferredAffinityTerms.length > 0 || this.preferredAntiAffinityTerms.length > 0;
  }

  get hasAffinity(): boolean {
    return this.requiredAffinityTerms.length > 0 || this.requiredAntiAffinityTerms.length > 0 || this.preferredAffinityTerms.length > 0 || this.preferredAntiAffinityTerms.length > 0;
  }
}

const derived = new WeakMap<Pod, PodInfo>();

function term(ns: string, t: PodAffinityTerm): AffinityTerm {
  const namespaces = new Set(t.namespaces ?? []);
  if (namespaces.size === 0 && !t.namespaceSelector) namespaces.add(ns);
  const namespaceSelector = t.namespaceSelector ? labelSelectorFromObject(t.namespaceSelector) : undefined;
  const selector = labelSelectorFromObject(t.labelSelector ?? null);
  const matchKey = `${[...namespaces].sort().join(",")}\u0000${namespaceSelector ? selectorKey(namespaceSelector) : "-"}\u0000${selectorKey(selector)}`;
  return { namespaces, namespaceSelector, selector, topologyKey: t.topologyKey, matchKey, key: `${matchKey}\u0000${t.topologyKey}` };
}

/** A selector's canonical form, telling the selector that matches nothing from the one that matches everything. */
export function selectorKey(selector: LabelSelector): string {
  return selector.requirements.length === 0 && !selector.empty ? "\u0001nothing" : selector.toString();
}

function terms(ns: string, list: readonly PodAffinityTerm[] | undefined): AffinityTerm[] {
  return list?.length ? list.map((t) => term(ns, t)) : EMPTY;
}

function weightedTerms(ns: string, list: readonly WeightedPodAffinityTerm[] | undefined): WeightedAffinityTerm[] {
  return list?.length ? list.map((w) => ({ ...term(ns, w.podAffinityTerm), weight: w.weight })) : EMPTY_W;
}

const EMPTY: AffinityTerm[] = [];
const EMPTY_W: WeightedAffinityTerm[] = [];

/**
 * Whether `term` selects `pod`: the pod's namespace is named or matched by the namespace selector
 * (whose namespace labels `nsLabels` gives), and its labels match. A nil labelSelector matches nothing.
 */
export function termMatches(term: AffinityTerm, pod: Pod, nsLabels: (ns: string) => Readonly<Record<string, string>> | undefined): boolean {
  const ns = pod.metadata?.namespace ?? "default";
  if (!term.namespaces.has(ns)) {
    if (!term.namespaceSelector) return false;
    if (!term.namespaceSelector.matches(nsLabels(ns) ?? {})) return false;
  }
  return term.selector.matches(pod.metadata?.labels ?? {});
}
