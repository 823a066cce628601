import type { Clock, TimerHandle } from "../../core/clock/clock.js";
import type { Logger } from "../../core/log/logger.js";
import type { HostFileSystem } from "../../core/cri/host-filesystem.js";
import type { UnixSocketTable } from "../../core/net/unix-sockets.js";
import type { CsiNodePlugin } from "../../core/csi/services.js";
import { PLUGINS_REGISTRY_DIR, type RegistrationService } from "../../core/csi/plugin-registration.js";

/** How often failed registrations are tried again (the plugin manager's reconciler period). */
export const PLUGIN_RETRY_MS = 1_000;

/** What the CSI handler does with a validated plugin: start using it and record it (CSINode), or forget it. */
export interface CsiPluginHandler {
  register(name: string, endpoint: string, plugin: CsiNodePlugin): Promise<void>;
  deregister(name: string): Promise<void>;
}

/**
 * The kubelet's plugin manager (`pkg/kubelet/pluginmanager`): its watcher follows the sockets in
 * {@link PLUGINS_REGISTRY_DIR} (inotify on the node's filesystem), and its reconciler brings the
 * registered plugins in line — a new socket (or one re-created by a restarted registrar) is asked
 * `GetInfo`, validated and handed to the CSI handler, and the registrar told the outcome
 * (`NotifyRegistrationStatus`); a socket that went away deregisters its plugin. Sockets that
 * refuse or fail are tried again every second until they work or go.
 */
export class PluginManager {
  /** Registered sockets: path → the socket's identity and the plugin's name. */
  private readonly registered = new Map<string, { inode: string; name: string }>();
  /** Sockets whose registration was refused for good (wrong type, bad versions): not retried until re-created. */
  private readonly refused = new Map<string, string>();
  private unwatch: (() => void) | undefined;
  private retry: TimerHandle | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly o: { hostFs: HostFileSystem; sockets: UnixSocketTable; clock: Clock; log: Logger; csi: CsiPluginHandler },
  ) {}

  start(): void {
    this.o.hostFs.mkdir(PLUGINS_REGISTRY_DIR);
    this.unwatch = this.o.hostFs.watch(PLUGINS_REGISTRY_DIR, () => this.reconcile());
    this.reconcile();
  }

  stop(): void {
    this.stopped = true;
    this.unwatch?.();
    if (this.retry) this.o.clock.clearTimeout(this.retry);
  }

  /** Runs one reconcile after any in progress (registrations never interleave). */
  reconcile(): Promise<void> {
    this.running = this.running.then(() => (this.stopped ? undefined : this.sync())).catch((err) => this.o.log.error(`plugin manager: ${String(err)}`));
    return this.running;
  }

  private async sync(): Promise<void> {
    const { hostFs, sockets } = this.o;
    const present = new Map<string, string>();
    for (const name of hostFs.list(PLUGINS_REGISTRY_DIR) ?? []) {
      const path = `${PLUGINS_REGISTRY_DIR}/${name}`;
      const inode = sockets.inode(hostFs, path);
      if (inode !== undefined) present.set(path, inode);
    }
    for (const [path, r] of [...this.registered]) {
      if (present.get(path) === r.inode) continue;
      this.registered.delete(path);
      this.o.log.info(`plugin manager: deregistering plugin ${r.name} (socket ${path} removed)`);
      await this.o.csi.deregister(r.name);
    }
    for (const path of [...this.refused.keys()]) if (present.get(path) !== this.refused.get(path)) this.refused.delete(path);
    let failed = false;
    for (const [path, inode] of present) {
      if (this.registered.has(path) || this.refused.get(path) === inode) continue;
      failed = !(await this.register(path, inode)) || failed;
    }
    if (failed && !this.retry && !this.stopped) {
      this.retry = this.o.clock.setTimeout(() => {
        this.retry = undefined;
        void this.reconcile();
      }, PLUGIN_RETRY_MS);
    }
  }

  /** One registration: false when it should be tried again. */
  private async register(path: string, inode: string): Promise<boolean> {
    const { hostFs, sockets, log } = this.o;
    let registration: RegistrationService;
    try {
      registration = sockets.connect<RegistrationService>(hostFs, path);
    } catch (err) {
      log.info(`plugin manager: ${path}: ${(err as Error).message}`);
      return false;
    }
    const info = await registration.getInfo();
    const refuse = async (error: string): Promise<true> => {
      log.warn(`plugin manager: ${error}`);
      this.refused.set(path, inode);
      await registration.notifyRegistrationStatus({ pluginRegistered: false, error }).catch(() => undefined);
      return true;
    };
    if (info.type !== "CSIPlugin") return refuse(`no handler registered for plugin type: ${info.type} at socket ${path}`);
    log.info(`kubernetes.io/csi: Trying to validate a new CSI Driver with name: ${info.name} endpoint: ${info.endpoint} versions: ${info.supportedVersions.join(", ")}`);
    if (!info.supportedVersions.some((v) => /^v?1(\.|$)/.test(v))) return refuse(`RegisterPlugin error -- plugin validation failed with err: validation failed for CSI Driver ${info.name} at endpoint ${info.endpoint}: none of the CSI versions reported by this driver are supported`);
    let plugin: CsiNodePlugin;
    try {
      plugin = sockets.connect<CsiNodePlugin>(hostFs, info.endpoint);
      if (!plugin.node) throw new Error(`${info.endpoint} serves no CSI node service`);
      await this.o.csi.register(info.name, info.endpoint, plugin);
    } catch (err) {
      const error = `RegisterPlugin error -- plugin registration failed with err: ${(err as Error).message}`;
      log.warn(`plugin manager: ${error}`);
      await registration.notifyRegistrationStatus({ pluginRegistered: false, error }).catch(() => undefined);
      return false;
    }
    this.registered.set(path, { inode, name: info.name });
    log.info(`kubernetes.io/csi: Register new plugin with name: ${info.name} at endpoint: ${info.endpoint}`);
    await registration.notifyRegistrationStatus({ pluginRegistered: true, error: "" }).catch(() => undefined);
    return true;
  }
}
