import type { Clock } from "../../core/clock/clock.js";
import type { Random } from "../../core/clock/random.js";
import { token } from "../../core/di/token.js";
import { BgpFabric, type BirdSpeaker } from "./bgp.js";
import { BirdKernelRoutes } from "./bird-kernel.js";
import { ConfdDatastore } from "./confd-datastore.js";
import type { SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import type { FelixRoutes, RemoteVtep } from "./felix.js";
import { CalicoIpam, type PoolSpec } from "./ipam.js";
import { modeSettings, type CalicoMode } from "./modes.js";

/** One node's running calico-node: Felix, BIRD (when the backend is bird) and confd's last render. */
export interface CalicoNodeState {
  readonly name: string;
  readonly ip: string;
  readonly felix: FelixRoutes;
  speaker?: BirdSpeaker;
  vtep?: RemoteVtep;
  /** The node's routeReflectorClusterID, when it reflects. */
  rrClusterId?: string;
}

/** A local pod as Felix sees it (a WorkloadEndpoint): where its veth is, and its labels. */
export interface WorkloadEndpoint {
  readonly node: string;
  readonly namespace: string;
  readonly pod: string;
  readonly ip: string;
  readonly iface: string;
  readonly containerId: string;
}

/**
 * Calico's cluster-wide state in one place, standing for its datastore: the IPAM (pool, blocks,
 * affinities), the BGP speakers' fabric, the VTEPs Felix learns from Calico Nodes, the workload
 * endpoints, and each node's calico-node. Provided in the cluster scope under {@link CalicoNetworkToken}.
 */
export class CalicoNetwork {
  readonly ipam: CalicoIpam;
  readonly fabric: BgpFabric;
  readonly nodes = new Map<string, CalicoNodeState>();
  readonly vteps = new Map<string, RemoteVtep>();
  readonly endpoints = new Map<string, WorkloadEndpoint>();
  /** Called when a workload endpoint is added or removed anywhere (Felix re-renders policy ipsets). */
  readonly endpointListeners = new Set<() => void>();
  readonly settings: ReturnType<typeof modeSettings>;
  /** Creates the datastore objects calico-node makes on first start (the default IPPool); once per cluster. */
  ensureObjects: () => Promise<void> = async () => {};
  private ensured: Promise<void> | undefined;
  private kernel: BirdKernelRoutes | undefined;
  private datastore: ConfdDatastore | undefined;

  constructor(
    readonly mode: CalicoMode,
    poolCidr: string,
    readonly clock: Clock,
    random: Random,
    options: { blockSize?: number; natOutgoing?: boolean } = {},
  ) {
    this.settings = modeSettings(mode);
    const pool: PoolSpec = { cidr: poolCidr, blockSize: options.blockSize ?? 26, ipipMode: this.settings.ipipMode, vxlanMode: this.settings.vxlanMode, natOutgoing: options.natOutgoing ?? true, nodeSelector: "all()" };
    this.ipam = new CalicoIpam(pool, random, () => clock.now());
    this.fabric = new BgpFabric(clock);
  }

  /** What every node's confd watches, watched once for the cluster (made on first use). */
  confd(informers: SharedInformerFactory): ConfdDatastore {
    return (this.datastore ??= new ConfdDatastore(informers));
  }

  /** BIRD's kernel routes, kept once for the cluster (made on first use; `changed` tells the data plane). */
  birdKernel(changed: () => void): BirdKernelRoutes {
    if (!this.kernel) this.fabric.listener = this.kernel = new BirdKernelRoutes(changed);
    return this.kernel;
  }

  /** Runs {@link ensureObjects} once. */
  ensureOnce(): Promise<void> {
    return (this.ensured ??= this.ensureObjects());
  }

  setEndpoint(ep: WorkloadEndpoint): void {
    this.endpoints.set(this.endpointKey(ep.namespace, ep.pod), ep);
    for (const l of this.endpointListeners) l();
  }

  deleteEndpoint(namespace: string, pod: string): void {
    if (this.endpoints.delete(this.endpointKey(namespace, pod))) for (const l of this.endpointListeners) l();
  }

  /** Endpoints keyed by `<namespace>/<pod>`. */
  endpointKey(namespace: string, pod: string): string {
    return `${namespace}/${pod}`;
  }
}

export const CalicoNetworkToken = token<CalicoNetwork>("CalicoNetwork");
