import { parseIpv4Cidr } from "../../core/net/ipv4.js";

/** A backend's settings as net-conf.json gives them (`Backend`). */
export interface BackendConfig {
  /** `vxlan` (the stock manifest's), `host-gw`, `udp`; flanneld's own default when absent is `udp`. */
  readonly Type: string;
  /** vxlan: VXLAN network identifier (default 1, so the device is `flannel.1`). */
  readonly VNI?: number;
  /** vxlan: UDP port (default 0 = the kernel's 8472); udp: the relay's port (default 8285). */
  readonly Port?: number;
  /** vxlan: route same-subnet peers directly (host-gw style) and encapsulate only the others. */
  readonly DirectRouting?: boolean;
}

/** flanneld's network configuration (`/etc/kube-flannel/net-conf.json` from the kube-flannel-cfg ConfigMap). */
export interface FlannelNetConf {
  readonly Network: string;
  readonly SubnetLen: number;
  readonly EnableNFTables?: boolean;
  readonly Backend: BackendConfig;
}

/** The backend types kubesim's flanneld implements. */
export const SUPPORTED_BACKENDS = ["vxlan", "host-gw", "udp"] as const;

/** The kernel's VXLAN port, which flannel uses when `Port` is 0 (not IANA's 4789). */
export const FLANNEL_VXLAN_PORT = 8472;

export class FlannelConfigError extends Error {
  override readonly name = "FlannelConfigError";
}

/**
 * Parses net-conf.json as flanneld's ParseConfig does: `Network` is required and must be an IPv4
 * CIDR, `SubnetLen` defaults to 24 (8 less than the network's when it is /24 or longer), the backend
 * type defaults to `udp`. Errors read as flanneld's (`failed to parse network config: ...`).
 */
export function parseNetConf(text: string): FlannelNetConf {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new FlannelConfigError(`failed to parse network config: ${(err as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null) throw new FlannelConfigError("failed to parse network config: not a JSON object");
  const network = raw["Network"];
  if (typeof network !== "string" || network === "") throw new FlannelConfigError("failed to parse network config: please define a correct Network parameter in the flannel config");
  let prefix: number;
  try {
    prefix = parseIpv4Cidr(network).prefix;
  } catch {
    throw new FlannelConfigError(`failed to parse network config: invalid CIDR address: ${network}`);
  }
  const subnetLen = typeof raw["SubnetLen"] === "number" ? (raw["SubnetLen"] as number) : prefix < 24 ? 24 : prefix + 8;
  if (subnetLen > 30 || subnetLen <= prefix) throw new FlannelConfigError(`failed to parse network config: SubnetLen must be between ${prefix + 1} and 30`);
  const backend = (raw["Backend"] as Record<string, unknown> | undefined) ?? { Type: "udp" };
  const type = typeof backend["Type"] === "string" ? (backend["Type"] as string) : "udp";
  return {
    Network: network,
    SubnetLen: subnetLen,
    ...(raw["EnableNFTables"] !== undefined ? { EnableNFTables: raw["EnableNFTables"] === true } : {}),
    Backend: {
      Type: type,
      ...(typeof backend["VNI"] === "number" ? { VNI: backend["VNI"] as number } : {}),
      ...(typeof backend["Port"] === "number" ? { Port: backend["Port"] as number } : {}),
      ...(typeof backend["DirectRouting"] === "boolean" ? { DirectRouting: backend["DirectRouting"] as boolean } : {}),
    },
  };
}

/** The net-conf.json text the stock kube-flannel.yml ships, for a backend. */
export function netConfJson(network: string, backend: BackendConfig): string {
  const b = JSON.stringify(backend, null, 2).replace(/\n/g, "\n  ");
  return `{\n  "Network": "${network}",\n  "EnableNFTables": false,\n  "Backend": ${b}\n}\n`;
}
