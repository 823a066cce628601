import { createHash } from "node:crypto";
import type { NetNamespace } from "../../core/net/netns.js";
import type { PeerModel, PolicyModel, RuleModel } from "./policy-model.js";
import type { Labels } from "./selector.js";
import { ruleId } from "./workload-name.js";

/** A pod as Felix's policy calculation sees it (from the Pod and its Namespace). */
export interface PolicyPod {
  readonly namespace: string;
  readonly name: string;
  readonly ip: string;
  readonly labels: Labels;
  /** Named container ports: name → (protocol, port). */
  readonly ports: readonly { name: string; protocol: string; port: number }[];
}

/** A local workload endpoint to enforce on: its pod and host-side interface. */
export interface LocalEndpoint {
  readonly pod: PolicyPod;
  readonly iface: string;
}

const ACCEPT_MARK = "0x10000/0x10000";
const PASS_MARK = "0x20000/0x20000";

function hash(text: string, n = 22): string {
  return createHash("sha224").update(text).digest("base64url").slice(0, n);
}

/** Felix's policy chain names: `cali-pi-_<hash>` (ingress), `cali-po-_<hash>` (egress). */
export function policyChain(id: string, dir: "ingress" | "egress"): string {
  return `cali-p${dir === "ingress" ? "i" : "o"}-_${hash(id, 20)}`;
}

/**
 * Renders Felix's filter-table policy on one node as iptables-restore input, with the ipsets it
 * references: FORWARD → cali-FORWARD → cali-from-wl-dispatch / cali-to-wl-dispatch → per endpoint
 * cali-fw-<iface> (egress) / cali-tw-<iface> (ingress): established traffic accepted, then the
 * endpoint's policies in order (each a cali-pi-/cali-po- chain whose Allow rules set the accept
 * mark, Deny rules DROP, Pass rules skip to the profiles), "Drop if no policies passed packet" when
 * policies apply, else the namespace profile (allow). The accept mark is ACCEPTed in FORWARD.
 */
export class FelixPolicy {
  private chains = new Set<string>();

  constructor(private readonly root: NetNamespace) {}

  render(endpoints: readonly LocalEndpoint[], policies: readonly PolicyModel[], pods: readonly PolicyPod[], namespaces: ReadonlyMap<string, Labels>): void {
    const sets = new Map<string, { type: "hash:ip" | "hash:net" | "hash:ip,port"; members: Set<string> }>();
    const chains = new Map<string, string[]>();
    const add = (chain: string, matches: string, target: string, comment?: string): void => {
      let list = chains.get(chain);
      if (!list) chains.set(chain, (list = []));
      const id = ruleId(chain, list.length, matches + target);
      const jump = target.startsWith("goto:") ? `-g ${target.slice(5)}` : `-j ${target}`;
      list.push(`-A ${chain} -m comment --comment "${id}"${comment ? ` -m comment --comment "${comment}"` : ""}${matches ? " " + matches : ""} ${jump}`);
    };
    const podSet = (peer: PeerModel, key: string): string => {
      const name = `cali40s:${hash(key)}`;
      if (!sets.has(name)) {
        const members = new Set<string>();
        for (const p of pods) if (peer.pods!(p.labels) && (!peer.namespaces || peer.namespaces(namespaces.get(p.namespace) ?? {}, p.namespace))) members.add(p.ip);
        sets.set(name, { type: "hash:ip", members });
      }
      return name;
    };
    const netSet = (nets: readonly string[], key: string): string => {
      const name = `cali40s:${hash(key)}`;
      sets.set(name, { type: "hash:net", members: new Set(nets) });
      return name;
    };
    const namedPortSet = (portName: string, protocol: string): string => {
      const name = `cali40n:${hash(`${protocol}:${portName}`)}`;
      if (!sets.has(name)) {
        const members = new Set<string>();
        for (const p of pods) for (const cp of p.ports) if (cp.name === portName && cp.protocol === protocol) members.add(`${p.ip},${protocol.toLowerCase()}:${cp.port}`);
        sets.set(name, { type: "hash:ip,port", members });
      }
      return name;
    };
    const renderRule = (chain: string, policy: PolicyModel, r: RuleModel, idx: number, dir: "ingress" | "egress"): void => {
      const peerFlag = dir === "ingress" ? "src" : "dst";
      const peerOpt = dir === "ingress" ? "-s" : "-d";
      const target = r.action === "Allow" ? `MARK --set-xmark ${ACCEPT_MARK}` : r.action === "Deny" ? "DROP" : r.action === "Pass" ? `MARK --set-xmark ${PASS_MARK}` : `LOG --log-prefix "calico-packet: " --log-level 5`;
      const peers = r.peers.length ? r.peers : [{} as PeerModel];
      const ports = r.ports?.length ? r.ports : [undefined];
      const proto = r.protocol ?? (r.ports?.length ? "TCP" : undefined);
      peers.forEach((peer, pi) => {
        const nets = peer.nets?.length ? peer.nets : [undefined];
        for (const net of nets)
          for (const port of ports) {
            const m: string[] = [];
            if (proto) m.push(`-p ${proto.toLowerCase()}`);
            if (net) m.push(`${peerOpt} ${net}`);
            if (peer.notNets?.length) m.push(`-m set ! --match-set ${netSet(peer.notNets, `${policy.id}/${dir}/${idx}/${pi}/not`)} ${peerFlag}`);
            if (peer.pods) m.push(`-m set --match-set ${podSet(peer, `${policy.id}/${dir}/${idx}/${pi}`)} ${peerFlag}`);
            if (port && "name" in port) m.push(`-m set --match-set ${namedPortSet(port.name, proto ?? "TCP")} dst,dst`);
            else if (port && proto) m.push(`-m ${proto.toLowerCase()} --dport ${port.lo === port.hi ? port.lo : `${port.lo}:${port.hi}`}`);
            add(chain, m.join(" "), target);
            if (r.action === "Allow") add(chain, `-m mark --mark ${ACCEPT_MARK}`, "RETURN");
            if (r.action === "Pass") add(chain, `-m mark --mark ${PASS_MARK}`, "RETURN");
          }
      });
    };
    const sorted = [...policies].sort((a, b) => a.order - b.order || (a.id < b.id ? -1 : 1));
    const rendered = new Set<string>();
    const endpointChain = (chain: string, ep: LocalEndpoint, dir: "ingress" | "egress"): void => {
      const type = dir === "ingress" ? "Ingress" : "Egress";
      const applying = sorted.filter((p) => p.types.includes(type) && p.appliesTo(ep.pod.labels, ep.pod.namespace));
      add(chain, "-m conntrack --ctstate RELATED,ESTABLISHED", "ACCEPT");
      add(chain, "-m conntrack --ctstate INVALID", "DROP");
      add(chain, "", "MARK --set-xmark 0x0/0x30000");
      if (applying.length) {
        for (const p of applying) {
          const pc = policyChain(p.id, dir);
          add(chain, "-m mark --mark 0x0/0x20000", pc, `Policy ${p.id} ${dir}`);
          add(chain, `-m mark --mark ${ACCEPT_MARK}`, "RETURN", "Return if policy accepted");
          if (!rendered.has(pc)) {
            rendered.add(pc);
            chains.set(pc, chains.get(pc) ?? []);
            (dir === "ingress" ? p.ingress : p.egress).forEach((r, i) => renderRule(pc, p, r, i, dir));
          }
        }
        add(chain, "-m mark --mark 0x0/0x20000", "DROP", "Drop if no policies passed packet");
      }
      const profile = `cali-pr${dir === "ingress" ? "i" : "o"}-kns.${ep.pod.namespace}`;
      if (!chains.has(profile)) add(profile, "", `MARK --set-xmark ${ACCEPT_MARK}`);
      add(chain, "", profile);
      add(chain, `-m mark --mark ${ACCEPT_MARK}`, "RETURN", "Return if profile accepted");
      add(chain, "", "DROP", "Drop if no profiles matched");
    };
    chains.set("cali-FORWARD", []);
    chains.set("cali-from-wl-dispatch", []);
    chains.set("cali-to-wl-dispatch", []);
    add("cali-FORWARD", "", "MARK --set-xmark 0x0/0xe0000");
    add("cali-FORWARD", "-i cali+", "cali-from-wl-dispatch");
    add("cali-FORWARD", "-o cali+", "cali-to-wl-dispatch");
    for (const ep of [...endpoints].sort((a, b) => (a.iface < b.iface ? -1 : 1))) {
      add("cali-from-wl-dispatch", `-i ${ep.iface}`, `goto:cali-fw-${ep.iface}`);
      add("cali-to-wl-dispatch", `-o ${ep.iface}`, `goto:cali-tw-${ep.iface}`);
      endpointChain(`cali-fw-${ep.iface}`, ep, "egress");
      endpointChain(`cali-tw-${ep.iface}`, ep, "ingress");
    }
    add("cali-from-wl-dispatch", "", "DROP", "Unknown interface");
    add("cali-to-wl-dispatch", "", "DROP", "Unknown interface");

    // ipsets first (rules reference them), then the table.
    for (const [name, s] of sets) {
      const set = this.root.ipsets.ensure(name, s.type);
      set.members.clear();
      for (const m of s.members) set.members.add(m);
    }
    const lines = ["*filter"];
    for (const c of chains.keys()) lines.push(`:${c} - [0:0]`);
    for (const old of this.chains) if (!chains.has(old)) lines.push(`-X ${old}`);
    for (const rules of chains.values()) lines.push(...rules);
    lines.push("COMMIT", "");
    this.root.netfilter.restore(lines.join("\n"), { noflush: true });
    this.chains = new Set(chains.keys());
    const fwd = this.root.netfilter.chain("filter", "FORWARD")!;
    if (!fwd.rules.some((r) => r.text.includes("-j cali-FORWARD"))) {
      this.root.netfilter.addRule("filter", "FORWARD", ["-m", "comment", "--comment", ruleId("FORWARD", 0, "cali-FORWARD"), "-j", "cali-FORWARD"], 1);
      this.root.netfilter.addRule("filter", "FORWARD", ["-m", "comment", "--comment", ruleId("FORWARD", 1, "accepted"), "-m", "comment", "--comment", "Policy explicitly accepted packet.", "-m", "mark", "--mark", ACCEPT_MARK, "-j", "ACCEPT"], 2);
    }
    this.root.changed();
  }
}
