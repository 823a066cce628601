import type { Clock, TimerHandle } from "../../core/clock/clock.js";
import type { Random } from "../../core/clock/random.js";
import { ipv4ToUint32, parseIpv4Cidr, uint32ToIpv4 } from "../../core/net/ipv4.js";
import type { Logger } from "../../core/log/logger.js";
import { SubnetExistsError, parseSubnetKey, type EtcdSubnetRegistry, type LeaseAttrs, type SubnetRecord } from "./etcd-registry.js";
import type { Lease, LeaseEvents, SubnetManager } from "./lease.js";
import { FlannelConfigError, parseNetConf, type FlannelNetConf } from "./net-conf.js";

/** flannel's lease TTL in etcd (subnetTTL): 24 hours. */
export const SUBNET_TTL_SECONDS = 24 * 3600;
/** `--subnet-lease-renew-margin` (default 60 minutes): the lease is renewed this long before it expires. */
export const RENEW_MARGIN_MS = 60 * 60_000;
/** How often acquiring retries when another node takes the chosen subnet first (raceRetries). */
const RACE_RETRIES = 10;
/** allocateSubnet picks at random among at most this many free subnets, from SubnetMin up. */
const CANDIDATES = 100;

/** This node's lease in etcd. */
export interface OwnLease {
  readonly subnet: string;
  readonly network: number;
  readonly prefix: number;
  readonly attrs: LeaseAttrs;
  /** When the etcd lease runs out (clock ms); undefined for a reservation (a key without a lease). */
  expiration: number | undefined;
}

export interface EtcdSubnetManagerOptions {
  ttlSeconds?: number;
  renewMarginMs?: number;
}

/** SubnetMin/SubnetMax as CheckNetworkConfig defaults them: the network's first and last subnets are never handed out. */
function subnetRange(config: FlannelNetConf): { min: number; max: number; size: number } {
  const { network, prefix } = parseIpv4Cidr(config.Network);
  if (config.SubnetLen < prefix + 2) throw new FlannelConfigError("network must be able to accommodate at least four subnets");
  const size = 2 ** (32 - config.SubnetLen);
  return { min: network + size, max: network + 2 ** (32 - prefix) - size, size };
}

function toLease(record: { key: string; attrs: LeaseAttrs }): Lease | undefined {
  const subnet = parseSubnetKey(record.key);
  if (!subnet) return undefined;
  const { network, prefix } = parseIpv4Cidr(subnet);
  const data = record.attrs.BackendData;
  return { owner: subnet.replace("/", "-"), subnet, network, prefix, publicIP: ipv4ToUint32(record.attrs.PublicIP), backendType: record.attrs.BackendType ?? "", backendData: typeof data === "object" && data !== null ? (data as Lease["backendData"]) : {} };
}

/**
 * flannel's etcd subnet manager (flanneld with `--etcd-endpoints`, no `--kube-subnet-mgr`): reads
 * the network config from `<prefix>/config`, acquires a subnet lease — the one already held for
 * this node's public IP, else the subnet of the previous subnet.env if still free, else one picked
 * at random among the first free subnets between SubnetMin and SubnetMax — created with a 24 h etcd
 * lease and renewed an hour before it runs out; lists and watches `<prefix>/subnets/` and reports
 * other nodes' leases, removed when their keys are deleted or their etcd leases expire.
 */
export class EtcdSubnetManager implements SubnetManager {
  private readonly known = new Map<string, Lease>();
  private watch: { cancel(): void } | undefined;
  private renewTimer: TimerHandle | undefined;
  private stopped = false;
  private readonly ttl: number;
  private readonly margin: number;
  /** Times the lease was renewed (for views and tests). */
  renewals = 0;

  constructor(
    private readonly registry: EtcdSubnetRegistry,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly log: Logger,
    options: EtcdSubnetManagerOptions = {},
  ) {
    this.ttl = options.ttlSeconds ?? SUBNET_TTL_SECONDS;
    this.margin = options.renewMarginMs ?? RENEW_MARGIN_MS;
  }

  /** GetNetworkConfig: `<prefix>/config` parsed as net-conf.json. */
  async networkConfig(): Promise<FlannelNetConf> {
    const config = parseNetConf(await this.registry.getNetworkConfig());
    subnetRange(config);
    return config;
  }

  /** AcquireLease: reuses, takes over the previous subnet, or allocates; retries a lost race up to 10 times. */
  async acquire(config: FlannelNetConf, attrs: LeaseAttrs, previousSubnet?: string): Promise<OwnLease> {
    for (let i = 0; i < RACE_RETRIES; i++) {
      try {
        return await this.tryAcquire(config, attrs, previousSubnet);
      } catch (err) {
        if (!(err instanceof SubnetExistsError)) throw err;
      }
    }
    throw new Error("Max retries reached trying to acquire a subnet");
  }

  private compatible(config: FlannelNetConf, subnet: string): boolean {
    const { min, max } = subnetRange(config);
    const { network, prefix } = parseIpv4Cidr(subnet);
    return network >= min && network <= max && prefix === config.SubnetLen;
  }

  private own(subnet: string, attrs: LeaseAttrs, ttlSeconds: number): OwnLease {
    const { network, prefix } = parseIpv4Cidr(subnet);
    return { subnet, network, prefix, attrs, expiration: ttlSeconds > 0 ? this.clock.now() + ttlSeconds * 1000 : undefined };
  }

  private async tryAcquire(config: FlannelNetConf, attrs: LeaseAttrs, previousSubnet: string | undefined): Promise<OwnLease> {
    const { records } = await this.registry.getSubnets();
    const mine = records.find((r) => r.attrs.PublicIP === attrs.PublicIP);
    if (mine) {
      const subnet = parseSubnetKey(mine.key)!;
      if (this.compatible(config, subnet)) {
        this.log.info(`Found lease (ip: ${subnet} ipv6: ::/0) for current IP (${attrs.PublicIP}), reusing`);
        const ttl = mine.leaseId === "0" ? 0 : this.ttl;
        const res = await this.registry.updateSubnet(subnet, attrs, ttl);
        return this.own(subnet, attrs, res.ttlSeconds);
      }
      this.log.info(`Found lease (${subnet}) for current IP (${attrs.PublicIP}) but not compatible with current config, deleting`);
      await this.registry.deleteSubnet(subnet);
    }
    let subnet: string | undefined;
    if (previousSubnet && !records.some((r) => parseSubnetKey(r.key) === previousSubnet)) {
      if (this.compatible(config, previousSubnet)) {
        this.log.info(`Found previously leased subnet (${previousSubnet}), reusing`);
        subnet = previousSubnet;
      } else this.log.error(`Found previously leased subnet (${previousSubnet}) that is not compatible with the Etcd network config, ignoring`);
    }
    subnet ??= this.allocate(config, records);
    const res = await this.registry.createSubnet(subnet, attrs, this.ttl);
    this.log.info(`Allocated lease (ip: ${subnet} ipv6: ::/0) to current node (${attrs.PublicIP})`);
    return this.own(subnet, attrs, res.ttlSeconds);
  }

  /** allocateSubnet: up to 100 free subnets from SubnetMin on, one of them at random. */
  private allocate(config: FlannelNetConf, records: readonly SubnetRecord[]): string {
    const { min, max, size } = subnetRange(config);
    this.log.info(`Picking subnet in range ${uint32ToIpv4(min)} ... ${uint32ToIpv4(max)}`);
    const taken = new Set<number>();
    for (const r of records) {
      const s = parseSubnetKey(r.key);
      if (!s) continue;
      const { network, prefix } = parseIpv4Cidr(s);
      // A lease of another length overlaps every subnet of ours it covers.
      for (let n = network; n < network + 2 ** (32 - prefix); n += size) taken.add(n - (n % size));
    }
    const free: number[] = [];
    for (let n = min; n <= max && free.length < CANDIDATES; n += size) if (!taken.has(n)) free.push(n);
    if (free.length === 0) throw new Error("out of subnets");
    return `${uint32ToIpv4(free[this.random.int(free.length)]!)}/${config.SubnetLen}`;
  }

  /**
   * Lists the leases and reports every other node's to `events`, then follows the watch; renews
   * `own` an hour before it expires (retrying every minute on failure). `onRevoked` runs when this
   * node's own key disappears (upstream: "Lease has been revoked. Shutting down daemon.").
   */
  async start(own: OwnLease, events: LeaseEvents, onRevoked: () => void = () => undefined): Promise<void> {
    const { records, revision } = await this.registry.getSubnets();
    if (this.stopped) return;
    for (const r of records) this.put(own, r, events);
    this.watch = this.registry.watchSubnets(
      revision,
      (changes) => {
        for (const c of changes) {
          if (c.type === "PUT") this.put(own, { key: c.key, attrs: c.attrs! }, events);
          else {
            const subnet = parseSubnetKey(c.key)!;
            if (subnet === own.subnet) {
              this.log.error("Lease has been revoked. Shutting down daemon.");
              onRevoked();
              continue;
            }
            const old = this.known.get(subnet);
            if (!old) continue;
            this.known.delete(subnet);
            this.log.info(`Subnet removed: ${subnet}`);
            events.removed(old);
          }
        }
      },
      (err) => this.log.warn(`etcd watch channel for ${this.registry.prefix}/subnets closed (${err.message}), reconnecting`),
    );
    this.scheduleRenewal(own, own.expiration === undefined ? undefined : own.expiration - this.clock.now() - this.margin);
  }

  private put(own: OwnLease, record: { key: string; attrs: LeaseAttrs }, events: LeaseEvents): void {
    const lease = toLease(record);
    if (!lease || lease.subnet === own.subnet) return;
    const old = this.known.get(lease.subnet);
    if (old && old.publicIP === lease.publicIP && old.backendType === lease.backendType && JSON.stringify(old.backendData) === JSON.stringify(lease.backendData)) return;
    if (old) events.removed(old);
    this.known.set(lease.subnet, lease);
    this.log.info(`Subnet added: ${lease.subnet}`);
    events.added(lease);
  }

  private scheduleRenewal(own: OwnLease, delay: number | undefined): void {
    if (delay === undefined || this.stopped) return;
    this.renewTimer = this.clock.setTimeout(() => {
      this.registry
        .updateSubnet(own.subnet, own.attrs, this.ttl)
        .then((res) => {
          own.expiration = this.clock.now() + res.ttlSeconds * 1000;
          this.renewals++;
          this.log.info(`Lease renewed, new expiration: ${new Date(own.expiration).toISOString()}`);
          this.scheduleRenewal(own, own.expiration - this.clock.now() - this.margin);
        })
        .catch((err: unknown) => {
          if (this.stopped) return;
          this.log.error(`Error renewing lease (trying again in 1 min): ${String(err)}`);
          this.scheduleRenewal(own, 60_000);
        });
    }, Math.max(0, delay));
  }

  leases(): Lease[] {
    return [...this.known.values()];
  }

  stop(): void {
    this.stopped = true;
    this.watch?.cancel();
    this.clock.clearTimeout(this.renewTimer);
    this.registry.close();
  }
}
