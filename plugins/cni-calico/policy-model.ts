import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from "kubernetes-types/networking/v1.js";
import type { LabelSelector } from "kubernetes-types/meta/v1.js";
import { parseSelector, type Labels } from "./selector.js";

export type Action = "Allow" | "Deny" | "Log" | "Pass";

/** Who a rule talks about (the source of an ingress rule, the destination of an egress rule); an empty list of peers is anyone. */
export interface PeerModel {
  /** Pods by labels (and, with `namespaces`, only in namespaces whose labels match); undefined = not a pod selector. */
  readonly pods?: (labels: Labels) => boolean;
  readonly namespaces?: (labels: Labels, name: string) => boolean;
  readonly nets?: readonly string[];
  readonly notNets?: readonly string[];
}

export interface RuleModel {
  readonly action: Action;
  readonly protocol?: "TCP" | "UDP" | "SCTP";
  /** Numeric ports/ranges and port names (resolved against the destination pod's container ports). */
  readonly ports?: readonly ({ lo: number; hi: number } | { name: string })[];
  readonly peers: readonly PeerModel[];
}

/** A policy as Felix renders it: Kubernetes NetworkPolicies become `knp.default.<name>` with order 1000. */
export interface PolicyModel {
  /** `<namespace>/knp.default.<name>`, `<namespace>/<name>`, or `<name>` for a GlobalNetworkPolicy. */
  readonly id: string;
  readonly namespace?: string;
  readonly order: number;
  readonly appliesTo: (labels: Labels, namespace: string) => boolean;
  readonly types: readonly ("Ingress" | "Egress")[];
  readonly ingress: readonly RuleModel[];
  readonly egress: readonly RuleModel[];
}

/** metav1.LabelSelector (matchLabels and matchExpressions In/NotIn/Exists/DoesNotExist) as a matcher; empty matches all. */
export function labelSelector(sel: LabelSelector | undefined): (labels: Labels) => boolean {
  const ml = Object.entries(sel?.matchLabels ?? {});
  const me = sel?.matchExpressions ?? [];
  return (labels) =>
    ml.every(([k, v]) => labels[k] === v) &&
    me.every((e) => {
      const has = e.key in labels;
      switch (e.operator) {
        case "In":
          return has && (e.values ?? []).includes(labels[e.key]!);
        case "NotIn":
          return !has || !(e.values ?? []).includes(labels[e.key]!);
        case "Exists":
          return has;
        default:
          return !has;
      }
    });
}

function k8sPorts(ports: readonly NetworkPolicyPort[] | undefined): { protocol?: "TCP" | "UDP" | "SCTP"; ports?: RuleModel["ports"] }[] {
  if (!ports?.length) return [{}];
  return ports.map((p) => ({
    protocol: (p.protocol ?? "TCP") as "TCP",
    ...(p.port === undefined ? {} : { ports: [typeof p.port === "number" ? { lo: p.port, hi: p.endPort ?? p.port } : /^\d+$/.test(p.port) ? { lo: Number(p.port), hi: Number(p.port) } : { name: p.port }] }),
  }));
}

function k8sPeer(p: NetworkPolicyPeer, ns: string): PeerModel {
  if (p.ipBlock) return { nets: [p.ipBlock.cidr], ...(p.ipBlock.except?.length ? { notNets: p.ipBlock.except } : {}) };
  const pods = labelSelector(p.podSelector);
  if (p.namespaceSelector) {
    const nsSel = labelSelector(p.namespaceSelector);
    return { pods, namespaces: (labels) => nsSel(labels) };
  }
  return { pods, namespaces: (_l, name) => name === ns };
}

/** A networking.k8s.io/v1 NetworkPolicy as Calico's converter renders it (order 1000, Allow rules, default deny for its types). */
export function fromK8s(np: NetworkPolicy): PolicyModel {
  const ns = np.metadata?.namespace ?? "default";
  const spec = np.spec!;
  const appliesPods = labelSelector(spec.podSelector);
  const rules = (list: { ports?: NetworkPolicyPort[]; peers?: NetworkPolicyPeer[] }[]): RuleModel[] =>
    list.flatMap((r) => k8sPorts(r.ports).map((p) => ({ action: "Allow" as const, ...p, peers: (r.peers ?? []).map((x) => k8sPeer(x, ns)) })));
  return {
    id: `${ns}/knp.default.${np.metadata?.name}`,
    namespace: ns,
    order: 1000,
    appliesTo: (labels, namespace) => namespace === ns && appliesPods(labels),
    types: (spec.policyTypes ?? ["Ingress"]) as ("Ingress" | "Egress")[],
    ingress: rules((spec.ingress ?? []).map((r) => ({ ...(r.ports ? { ports: r.ports } : {}), ...(r.from ? { peers: r.from } : {}) }))),
    egress: rules((spec.egress ?? []).map((r) => ({ ...(r.ports ? { ports: r.ports } : {}), ...(r.to ? { peers: r.to } : {}) }))),
  };
}

interface CalicoRule {
  action?: Action;
  protocol?: string;
  source?: { selector?: string; namespaceSelector?: string; nets?: string[]; notNets?: string[]; ports?: (number | string)[] };
  destination?: { selector?: string; namespaceSelector?: string; nets?: string[]; notNets?: string[]; ports?: (number | string)[] };
}

interface CalicoPolicySpec {
  order?: number;
  selector?: string;
  types?: ("Ingress" | "Egress")[];
  ingress?: CalicoRule[];
  egress?: CalicoRule[];
  namespaceSelector?: string;
}

function calicoPorts(ports: (number | string)[] | undefined): RuleModel["ports"] {
  return ports?.map((p) => (typeof p === "number" ? { lo: p, hi: p } : /^\d+:\d+$/.test(p) ? { lo: Number(p.split(":")[0]), hi: Number(p.split(":")[1]) } : /^\d+$/.test(p) ? { lo: Number(p), hi: Number(p) } : { name: p }));
}

function calicoPeer(e: CalicoRule["source"], ns: string | undefined): PeerModel[] {
  if (!e || (!e.selector && !e.namespaceSelector && !e.nets && !e.notNets)) return [];
  const sel = e.selector !== undefined ? parseSelector(e.selector) : e.namespaceSelector !== undefined ? () => true : undefined;
  const nsSel = e.namespaceSelector !== undefined ? parseSelector(e.namespaceSelector) : undefined;
  return [
    {
      ...(sel ? { pods: sel, namespaces: nsSel ? (l: Labels) => nsSel(l) : ns ? (_l: Labels, name: string) => name === ns : () => true } : {}),
      ...(e.nets ? { nets: e.nets } : {}),
      ...(e.notNets ? { notNets: e.notNets } : {}),
    },
  ];
}

/** crd.projectcalico.org/v1 NetworkPolicy (namespaced) or GlobalNetworkPolicy: order, selector expressions, Allow/Deny/Log/Pass. */
export function fromCalico(kind: "NetworkPolicy" | "GlobalNetworkPolicy", obj: { metadata?: { name?: string; namespace?: string }; spec?: CalicoPolicySpec }): PolicyModel {
  const spec = obj.spec ?? {};
  const ns = kind === "NetworkPolicy" ? (obj.metadata?.namespace ?? "default") : undefined;
  const sel = parseSelector(spec.selector ?? "all()");
  const nsSel = spec.namespaceSelector ? parseSelector(spec.namespaceSelector) : undefined;
  const rules = (list: CalicoRule[] | undefined, dir: "ingress" | "egress"): RuleModel[] =>
    (list ?? []).map((r) => {
      const peer = dir === "ingress" ? r.source : r.destination;
      const ports = calicoPorts(r.destination?.ports);
      return { action: r.action ?? "Allow", ...(r.protocol ? { protocol: r.protocol.toUpperCase() as "TCP" } : {}), ...(ports ? { ports } : {}), peers: calicoPeer(peer, ns) };
    });
  const types = spec.types ?? (spec.egress?.length ? (spec.ingress?.length ? ["Ingress", "Egress"] : ["Egress"]) : ["Ingress"]);
  return {
    id: ns ? `${ns}/${obj.metadata?.name}` : `${obj.metadata?.name}`,
    ...(ns ? { namespace: ns } : {}),
    order: spec.order ?? Number.MAX_SAFE_INTEGER,
    appliesTo: (labels, namespace) => (ns === undefined || namespace === ns) && sel(labels) && (!nsSel || nsSel({ "projectcalico.org/name": namespace })),
    types,
    ingress: rules(spec.ingress, "ingress"),
    egress: rules(spec.egress, "egress"),
  };
}
