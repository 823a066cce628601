import { ipv4ToUint32 } from "../../core/net/ipv4.js";
import type { BgpProtocolConfig } from "./bgp.js";
import type { Block, PoolSpec } from "./ipam.js";

/** A node as confd sees it in the datastore (`/host/<node>/...`). */
export interface ConfdNode {
  readonly name: string;
  readonly ip: string;
  readonly asn?: number;
  /** `/host/<node>/rr_cluster_id` (the Node's routeReflectorClusterID). */
  readonly rrClusterId?: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** BGPConfiguration `default` and BGPPeers, as confd reads them. */
export interface BgpSettings {
  readonly asNumber: number;
  readonly nodeToNodeMeshEnabled: boolean;
  readonly peers: readonly { name: string; node?: string; nodeSelector?: string; peerSelector?: string; peerIP?: string; asNumber?: number }[];
}

export const DEFAULT_AS = 64512;

function ident(ip: string): string {
  return ip.split(".").join("_");
}

/** The nodes as confd queries them: all of them (the mesh), those a selector picks, one by address. */
export interface ConfdNodes {
  all(): Iterable<ConfdNode>;
  select(selector: string): readonly ConfdNode[];
  matches(selector: string, labels: Readonly<Record<string, string>>): boolean;
  byAddress(ip: string): ConfdNode | undefined;
}

/**
 * The `protocol bgp` sessions bird.cfg gets for `self` (confd's templates): the node-to-node mesh to
 * every other node unless disabled or `self` is a route reflector (reflectors are skipped as mesh
 * peers); BGPPeers that select `self` (by `node`, `nodeSelector`, or none: global) to the nodes
 * their `peerSelector` picks or to their `peerIP`; `rr client` when `self` reflects for that peer.
 */
export function bgpProtocols(self: ConfdNode, nodes: ConfdNodes, settings: BgpSettings): BgpProtocolConfig[] {
  const out = new Map<string, BgpProtocolConfig>();
  const as = self.asn ?? settings.asNumber;
  if (!self.rrClusterId && settings.nodeToNodeMeshEnabled) {
    for (const n of nodes.all()) {
      if (n.name === self.name || !n.ip || n.rrClusterId || n.ip === self.ip) continue;
      // Go templates compare the addresses as strings: the "higher" one is passive.
      out.set(n.ip, { name: `Mesh_${ident(n.ip)}`, peerIP: ipv4ToUint32(n.ip), peerAS: n.asn ?? settings.asNumber, passive: n.ip > self.ip, rrClient: false, kind: "node-to-node mesh" });
    }
  }
  for (const p of settings.peers) {
    const applies = p.node ? p.node === self.name : p.nodeSelector ? nodes.matches(p.nodeSelector, self.labels) : true;
    // Selector peerings between Calico nodes are symmetric: a node its peerSelector picks peers back with the nodes it applies to.
    const appliesTo = (): Iterable<ConfdNode> => (p.node ? [...nodes.all()].filter((n) => n.name === p.node) : p.nodeSelector ? nodes.select(p.nodeSelector) : nodes.all());
    if (p.peerSelector && nodes.matches(p.peerSelector, self.labels)) {
      for (const n of appliesTo()) {
        if (n.name === self.name || !n.ip || out.has(n.ip)) continue;
        const asn = n.asn ?? settings.asNumber;
        const rrClient = !!self.rrClusterId && asn === as && n.rrClusterId !== self.rrClusterId;
        out.set(n.ip, { name: `Node_${ident(n.ip)}`, peerIP: ipv4ToUint32(n.ip), peerAS: asn, passive: false, rrClient, kind: "node specific" });
      }
    }
    if (!applies) continue;
    const global = !p.node && !p.nodeSelector;
    const targets: { ip: string; asn: number; rrClusterId?: string }[] = p.peerSelector
      ? nodes.select(p.peerSelector).filter((n) => n.name !== self.name && n.ip).map((n) => ({ ip: n.ip, asn: n.asn ?? settings.asNumber, ...(n.rrClusterId ? { rrClusterId: n.rrClusterId } : {}) }))
      : p.peerIP
        ? [{ ip: p.peerIP.split(":")[0]!, asn: p.asNumber ?? settings.asNumber, ...((): { rrClusterId?: string } => {
            const n = nodes.byAddress(p.peerIP!);
            return n?.rrClusterId ? { rrClusterId: n.rrClusterId } : {};
          })() }]
        : [];
    for (const t of targets) {
      if (t.ip === self.ip || out.has(t.ip)) continue;
      const rrClient = !!self.rrClusterId && t.asn === as && t.rrClusterId !== self.rrClusterId;
      out.set(t.ip, { name: `${global && !p.peerSelector ? "Global" : "Node"}_${ident(t.ip)}`, peerIP: ipv4ToUint32(t.ip), peerAS: t.asn, passive: false, rrClient, kind: global && !p.peerSelector ? "global" : "node specific" });
    }
  }
  return [...out.values()];
}

/** bird.cfg as confd renders it from Calico's bird.cfg.template. */
export function renderBirdCfg(self: ConfdNode, protocols: readonly BgpProtocolConfig[], settings: BgpSettings): string {
  const as = self.asn ?? settings.asNumber;
  const mesh = protocols.filter((p) => p.kind === "node-to-node mesh");
  const global = protocols.filter((p) => p.kind === "global");
  const node = protocols.filter((p) => p.kind === "node specific");
  const ipOf = (p: BgpProtocolConfig): string => p.name.slice(p.name.indexOf("_") + 1).split("_").join(".");
  const peerBlock = (p: BgpProtocolConfig, key: string): string =>
    [
      `# For peer ${key}`,
      `protocol bgp ${p.name} from bgp_template {`,
      `  neighbor ${ipOf(p)} as ${p.peerAS};`,
      `  source address ${self.ip};  # The local address we use for the TCP connection`,
      ...(p.rrClient ? ["  rr client;", `  rr cluster id ${self.rrClusterId};`] : []),
      ...(p.passive ? ["  passive on; # Mesh is unidirectional, peer will connect to us."] : []),
      "}",
    ].join("\n");
  const lines = [
    "function apply_communities ()",
    "{",
    "}",
    "",
    "# Generated by confd",
    'include "bird_aggr.cfg";',
    'include "bird_ipam.cfg";',
    "",
    `router id ${self.ip};`,
    "",
    "# Configure synchronization between routing tables and kernel.",
    "protocol kernel {",
    "  learn;             # Learn all alien routes from the kernel",
    "  persist;           # Don't remove routes on bird shutdown",
    "  scan time 2;       # Scan kernel routing table every 2 seconds",
    "  import all;",
    "  export filter calico_kernel_programming; # Default is export none",
    "  graceful restart;  # Turn on graceful restart to reduce potential flaps in",
    "                     # routes when reloading BIRD configuration.  With a full",
    "                     # automatic mesh, there is no way to prevent BGP from",
    "                     # flapping since multiple nodes update their BGP",
    "                     # configuration at the same time, GR is not guaranteed to",
    "                     # work correctly in this scenario.",
    "  merge paths on;    # Allow export multipath routes (ECMP)",
    "}",
    "",
    "# Watch interface up/down events.",
    "protocol device {",
    "  debug { states };",
    "  scan time 2;    # Scan interfaces every 2 seconds",
    "}",
    "",
    "protocol direct {",
    "  debug { states };",
    '  interface -"cali*", -"kube-ipvs*", "*"; # Exclude cali* and kube-ipvs* but',
    "                                          # include everything else.  In",
    "                                          # IPVS-mode, kube-proxy creates a",
    "                                          # kube-ipvs0 interface. We exclude",
    "                                          # kube-ipvs0 because this interface",
    "                                          # gets an address for every in use",
    "                                          # cluster IP. We use static routes",
    "                                          # for when we legitimately want to",
    "                                          # export cluster IPs.",
    "}",
    "",
    "",
    "# Template for all BGP clients",
    "template bgp bgp_template {",
    "  debug { states };",
    '  description "Connection to BGP peer";',
    `  local as ${as};`,
    "  multihop;",
    "  gateway recursive; # This should be the default, but just in case.",
    "  import all;        # Import all routes, since we don't know what the upstream",
    "                     # topology is and therefore have to trust the ToR/RR.",
    "  export filter calico_export_to_bgp_peers;  # Only want to export routes for workloads.",
    "  add paths on;",
    "  graceful restart;  # See comment in kernel section about graceful restart.",
    "  connect delay time 2;",
    "  connect retry time 5;",
    "  error wait time 5,30;",
    "}",
    "",
    "# ------------- Node-to-node mesh -------------",
  ];
  if (self.rrClusterId) lines.push(`# This node (${self.name}) is configured as a route reflector with cluster ID ${self.rrClusterId};`, "# ignore node-to-node mesh setting.");
  else if (!settings.nodeToNodeMeshEnabled) lines.push("", "# Node-to-node mesh disabled");
  else {
    lines.push("");
    if (!mesh.length) lines.push(`# For peer /host/${self.name}/ip_addr_v4`, `# Skipping ourselves (${self.ip})`);
    for (const p of mesh) lines.push("", peerBlock(p, `/host/${ipOf(p)}/ip_addr_v4`));
  }
  lines.push("", "", "# ------------- Global peers -------------");
  if (global.length) for (const p of global) lines.push("", peerBlock(p, `/global/peer_v4/${ipOf(p)}`));
  else lines.push("# No global peers configured.");
  lines.push("", "", "# ------------- Node-specific peers -------------", "");
  if (node.length) for (const p of node) lines.push("", peerBlock(p, `/host/${self.name}/peer_v4/${ipOf(p)}`));
  else lines.push("# No node-specific peers configured.");
  return lines.join("\n") + "\n";
}

/** bird_aggr.cfg: a blackhole static route per block of this host, and calico_aggr exporting each block but nothing beneath it. */
export function renderBirdAggrCfg(blocks: readonly Block[]): string {
  const lines = ["# Generated by confd", ""];
  if (blocks.length) {
    lines.push("protocol static {", "   # IP blocks for this host.");
    for (const b of blocks) lines.push(`   route ${b.cidr} blackhole;`);
    lines.push("}");
  } else lines.push("# No IP blocks or static routes for this host.");
  lines.push("", "# Aggregation of routes on this host; export the block, nothing beneath it.", "function calico_aggr ()", "{");
  for (const b of blocks) lines.push(`      # Block ${b.cidr} is confirmed`, `      if ( net = ${b.cidr} ) then { accept; }`, `      if ( net ~ ${b.cidr} ) then { reject; }`);
  lines.push("}");
  return lines.join("\n") + "\n";
}

/** bird_ipam.cfg: export only pool routes to peers; program pool routes into the kernel through tunl0 when IPIP applies. */
export function renderBirdIpamCfg(pool: PoolSpec, nodeNetwork: string): string {
  const tunnel = pool.ipipMode === "Never" ? "" : "tunl0";
  const kernel =
    pool.vxlanMode !== "Never"
      ? ["    # Don't program VXLAN routes into the kernel - these are handled by Felix.", "    reject;", "  }"]
      : pool.ipipMode === "CrossSubnet"
        ? [`    if defined(bgp_next_hop) && ( bgp_next_hop ~ ${nodeNetwork} ) then`, '      krt_tunnel = "";', "    else", `      krt_tunnel = "${tunnel}";`, "    accept;", "  }"]
        : [`    krt_tunnel = "${tunnel}";`, "    accept;", "  }"];
  return [
    "# Generated by confd",
    "filter calico_export_to_bgp_peers {",
    "  # filter code terminates when it calls `accept;` or `reject;`, call apply_communities() before calico_aggr()",
    "  apply_communities();",
    "  calico_aggr();",
    "",
    `  if ( net ~ ${pool.cidr} ) then {`,
    "    accept;",
    "  }",
    "  reject;",
    "}",
    "",
    "filter calico_kernel_programming {",
    "",
    `  if ( net ~ ${pool.cidr} ) then {`,
    ...kernel,
    "  accept;",
    "}",
    "",
  ].join("\n");
}
