import type { DependencyContainer } from "tsyringe";
import type { Clock } from "../clock/clock.js";
import type { Random } from "../clock/random.js";
import type { Logger } from "../log/logger.js";
import { token } from "../di/token.js";
import { extensionPoint, type ExtensionPoint } from "../plugins/extension-point.js";
import type { HostFileSystem } from "../cri/host-filesystem.js";
import type { CsiControllerPlugin, CsiNodePlugin } from "./services.js";

/** What a driver's controller plugin is created with: one per cluster. */
export interface CsiControllerContext {
  readonly driverName: string;
  readonly clock: Clock;
  readonly random: Random;
  readonly log: Logger;
}

/** What a driver's node plugin is created with: one per node, by that node's kubelet. */
export interface CsiNodeContext {
  readonly driverName: string;
  readonly nodeName: string;
  /** The node's filesystem with its mount table: where staging and target paths live. */
  readonly hostFs: HostFileSystem;
  /** The node's DI scope (node name, IP, runtime). */
  readonly scope: DependencyContainer;
  readonly clock: Clock;
  readonly log: Logger;
}

/**
 * A CSI driver, contributed to {@link StorageDrivers} under its CSI name
 * (`hostpath.csi.k8s.io`). It stands for the driver's deployment: `controller` is its controller
 * pod's CSI socket (created once per cluster, on first use, by {@link csiControllerPlugins}),
 * `node` its DaemonSet pod on every node (created by each node's kubelet when the kubelet starts,
 * which then registers it as the node-driver-registrar would: CSINode entry, node labels).
 * The plugin that contributes it also creates the driver's API objects (CSIDriver,
 * StorageClasses). State shared by both halves (which node holds a volume) lives in the driver
 * object, as a real driver keeps it in its backend.
 */
export interface StorageDriver {
  /** The CSI driver name: GetPluginInfo's `name`, the CSIDriver object's name, a StorageClass's `provisioner`. */
  readonly name: string;
  /** The controller plugin; absent for node-only drivers (no provisioning, no attach). */
  controller?(ctx: CsiControllerContext): CsiControllerPlugin;
  /** The node plugin for one node; absent for controller-only drivers. */
  node?(ctx: CsiNodeContext): CsiNodePlugin;
  /**
   * The node plugin runs in the driver's DaemonSet pods: their driver container serves it on a CSI
   * socket and their node-driver-registrar registers it with each node's kubelet (plugin
   * registration), so the driver is on a node exactly while its pod runs there. Default false: the
   * kubelet starts the node plugin itself when it starts and registers it at once (a driver built
   * into the node, as test and example drivers are).
   */
  readonly runsAsPods?: boolean;
  /** The namespace of the driver's deployment: its pods and what its sidecars publish (CSIStorageCapacity). Default {@link DEFAULT_DRIVER_NAMESPACE}. */
  readonly namespace?: string;
}

/** Where a driver's deployment lives unless it says otherwise (minikube's csi-hostpath-driver add-on uses kube-system too). */
export const DEFAULT_DRIVER_NAMESPACE = "kube-system";

/** CSI drivers by driver name. */
export const StorageDrivers = extensionPoint<StorageDriver>("storage-drivers", "a CSI storage driver (csi-hostpath, csi-nfs)");

/** A cluster's running controller plugins, by driver name. */
export interface CsiControllerRegistry {
  /** The driver's controller plugin, created on first use; undefined when no such driver (or it has no controller) is loaded. */
  get(driverName: string): CsiControllerPlugin | undefined;
  /** Names of the loaded drivers that have a controller plugin. */
  names(): string[];
  /** The driver's deployment namespace ({@link StorageDriver.namespace}). */
  namespaceOf(driverName: string): string;
}

/** A node's registered node plugins, by driver name (node scope, provided by the kubelet). */
export interface CsiNodeRegistry {
  get(driverName: string): CsiNodePlugin | undefined;
  names(): string[];
}

/** The node's {@link CsiNodeRegistry} (node scope; registered by the kubelet as it starts). */
export const CsiNodePlugins = token<CsiNodeRegistry>("CsiNodePlugins");

/** The node's root filesystem with its mount table (node scope; registered by the kubelet). */
export const NodeHostFs = token<HostFileSystem>("NodeHostFs");

const registries = new WeakMap<ExtensionPoint<StorageDriver>, CsiControllerRegistry>();

/**
 * The cluster's controller plugins: what the external-provisioner, -attacher, -resizer and
 * -snapshotter call. One registry (and one controller plugin per driver) per cluster, however
 * many components ask. `ctx` is a plugin's setup context.
 */
export function csiControllerPlugins(ctx: { extensions(key: typeof StorageDrivers): ExtensionPoint<StorageDriver>; clock: Clock; random: Random; log: Logger }): CsiControllerRegistry {
  const point = ctx.extensions(StorageDrivers);
  let registry = registries.get(point);
  if (!registry) {
    const made = new Map<string, CsiControllerPlugin>();
    registry = {
      get(driverName) {
        const existing = made.get(driverName);
        if (existing) return existing;
        const driver = point.get(driverName);
        if (!driver?.controller) return undefined;
        const plugin = driver.controller({ driverName, clock: ctx.clock, random: ctx.random, log: ctx.log.child(`csi/${driverName}`) });
        made.set(driverName, plugin);
        return plugin;
      },
      names: () => point.entries().filter((e) => e.value.controller).map((e) => e.name),
      namespaceOf: (driverName) => point.get(driverName)?.namespace ?? DEFAULT_DRIVER_NAMESPACE,
    };
    registries.set(point, registry);
  }
  return registry;
}
