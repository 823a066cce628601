import type { Service } from "kubernetes-types/core/v1.js";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js";
import type { Clock, TimerHandle } from "../../core/clock/clock.js";
import type { SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import type { EventHandlerRegistration } from "../../core/informers/event-handler.js";
import type { NetNamespace } from "../../core/net/netns.js";
import type { Logger } from "../../core/log/logger.js";
import { splitWords } from "../../core/net/netfilter/rule.js";
import { iptablesRestoreInput, JUMP_RULES } from "./iptables-rules.js";
import { syncIpvs } from "./ipvs-sync.js";
import { servicePorts, type ServicePortInfo } from "./service-ports.js";
import { HealthCheckServer } from "./health-check-server.js";
import type { NetworkStack } from "../../core/net/sockets.js";

const FILTER_BASE = ["KUBE-EXTERNAL-SERVICES", "KUBE-FORWARD", "KUBE-NODEPORTS", "KUBE-PROXY-FIREWALL", "KUBE-SERVICES"];
const NAT_BASE = ["KUBE-MARK-MASQ", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-SERVICES"];

export type ProxyMode = "iptables" | "ipvs";

export interface ProxierOptions {
  node: string;
  root: NetNamespace;
  /** The root namespace's sockets (for the health check node ports). */
  hostStack: NetworkStack;
  informers: SharedInformerFactory;
  clock: Clock;
  clusterCidr: string;
  mode: ProxyMode;
  /** `--iptables-min-sync-period` (default 1 s): syncs are at least this far apart. */
  minSyncPeriodMs: number;
  log?: Logger;
}

/**
 * kube-proxy's data path on one node: Services and EndpointSlices from the shared informers, a
 * full resync of the node's rules on change — never closer together than minSyncPeriod (the
 * BoundedFrequencyRunner) — in iptables mode (iptables-restore of every KUBE-* chain) or IPVS mode
 * (virtual servers on kube-ipvs0, ipsets, a few iptables rules).
 */
export class Proxier {
  private readonly registrations: EventHandlerRegistration[] = [];
  private timer: TimerHandle | undefined;
  private lastSync = -Infinity;
  private natChains: string[] = [];
  /** Syncs done (for tests and benchmarks). */
  syncs = 0;
  lastPorts: ServicePortInfo[] = [];
  private readonly health: HealthCheckServer;

  constructor(private readonly o: ProxierOptions) {
    this.health = new HealthCheckServer(o.hostStack, o.node);
  }

  start(signal: AbortSignal): void {
    const services = this.o.informers.forResource<Service>("Service");
    const slices = this.o.informers.forResource<EndpointSlice>("EndpointSlice");
    const handler = { onAdd: () => this.requestSync(), onUpdate: () => this.requestSync(), onDelete: () => this.requestSync() };
    this.registrations.push(services.addEventHandler(handler), slices.addEventHandler(handler));
    if (this.o.informers.all().some((i) => !i.isStarted())) this.o.informers.start(signal);
    this.ensureJumps();
    this.requestSync();
  }

  stop(): void {
    for (const r of this.registrations) r.remove();
    this.health.close();
    this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Schedules a sync: now if minSyncPeriod has passed since the last one, else when it has. */
  requestSync(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastSync + this.o.minSyncPeriodMs - this.o.clock.now());
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = undefined;
      this.syncNow();
    }, wait);
  }

  /** The kube-proxy jump rules in the built-in chains, made present once (`iptables -C || -I`). */
  private ensureJumps(): void {
    const nf = this.o.root.netfilter;
    nf.restore(["*filter", ...FILTER_BASE.map((c) => `:${c} - [0:0]`), "COMMIT", "*nat", ...NAT_BASE.map((c) => `:${c} - [0:0]`), "COMMIT", ""].join("\n"), { noflush: true });
    const tables = this.o.mode === "iptables" ? (["filter", "nat"] as const) : (["nat"] as const);
    // Prepended (kube-proxy's EnsureRule(Prepend)), keeping the list's order at the top of each chain.
    for (const table of tables) {
      const position = new Map<string, number>();
      for (const [chain, rule] of JUMP_RULES[table]) {
        const words = splitWords(rule);
        try {
          nf.deleteRule(table, chain, words);
        } catch {
          /* not there yet */
        }
        const at = (position.get(chain) ?? 0) + 1;
        position.set(chain, at);
        nf.addRule(table, chain, words, at);
      }
    }
  }

  /** One full sync. */
  syncNow(): void {
    const services = this.o.informers.forResource<Service>("Service").lister().list();
    const slicesBySvc = new Map<string, EndpointSlice[]>();
    for (const s of this.o.informers.forResource<EndpointSlice>("EndpointSlice").lister().list()) {
      const svc = s.metadata?.labels?.["kubernetes.io/service-name"];
      if (!svc) continue;
      const key = `${s.metadata?.namespace}/${svc}`;
      const list = slicesBySvc.get(key);
      if (list) list.push(s);
      else slicesBySvc.set(key, [s]);
    }
    const ports = servicePorts(services, slicesBySvc);
    this.lastPorts = ports;
    try {
      if (this.o.mode === "iptables") {
        const { text, natChains } = iptablesRestoreInput(ports, { node: this.o.node, clusterCidr: this.o.clusterCidr }, { nat: this.natChains });
        this.o.root.netfilter.restore(text, { noflush: true });
        this.natChains = natChains;
      } else syncIpvs(this.o.root, ports, { node: this.o.node, clusterCidr: this.o.clusterCidr });
      this.health.sync(ports);
      this.o.root.changed();
    } catch (err) {
      this.o.log?.error("kube-proxy sync failed", { node: this.o.node, error: err });
    }
    this.lastSync = this.o.clock.now();
    this.syncs++;
  }
}
