import { CNI_ERROR, CniError, type CniEnv, type CniHost, type CniResult, type NetConf } from "../../core/cni/cni-types.js";
import { versionResult } from "../../core/cni/cni-runtime.js";
import { ipv4ToUint32, parseIpv4Cidr } from "../../core/net/ipv4.js";
import { randomMac } from "../../core/net/mac.js";
import { hostVethName } from "./veth-name.js";
import { onInterface, runIpam } from "./ptp.js";
import { applyIpMasq, removeIpMasq } from "./ip-masq.js";

/**
 * The `bridge` plugin: a Linux bridge (`bridge`, default `cni0`) on the host, one veth per pod
 * enslaved to it (`hairpinMode` sets the port's hairpin flag), the gateway address on the bridge
 * when `isGateway`, the pod's default route via it, and `ipMasq` masquerading.
 */
export async function bridge(env: CniEnv, conf: NetConf, host: CniHost): Promise<CniResult | undefined> {
  const ifName = env.CNI_IFNAME ?? "eth0";
  const brName = typeof conf["bridge"] === "string" ? (conf["bridge"] as string) : "cni0";
  const hostName = hostVethName(env.CNI_CONTAINERID ?? "", ifName);
  switch (env.CNI_COMMAND) {
    case "VERSION":
      return versionResult();
    case "STATUS":
    case "GC":
      return undefined;
    case "CHECK":
      if (!host.root.devices.get(brName)) throw new CniError(CNI_ERROR.containerUnknown, `bridge: ${brName} not found`);
      return undefined;
    case "DEL":
      host.netns(env.CNI_NETNS ?? "")?.removeDevice(ifName);
      host.root.removeDevice(hostName);
      if (conf.ipMasq) removeIpMasq(host, conf, env);
      if (conf.ipam?.type) await host.delegate(conf.ipam.type, env, conf);
      return undefined;
    case "ADD": {
      const ns = host.netns(env.CNI_NETNS ?? "");
      if (!ns) throw new CniError(CNI_ERROR.invalidEnvironment, `failed to open netns "${env.CNI_NETNS}"`);
      const mtu = typeof conf["mtu"] === "number" ? (conf["mtu"] as number) : 1500;
      let br = host.root.devices.get(brName);
      if (!br) br = host.root.addDevice(brName, "bridge", randomMac(host.plane.random), mtu);
      const ipam = await runIpam(env, conf, host);
      const ipCfg = ipam.ips![0]!;
      const [addr, prefixText] = ipCfg.address.split("/");
      const prefix = Number(prefixText);
      const gw = ipv4ToUint32(ipCfg.gateway!);
      if (conf["isGateway"] && !br.owns(gw)) host.root.addAddress(brName, gw, prefix);
      if (ns.devices.has(ifName)) ns.removeDevice(ifName);
      const [hostDev, contDev] = host.plane.vethPair(host.root, hostName, ns, ifName, mtu);
      host.plane.attachToBridge(br, hostDev);
      hostDev.hairpin = conf["hairpinMode"] === true;
      ns.addAddress(ifName, ipv4ToUint32(addr!), prefix);
      const routes = ipam.routes ?? [];
      for (const r of routes) {
        const dst = parseIpv4Cidr(r.dst);
        ns.main.replace({ type: "unicast", network: dst.network, prefix: dst.prefix, via: r.gw ? ipv4ToUint32(r.gw) : gw, dev: ifName, scope: "global" });
      }
      if (conf["isDefaultGateway"] && !routes.some((r) => r.dst === "0.0.0.0/0")) ns.main.replace({ type: "unicast", network: 0, prefix: 0, via: gw, dev: ifName, scope: "global" });
      const subnet = parseIpv4Cidr(ipCfg.address);
      if (conf.ipMasq) applyIpMasq(host, conf, env, addr!, `${subnet.network}/${subnet.prefix}`);
      return {
        cniVersion: conf.cniVersion ?? "1.1.0",
        interfaces: [
          { name: br.name, mac: br.mac },
          { name: hostDev.name, mac: hostDev.mac },
          { name: contDev.name, mac: contDev.mac, sandbox: env.CNI_NETNS! },
        ],
        ips: [onInterface(ipCfg, 2)],
        routes,
        ...(conf.dns ? { dns: conf.dns } : {}),
      };
    }
  }
  return undefined;
}
