import { CNI_ERROR, CniError, type CniEnv, type CniHost, type CniResult, type NetConf } from "../../core/cni/cni-types.js";
import { versionResult } from "../../core/cni/cni-runtime.js";
import type { NodeFileSystem } from "../../core/cni/node-files.js";
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

/**
 * One network directory's reservation files by owner (`<containerID>\n<ifname>`): the names each
 * owner holds, and each name's owner.
 */
class DirectoryReservations {
  private readonly byOwner = new Map<string, string | string[]>();
  private readonly owners = new Map<string, string>();

  /** The address `owner` holds that a walk of the directory finds first (the lowest-named), if any. */
  first(owner: string): string | undefined {
    const names = this.byOwner.get(owner);
    if (names === undefined || typeof names === "string") return names;
    let first = names[0]!;
    for (const n of names) if (n < first) first = n;
    return first;
  }

  /** The addresses `owner` holds, in name order as a walk of the directory visits them. */
  of(owner: string): readonly string[] {
    const names = this.byOwner.get(owner);
    return names === undefined ? NONE : typeof names === "string" ? [names] : [...names].sort();
  }

  add(name: string, owner: string): void {
    this.owners.set(name, owner);
    const names = this.byOwner.get(owner);
    this.byOwner.set(owner, names === undefined ? name : typeof names === "string" ? [names, name] : [...names, name]);
  }

  forget(name: string): void {
    const owner = this.owners.get(name);
    if (owner === undefined) return;
    this.owners.delete(name);
    const names = this.byOwner.get(owner)!;
    const rest = typeof names === "string" ? [] : names.filter((n) => n !== name);
    if (rest.length === 0) this.byOwner.delete(owner);
    else this.byOwner.set(owner, rest.length === 1 ? rest[0]! : rest);
  }
}

const NONE: readonly string[] = Object.freeze([]);

/**
 * The reservations of the network directories host-local has allocated in on one node, kept from
 * every write and removal its file system tells of (whoever makes them): an ADD finds whether its
 * container already holds an address, and a DEL what it holds, without reading every reservation
 * of the node (a node holds one per pod). The files stay the record; this only finds them.
 */
class NodeReservations {
  private readonly dirs = new Map<string, DirectoryReservations>();

  constructor(private readonly files: NodeFileSystem) {
    files.watch((path) => this.changed(path));
  }

  /** `dir`'s reservations (read from its files the first time). */
  in(dir: string): DirectoryReservations {
    let index = this.dirs.get(dir);
    if (!index) {
      const made = (index = new DirectoryReservations());
      this.files.entries(dir).forEach((content, name) => {
        if (RESERVATION.test(name)) made.add(name, content);
      });
      this.dirs.set(dir, index);
    }
    return index;
  }

  private changed(path: string): void {
    const slash = path.lastIndexOf("/");
    const index = this.dirs.get(path.slice(0, slash));
    if (!index) return;
    const name = path.slice(slash + 1);
    if (!RESERVATION.test(name)) return;
    index.forget(name);
    const content = this.files.read(path);
    if (content !== undefined) index.add(name, content);
  }
}

const nodeReservations = new WeakMap<NodeFileSystem, NodeReservations>();

/** The reservations of `dir` on the node of `files`. */
function reservationsIn(files: NodeFileSystem, dir: string): DirectoryReservations {
  let node = nodeReservations.get(files);
  if (!node) nodeReservations.set(files, (node = new NodeReservations(files)));
  return node.in(dir);
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
      for (const ip of reservationsIn(files, dir).of(owner)) files.remove(`${dir}/${ip}`);
      return undefined;
    case "GC": {
      const valid = new Set(((conf["cni.dev/valid-attachments"] as { containerID: string; ifname: string }[] | undefined) ?? []).map((a) => `${a.containerID}\n${a.ifname}`));
      for (const ip of reservationsWhere(files.entries(dir), (content) => !valid.has(content))) files.remove(`${dir}/${ip}`);
      return undefined;
    }
    case "ADD": {
      const { bounds: b, gateway: gw } = firstRange(ipam);
      const routes = (ipam.routes ?? []).map((x) => ({ dst: x.dst, ...(x.gw ? { gw: x.gw } : {}) }));
      const mine = reservationsIn(files, dir).first(owner);
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
