import { CNI_ERROR, CniError, type CniEnv, type CniHost, type CniResult, type NetConf } from "../../core/cni/cni-types.js";
import { versionResult } from "../../core/cni/cni-runtime.js";
import { ipv4ToUint32, parseIpv4Cidr, prefixMask, uint32ToIpv4 } from "../../core/net/ipv4.js";

interface RangeConf {
  subnet: string;
  rangeStart?: string;
  rangeEnd?: string;
  gateway?: string;
}

interface HostLocalConf {
  type: string;
  ranges?: RangeConf[][];
  subnet?: string;
  routes?: { dst: string; gw?: string }[];
  dataDir?: string;
}

function ranges(ipam: HostLocalConf): RangeConf[] {
  const rs = ipam.ranges?.flat() ?? (ipam.subnet ? [{ subnet: ipam.subnet }] : []);
  if (rs.length === 0) throw new CniError(CNI_ERROR.invalidConfig, "host-local: no IP ranges specified");
  return rs;
}

/** A range's bounds: rangeStart defaults to network+1, rangeEnd to broadcast-1, gateway to network+1. */
function bounds(r: RangeConf): { start: number; end: number; gateway: number; prefix: number } {
  let network: number;
  let prefix: number;
  try {
    ({ network, prefix } = parseIpv4Cidr(r.subnet));
  } catch {
    throw new CniError(CNI_ERROR.invalidConfig, `host-local: invalid subnet ${JSON.stringify(r.subnet)}`);
  }
  const broadcast = (network | ~prefixMask(prefix)) >>> 0;
  return {
    start: r.rangeStart ? ipv4ToUint32(r.rangeStart) : network + 1,
    end: r.rangeEnd ? ipv4ToUint32(r.rangeEnd) : broadcast - 1,
    gateway: r.gateway ? ipv4ToUint32(r.gateway) : network + 1,
    prefix,
  };
}

/** The first range's bounds and gateway text, per frozen IPAM section (the runtime's cached conflist: the same object for every ADD). */
const firstRanges = new WeakMap<HostLocalConf, { bounds: ReturnType<typeof bounds>; gateway: string }>();

/** The first range of `ipam`, from the cache when the section is frozen (it cannot change then). */
function firstRange(ipam: HostLocalConf): { bounds: ReturnType<typeof bounds>; gateway: string } {
  const cached = firstRanges.get(ipam);
  if (cached) return cached;
  const b = bounds(ranges(ipam)[0]!);
  const first = { bounds: b, gateway: uint32ToIpv4(b.gateway) };
  if (Object.isFrozen(ipam)) firstRanges.set(ipam, first);
  return first;
}

/** A reservation file's name: an IPv4 address. */
const RESERVATION = /^\d+\.\d+\.\d+\.\d+$/;

/**
 * The reservation files (IPv4-named) whose content satisfies `keep`, in name order as a walk of the
 * directory visits them: one pass over the directory's entries, no path built or read per file.
 */
function reservationsWhere(entries: ReadonlyMap<string, string>, keep: (content: string) => boolean): string[] {
  const out: string[] = [];
  // forEach: a for-of over a Map's entries allocates a [name, content] pair per file.
  entries.forEach((content, name) => {
    if (keep(content) && RESERVATION.test(name)) out.push(name);
  });
  return out.sort();
}

/** The address reserved for `owner` (the lowest-named, as a walk of the directory finds it first), if any. */
function reservationOf(entries: ReadonlyMap<string, string>, owner: string): string | undefined {
  let mine: string | undefined;
  // The first character (of a random container id) rules out most files before a whole comparison.
  const first = owner.charCodeAt(0);
  // forEach: a for-of over a Map's entries allocates a [name, content] pair per file.
  entries.forEach((content, name) => {
    if (content.charCodeAt(0) === first && content === owner && RESERVATION.test(name) && (mine === undefined || name < mine)) mine = name;
  });
  return mine;
}

/**
 * The `host-local` IPAM plugin: allocates from the configured ranges, keeping its reservations as
 * files as the real plugin does (`<dataDir>/<network>/<ip>` holding `<containerID>\n<ifname>`, and
 * `last_reserved_ip.0`), so an address is never handed out twice and is freed on DEL. Allocation
 * continues after the last reserved address and wraps around; the gateway is never allocated.
 */
export async function hostLocal(env: CniEnv, conf: NetConf, host: CniHost): Promise<CniResult | undefined> {
  if (env.CNI_COMMAND === "VERSION") return versionResult();
  const ipam = (conf.ipam ?? conf) as unknown as HostLocalConf;
  const dir = `${ipam.dataDir ?? "/var/lib/cni/networks"}/${conf.name ?? "cni"}`;
  const files = host.files;
  const owner = `${env.CNI_CONTAINERID ?? ""}\n${env.CNI_IFNAME ?? ""}`;
  switch (env.CNI_COMMAND) {
    case "STATUS":
    case "CHECK":
      return undefined;
    case "DEL":
      for (const ip of reservationsWhere(files.entries(dir), (content) => content === owner)) files.remove(`${dir}/${ip}`);
      return undefined;
    case "GC": {
      const valid = new Set(((conf["cni.dev/valid-attachments"] as { containerID: string; ifname: string }[] | undefined) ?? []).map((a) => `${a.containerID}\n${a.ifname}`));
      for (const ip of reservationsWhere(files.entries(dir), (content) => !valid.has(content))) files.remove(`${dir}/${ip}`);
      return undefined;
    }
    case "ADD": {
      const { bounds: b, gateway: gw } = firstRange(ipam);
      const routes = (ipam.routes ?? []).map((x) => ({ dst: x.dst, ...(x.gw ? { gw: x.gw } : {}) }));
      const mine = reservationOf(files.entries(dir), owner);
      if (mine) return { cniVersion: conf.cniVersion ?? "1.1.0", ips: [{ address: `${mine}/${b.prefix}`, gateway: gw }], routes };
      const last = files.read(`${dir}/last_reserved_ip.0`);
      const size = b.end - b.start + 1;
      let cursor = last ? ipv4ToUint32(last) + 1 : b.start;
      for (let i = 0; i < size; i++, cursor++) {
        if (cursor > b.end || cursor < b.start) cursor = b.start;
        if (cursor === b.gateway) continue;
        const ip = uint32ToIpv4(cursor);
        if (files.exists(`${dir}/${ip}`)) continue;
        files.write(`${dir}/${ip}`, owner);
        files.write(`${dir}/last_reserved_ip.0`, ip);
        return { cniVersion: conf.cniVersion ?? "1.1.0", ips: [{ address: `${ip}/${b.prefix}`, gateway: gw }], routes };
      }
      throw new CniError(100, `failed to allocate for range 0: no IP addresses available in range set: ${uint32ToIpv4(b.start)}-${uint32ToIpv4(b.end)}`);
    }
  }
  return undefined;
}
