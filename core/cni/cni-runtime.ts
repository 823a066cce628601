import { deepFreeze } from "../api/immutable.js";
import type { ExtensionPoint } from "../plugins/extension-point.js";
import { CNI_ERROR, CNI_VERSION, CniError, SUPPORTED_VERSIONS, type CniEnv, type CniHost, type CniPlugin, type CniResult, type NetConf, type NetConfList } from "./cni-types.js";

export const CNI_CONF_DIR = "/etc/cni/net.d";
export const CNI_BIN_DIR = "/opt/cni/bin";
const CONF_DIR_PREFIX = `${CNI_CONF_DIR}/`;

/** An attachment's identity and the kubelet's CNI_ARGS. */
export interface CniRuntimeConf {
  containerId: string;
  netns: string;
  ifName: string;
  args: [string, string][];
  capabilityArgs?: Record<string, unknown>;
}

/**
 * libcni for one node: finds the network configuration (the first `*.conflist`/`*.conf` in
 * /etc/cni/net.d by name, as the container runtimes do), and executes its plugins: ADD in order
 * with each result passed on as `prevResult`, DEL in reverse (idempotent: a missing plugin's
 * DEL is still attempted by the others), CHECK, STATUS, GC and VERSION.
 */
export class CniRuntime {
  /** The last configuration read, by file and text: the runtime reads it for every sandbox, and it rarely changes. */
  private parsed: { file: string; text: string; list: NetConfList } | undefined;
  /**
   * What {@link config} answered, until a file in {@link CNI_CONF_DIR} is written or removed (the
   * node file system tells every change): no directory listing per sandbox. Undefined: look again.
   */
  private active: { list: NetConfList | undefined } | undefined;

  /** What every plugin is given: the node's host, and delegation back to this runtime (one object for every call). */
  private readonly pluginHost: CniHost;

  constructor(
    private readonly host: Omit<CniHost, "delegate">,
    private readonly plugins: ExtensionPoint<CniPlugin>,
  ) {
    this.pluginHost = { ...host, delegate: (t, e, c) => this.exec(t, e, c) };
    host.files.watch((path) => {
      if (path.startsWith(CONF_DIR_PREFIX)) this.active = undefined;
    });
  }

  /** The active network configuration list (frozen: shared by every call until the file changes), or undefined (network not ready). */
  config(): NetConfList | undefined {
    return (this.active ??= { list: this.readConfig() }).list;
  }

  /** Reads /etc/cni/net.d: the first file that parses as a configuration (list), by name. */
  private readConfig(): NetConfList | undefined {
    const files = this.host.files.list(CNI_CONF_DIR).filter((f) => f.endsWith(".conflist") || f.endsWith(".conf") || f.endsWith(".json"));
    for (const f of files) {
      const text = this.host.files.read(`${CNI_CONF_DIR}/${f}`) ?? "";
      const cached = this.parsed;
      if (cached && cached.file === f && cached.text === text) return cached.list;
      try {
        const parsed = JSON.parse(text) as NetConfList & NetConf;
        const list = Array.isArray(parsed.plugins) ? parsed : typeof parsed.type === "string" ? { cniVersion: parsed.cniVersion ?? CNI_VERSION, name: parsed.name ?? f, plugins: [parsed] } : undefined;
        if (!list) continue;
        this.parsed = { file: f, text, list: deepFreeze(list) };
        return list;
      } catch {
        /* an unparsable file is skipped, as libcni does */
      }
    }
    return undefined;
  }

  /** The plugins' environment (built field by field: a spread and a map/join per sandbox cost several times more). */
  private env(command: CniEnv["CNI_COMMAND"], rt?: CniRuntimeConf): CniEnv {
    if (!rt) return { CNI_COMMAND: command, CNI_PATH: CNI_BIN_DIR };
    let args = "";
    for (let i = 0; i < rt.args.length; i++) {
      const [k, v] = rt.args[i]!;
      args += i === 0 ? `${k}=${v}` : `;${k}=${v}`;
    }
    return { CNI_COMMAND: command, CNI_PATH: CNI_BIN_DIR, CNI_CONTAINERID: rt.containerId, CNI_NETNS: rt.netns, CNI_IFNAME: rt.ifName, CNI_ARGS: args };
  }

  private binary(type: string): CniPlugin {
    const p = this.plugins.get(type);
    if (!p) throw new CniError(CNI_ERROR.invalidConfig, `failed to find plugin "${type}" in path [${CNI_BIN_DIR}]`);
    return p;
  }

  private exec(type: string, env: CniEnv, conf: NetConf): Promise<CniResult | undefined> {
    return Promise.resolve(this.binary(type)(env, conf, this.pluginHost));
  }

  /** Per-invocation config: the plugin's own, plus the list's name and version, runtimeConfig for its capabilities, prevResult. */
  private pluginConf(list: NetConfList, conf: NetConf, rt: CniRuntimeConf | undefined, prev: CniResult | undefined): NetConf {
    let runtimeConfig: Record<string, unknown> | undefined;
    const caps = conf.capabilities;
    if (caps) for (const cap in caps) if (caps[cap] && rt?.capabilityArgs?.[cap] !== undefined) (runtimeConfig ??= {})[cap] = rt.capabilityArgs[cap];
    // Key by key rather than a spread of the (frozen) conflist entry, which costs several times more per plugin and sandbox.
    const out: Record<string, unknown> = {};
    for (const k in conf) out[k] = (conf as Record<string, unknown>)[k];
    out["cniVersion"] = list.cniVersion;
    out["name"] = list.name;
    if (runtimeConfig) out["runtimeConfig"] = runtimeConfig;
    if (prev) out["prevResult"] = prev;
    return out as NetConf;
  }

  private requireConfig(): NetConfList {
    const list = this.config();
    if (!list) throw new CniError(CNI_ERROR.notAvailable, "cni plugin not initialized", `no network config found in ${CNI_CONF_DIR}`);
    if (!SUPPORTED_VERSIONS.includes(list.cniVersion)) throw new CniError(CNI_ERROR.incompatibleVersion, `incompatible CNI versions; config is "${list.cniVersion}", plugin supports ${JSON.stringify(SUPPORTED_VERSIONS)}`);
    return list;
  }

  /** ADD: runs the chain; a failing plugin makes the runtime DEL what was added, then the error is rethrown. */
  async add(rt: CniRuntimeConf): Promise<CniResult> {
    const list = this.requireConfig();
    let prev: CniResult | undefined;
    const env = this.env("ADD", rt);
    try {
      for (const conf of list.plugins) prev = (await this.exec(conf.type, env, this.pluginConf(list, conf, rt, prev))) ?? prev;
    } catch (err) {
      await this.del(rt, prev).catch(() => undefined);
      throw err;
    }
    return prev ?? { cniVersion: list.cniVersion };
  }

  /** DEL in reverse order with the ADD result as prevResult; every plugin runs even if one fails (first error rethrown). */
  async del(rt: CniRuntimeConf, prevResult?: CniResult): Promise<void> {
    const list = this.config();
    if (!list) return;
    let first: unknown;
    const env = this.env("DEL", rt);
    for (const conf of [...list.plugins].reverse()) {
      try {
        await this.exec(conf.type, env, this.pluginConf(list, conf, rt, prevResult));
      } catch (err) {
        first ??= err;
      }
    }
    if (first) throw first;
  }

  /** CHECK (skipped when `disableCheck`). */
  async check(rt: CniRuntimeConf, prevResult: CniResult): Promise<void> {
    const list = this.requireConfig();
    if (list.disableCheck) return;
    const env = this.env("CHECK", rt);
    for (const conf of list.plugins) await this.exec(conf.type, env, this.pluginConf(list, conf, rt, prevResult));
  }

  /** STATUS: every plugin must be able to ADD now (error 50 otherwise). */
  async status(): Promise<void> {
    const list = this.requireConfig();
    for (const conf of list.plugins) await this.exec(conf.type, this.env("STATUS"), this.pluginConf(list, conf, undefined, undefined));
  }

  /** GC: each plugin cleans every attachment not in `valid` (skipped when `disableGC`). */
  async gc(valid: { containerID: string; ifname: string }[]): Promise<void> {
    const list = this.requireConfig();
    if (list.disableGC) return;
    for (const conf of list.plugins) await this.exec(conf.type, this.env("GC"), { ...this.pluginConf(list, conf, undefined, undefined), "cni.dev/valid-attachments": valid });
  }

  /** VERSION of a plugin binary. */
  async version(type: string): Promise<{ cniVersion: string; supportedVersions: string[] }> {
    const r = (await this.exec(type, this.env("VERSION"), { type, cniVersion: CNI_VERSION })) as unknown as { cniVersion: string; supportedVersions: string[] } | undefined;
    return r ?? { cniVersion: CNI_VERSION, supportedVersions: SUPPORTED_VERSIONS };
  }
}

/** What every plugin answers to VERSION; plugins return it for that command. */
export function versionResult(): CniResult {
  return { cniVersion: CNI_VERSION, supportedVersions: SUPPORTED_VERSIONS } as unknown as CniResult;
}
