import type { Service } from "kubernetes-types/core/v1.js";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js";
import type { Clock, TimerHandle } from "../../core/clock/clock.js";
import type { SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import type { EventHandlerRegistration } from "../../core/informers/event-handler.js";
import type { NetNamespace } from "../../core/net/netns.js";
import type { Logger } from "../../core/log/logger.js";
import { splitWords } from "../../core/net/netfilter/rule.js";
import { iptablesRestoreInput, JUMP_RULES, type IptablesRulesOptions } from "./iptables-rules.js";
import { isTombstone } from "../../core/informers/tombstone.js";
import { syncIpvs } from "./ipvs-sync.js";
import { KubeProxyMetrics } from "./proxy-metrics.js";
import type { ServicePortInfo } from "./service-ports.js";
import { ServicePortRulesCache, sharedServicePorts } from "./shared-service-ports.js";
import { HealthCheckServer } from "./health-check-server.js";
import type { NetworkStack } from "../../core/net/sockets.js";

const FILTER_BASE = ["KUBE-EXTERNAL-SERVICES", "KUBE-FORWARD", "KUBE-NODEPORTS", "KUBE-PROXY-FIREWALL", "KUBE-SERVICES"];
const NAT_BASE = ["KUBE-MARK-MASQ", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-SERVICES"];

/** kube-proxy's largeClusterEndpointsThreshold: above it, stale chains are cleaned up once per sync period. */
const LARGE_CLUSTER_ENDPOINTS = 1000;
/** `--iptables-sync-period` (30 s). */
const SYNC_PERIOD_MS = 30_000;

export type ProxyMode = "iptables" | "ipvs";

export interface ProxierOptions {
  node: string;
  root: NetNamespace;
  /** The root namespace's sockets (for the health check node ports). */
  hostStack: NetworkStack;
  informers: SharedInformerFactory;
  clock: Clock;
  clusterCidr: string;
  /** The node's InternalIP (loadBalancerSourceRanges containing it admit the LB IPs as sources). */
  nodeIP?: string;
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
  /** Services and their EndpointSlices as the informers delivered them (kube-proxy's change trackers), by `ns/name`. */
  private readonly services = new Map<string, Service>();
  private readonly slices = new Map<string, Map<string, EndpointSlice>>();
  /** Services whose Service or EndpointSlices changed since the last sync. */
  private readonly changed = new Set<string>();
  private readonly portsByService = new Map<string, ServicePortInfo[]>();
  /** What this node's rules are written for (its name, the cluster CIDR, its IP). */
  private readonly rulesOptions: IptablesRulesOptions;
  private readonly rulesCache: ServicePortRulesCache;
  /** When stale chains were last deleted (large-cluster mode defers it to once per sync period). */
  private lastCleanup = -Infinity;
  /** The next sync rewrites every chain (the first, and any after a failed restore). */
  private needFullSync = true;
  /** Syncs done (for tests and benchmarks). */
  syncs = 0;
  /** Service ports whose chains the last iptables sync rewrote (all of them in a full sync). */
  lastSyncWrote = 0;
  lastPorts: ServicePortInfo[] = [];
  private readonly health: HealthCheckServer;
  /** This node's kube-proxy metrics (served on :10249). */
  readonly metrics: KubeProxyMetrics;

  constructor(private readonly o: ProxierOptions) {
    this.health = new HealthCheckServer(o.hostStack, o.node);
    this.metrics = new KubeProxyMetrics(o.root, o.mode);
    this.rulesOptions = { node: o.node, clusterCidr: o.clusterCidr, ...(o.nodeIP ? { nodeIP: o.nodeIP } : {}) };
    this.rulesCache = new ServicePortRulesCache(this.rulesOptions);
  }

  start(signal: AbortSignal): void {
    const services = this.o.informers.forResource<Service>("Service");
    const slices = this.o.informers.forResource<EndpointSlice>("EndpointSlice");
    const onService = (svc: Service, deleted: boolean): void => {
      const key = `${svc.metadata?.namespace ?? "default"}/${svc.metadata?.name ?? ""}`;
      if (deleted) this.services.delete(key);
      else this.services.set(key, svc);
      this.changed.add(key);
      this.metrics.serviceChanges.inc();
      this.requestSync();
    };
    const onSlice = (slice: EndpointSlice, deleted: boolean): void => {
      const svc = slice.metadata?.labels?.["kubernetes.io/service-name"];
      if (!svc) return;
      const key = `${slice.metadata?.namespace ?? "default"}/${svc}`;
      let bySlice = this.slices.get(key);
      if (deleted) bySlice?.delete(slice.metadata?.name ?? "");
      else {
        if (!bySlice) this.slices.set(key, (bySlice = new Map()));
        bySlice.set(slice.metadata?.name ?? "", slice);
      }
      if (bySlice?.size === 0) this.slices.delete(key);
      this.changed.add(key);
      this.metrics.endpointChanges.inc();
      this.requestSync();
    };
    this.registrations.push(
      services.addEventHandler({
        onAdd: (o) => onService(o, false),
        onUpdate: (_old, o) => onService(o, false),
        onDelete: (o) => onService(isTombstone(o) ? (o.obj as Service) : o, true),
      }),
      slices.addEventHandler({
        onAdd: (o) => onSlice(o, false),
        onUpdate: (_old, o) => onSlice(o, false),
        onDelete: (o) => onSlice(isTombstone(o) ? (o.obj as EndpointSlice) : o, true),
      }),
    );
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
        if (nf.hasRule(table, chain, words)) nf.deleteRule(table, chain, words);
        const at = (position.get(chain) ?? 0) + 1;
        position.set(chain, at);
        nf.addRule(table, chain, words, at);
      }
    }
  }

  /**
   * One sync: the service ports of the services that changed are rebuilt; in iptables mode only
   * their chains are rewritten (a partial sync, as kube-proxy does since 1.27) unless a full sync
   * is due; IPVS mode reprograms every virtual server.
   */
  syncNow(): void {
    const started = this.o.clock.now();
    const changed = new Set(this.changed);
    this.changed.clear();
    for (const key of changed) {
      const svc = this.services.get(key);
      // The same objects on every node: their ports are made once for all of them.
      const ports = svc ? sharedServicePorts(svc, [...(this.slices.get(key)?.values() ?? [])]) : [];
      if (ports.length) this.portsByService.set(key, ports);
      else this.portsByService.delete(key);
    }
    const ports: ServicePortInfo[] = [];
    for (const list of this.portsByService.values()) for (const p of list) ports.push(p);
    this.lastPorts = ports;
    const full = this.needFullSync;
    try {
      if (this.o.mode === "iptables") {
        const unchanged = full ? undefined : (sp: ServicePortInfo): boolean => !changed.has(`${sp.namespace}/${sp.service}`);
        let endpoints = 0;
        for (const sp of ports) endpoints += sp.endpoints.length;
        const largeCluster = endpoints > LARGE_CLUSTER_ENDPOINTS;
        const deleteStale = !largeCluster || full || this.o.clock.now() - this.lastCleanup >= SYNC_PERIOD_MS;
        const { text, natChains } = iptablesRestoreInput(
          ports,
          this.rulesOptions,
          { nat: this.natChains, rules: (sp) => this.rulesCache.rules(sp), deleteStale, ...(unchanged ? { unchanged } : {}) },
        );
        if (deleteStale) this.lastCleanup = this.o.clock.now();
        this.o.root.netfilter.restore(text, { noflush: true });
        this.natChains = natChains;
        this.lastSyncWrote = unchanged ? ports.filter((sp) => !unchanged(sp)).length : ports.length;
      } else syncIpvs(this.o.root, ports, { node: this.o.node, clusterCidr: this.o.clusterCidr });
      this.needFullSync = false;
      this.health.sync(ports);
      this.o.root.changed();
      const now = this.o.clock.now();
      this.metrics.synced(full, (now - started) / 1000, now);
    } catch (err) {
      this.needFullSync = true;
      this.o.log?.error("kube-proxy sync failed", { node: this.o.node, error: err });
    }
    this.lastSync = this.o.clock.now();
    this.syncs++;
  }
}
