import { ipv4ToUint32 } from "../../core/net/ipv4.js";
import type { NetNamespace } from "../../core/net/netns.js";
import { usableEndpoints, type ServicePortInfo } from "./service-ports.js";

const DUMMY = "kube-ipvs0";

/**
 * One sync of kube-proxy's IPVS mode (pkg/proxy/ipvs/proxier.go): every service address on the
 * dummy device kube-ipvs0 (so it is local), one virtual server per address:port (rr) with a real
 * server per usable endpoint (NodePorts on each node address), the ipsets KUBE-CLUSTER-IP,
 * KUBE-LOOP-BACK and KUBE-NODE-PORT-TCP/UDP, and the few iptables rules that use them.
 */
export function syncIpvs(root: NetNamespace, ports: readonly ServicePortInfo[], opts: { node: string; clusterCidr: string }): void {
  let dummy = root.devices.get(DUMMY);
  if (!dummy) {
    dummy = root.addDevice(DUMMY, "dummy", "6e:3f:0c:1a:2b:3c", 1500);
    dummy.up = false;
  }
  const nodeIPs = root.addresses().filter((ip) => root.localDevice(ip)?.kind === "ether");
  const wantAddrs = new Set<number>();
  const wantServices = new Set<string>();
  const clusterIpSet = root.ipsets.ensure("KUBE-CLUSTER-IP", "hash:ip,port", "Kubernetes service cluster ip + port for masquerade purpose");
  const loopback = root.ipsets.ensure("KUBE-LOOP-BACK", "hash:ip,port,ip", "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose");
  const nodePortTcp = root.ipsets.ensure("KUBE-NODE-PORT-TCP", "bitmap:port", "Kubernetes nodeport TCP port for masquerade purpose");
  const nodePortUdp = root.ipsets.ensure("KUBE-NODE-PORT-UDP", "bitmap:port", "Kubernetes nodeport UDP port for masquerade purpose");
  for (const s of [clusterIpSet, loopback, nodePortTcp, nodePortUdp]) s.members.clear();
  const program = (ip: number, port: number, sp: ServicePortInfo, eps: ReturnType<typeof usableEndpoints>): void => {
    if (sp.protocol === "sctp") return;
    const vs = root.ipvs.addService(sp.protocol, ip, port, "rr", sp.affinityTimeout ?? 0);
    root.ipvs.setReals(vs, eps.map((e) => ({ ip: ipv4ToUint32(e.ip), port: e.port })));
    wantServices.add(`${sp.protocol}|${ip}|${port}`);
  };
  for (const sp of ports) {
    const all = usableEndpoints(sp, opts.node, false);
    const internal = sp.internalPolicyLocal ? usableEndpoints(sp, opts.node, true) : all;
    const external = sp.externalPolicyLocal ? usableEndpoints(sp, opts.node, true) : all;
    const cip = ipv4ToUint32(sp.clusterIP);
    wantAddrs.add(cip);
    program(cip, sp.port, sp, internal);
    clusterIpSet.members.add(`${sp.clusterIP},${sp.protocol}:${sp.port}`);
    for (const ep of all) loopback.members.add(`${ep.ip},${sp.protocol}:${ep.port},${ep.ip}`);
    for (const ip of [...sp.loadBalancerIPs, ...sp.externalIPs]) {
      wantAddrs.add(ipv4ToUint32(ip));
      program(ipv4ToUint32(ip), sp.port, sp, external);
    }
    if (sp.nodePort !== undefined) {
      for (const ip of nodeIPs) program(ip, sp.nodePort, sp, external);
      (sp.protocol === "udp" ? nodePortUdp : nodePortTcp).members.add(String(sp.nodePort));
    }
  }
  for (const a of [...dummy.addresses]) if (!wantAddrs.has(a.ip)) root.removeAddress(DUMMY, a.ip);
  for (const ip of wantAddrs) if (!dummy.owns(ip)) root.addAddress(DUMMY, ip, 32);
  for (const vs of root.ipvs.all()) if (!wantServices.has(`${vs.proto}|${vs.ip}|${vs.port}`)) root.ipvs.deleteService(vs.proto, vs.ip, vs.port);
  root.netfilter.restore(
    [
      "*nat",
      ":KUBE-SERVICES - [0:0]",
      ":KUBE-POSTROUTING - [0:0]",
      ":KUBE-MARK-MASQ - [0:0]",
      ":KUBE-NODE-PORT - [0:0]",
      ":KUBE-NODEPORTS - [0:0]",
      `-A KUBE-SERVICES ! -s ${opts.clusterCidr} -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst -j KUBE-MARK-MASQ`,
      `-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT`,
      `-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT`,
      `-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port for masquerade purpose" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ`,
      `-A KUBE-NODE-PORT -p udp -m comment --comment "Kubernetes nodeport UDP port for masquerade purpose" -m set --match-set KUBE-NODE-PORT-UDP dst -j KUBE-MARK-MASQ`,
      `-A KUBE-POSTROUTING -m comment --comment "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose" -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE`,
      `-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN`,
      `-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000`,
      `-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully`,
      `-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000`,
      "COMMIT",
      "",
    ].join("\n"),
    { noflush: true },
  );
}
