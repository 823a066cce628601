import type { DataPlane } from "../net/data-plane.js";
import type { NetNamespace } from "../net/netns.js";
import type { NodeFileSystem } from "./node-files.js";

/** The CNI spec version kubesim implements. */
export const CNI_VERSION = "1.1.0";
export const SUPPORTED_VERSIONS = ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"];

export type CniCommand = "ADD" | "DEL" | "CHECK" | "STATUS" | "GC" | "VERSION";

/** One plugin's configuration inside a network configuration list. */
export interface NetConf {
  type: string;
  cniVersion?: string;
  name?: string;
  capabilities?: Record<string, boolean>;
  ipMasq?: boolean;
  ipam?: { type: string; [k: string]: unknown };
  dns?: CniDns;
  runtimeConfig?: Record<string, unknown>;
  prevResult?: CniResult;
  [k: string]: unknown;
}

/** A network configuration list (`/etc/cni/net.d/*.conflist`). */
export interface NetConfList {
  cniVersion: string;
  cniVersions?: string[];
  name: string;
  disableCheck?: boolean;
  disableGC?: boolean;
  plugins: NetConf[];
}

export interface CniDns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/** A success result. */
export interface CniResult {
  cniVersion: string;
  interfaces?: { name: string; mac?: string; mtu?: number; sandbox?: string }[];
  ips?: { address: string; gateway?: string; interface?: number }[];
  routes?: { dst: string; gw?: string; mtu?: number; advmss?: number; priority?: number; table?: number; scope?: number }[];
  dns?: CniDns;
}

/** The spec's error codes. */
export const CNI_ERROR = {
  incompatibleVersion: 1,
  unsupportedField: 2,
  containerUnknown: 3,
  invalidEnvironment: 4,
  ioFailure: 5,
  decodeFailure: 6,
  invalidConfig: 7,
  tryAgainLater: 11,
  notAvailable: 50,
  limitedConnectivity: 51,
} as const;

/** A plugin's error result (`{cniVersion, code, msg, details}`), thrown. */
export class CniError extends Error {
  override readonly name = "CniError";
  constructor(
    readonly code: number,
    readonly msg: string,
    readonly details?: string,
  ) {
    super(`CNI error ${code}: ${msg}${details ? ` (${details})` : ""}`);
  }

  toJSON(): { cniVersion: string; code: number; msg: string; details?: string } {
    return { cniVersion: CNI_VERSION, code: this.code, msg: this.msg, ...(this.details ? { details: this.details } : {}) };
  }
}

/** The environment a plugin is executed with (CNI_COMMAND, CNI_CONTAINERID, ...). */
export interface CniEnv {
  CNI_COMMAND: CniCommand;
  CNI_CONTAINERID?: string;
  /** `/var/run/netns/cni-<uuid>` */
  CNI_NETNS?: string;
  CNI_IFNAME?: string;
  /** `K8S_POD_NAMESPACE=default;K8S_POD_NAME=web;...` */
  CNI_ARGS?: string;
  CNI_PATH: string;
}

/** What a plugin binary gets on its "host": the node, its data plane and files, and delegation to other plugins (IPAM). */
export interface CniHost {
  readonly node: string;
  readonly nodeIP: string;
  readonly podCidr: string;
  readonly plane: DataPlane;
  readonly root: NetNamespace;
  readonly files: NodeFileSystem;
  /** The pod namespace a CNI_NETNS path names (undefined if gone). */
  netns(path: string): NetNamespace | undefined;
  /** Runs another plugin binary with the same environment (IPAM delegation). */
  delegate(type: string, env: CniEnv, config: NetConf): Promise<CniResult | undefined>;
}

/** A CNI plugin binary (`/opt/cni/bin/<type>`): stdin config + env in, result out, errors thrown as CniError. */
export type CniPlugin = (env: CniEnv, config: NetConf, host: CniHost) => Promise<CniResult | undefined> | CniResult | undefined;

/** Parses CNI_ARGS (`K=V;K2=V2`). */
export function parseCniArgs(args: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of (args ?? "").split(";")) {
    const i = kv.indexOf("=");
    if (i > 0) out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}
