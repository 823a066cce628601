import { CNI_ERROR, CniError, type CniEnv, type CniHost, type CniResult, type NetConf } from "../../core/cni/cni-types.js";
import { versionResult } from "../../core/cni/cni-runtime.js";
import { ipv4ToUint32, parseIpv4Cidr } from "../../core/net/ipv4.js";
import { hostVethName } from "./veth-name.js";
import { applyIpMasq, removeIpMasq } from "./ip-masq.js";

/** Runs the IPAM plugin named in the config (the delegation every main plugin does). */
export async function runIpam(env: CniEnv, conf: NetConf, host: CniHost): Promise<CniResult> {
  if (!conf.ipam?.type) throw new CniError(CNI_ERROR.invalidConfig, `${conf.type}: ipam configuration is required`);
  const r = await host.delegate(conf.ipam.type, env, conf);
  if (!r?.ips?.length) throw new CniError(CNI_ERROR.ioFailure, `${conf.type}: IPAM plugin returned missing IP config`);
  return r;
}

/** An IPAM address as a main plugin reports it, on its `interface` (key by key: a spread per sandbox costs several times more). */
export function onInterface(ipCfg: IpConfig, index: number): IpConfig {
  const out: Record<string, unknown> = {};
  for (const k in ipCfg) out[k] = (ipCfg as Record<string, unknown>)[k];
  out["interface"] = index;
  return out as IpConfig;
}

type IpConfig = NonNullable<CniResult["ips"]>[number];

/**
 * The `ptp` plugin: a veth pair per pod, routed (no bridge). The pod gets its address with routes
 * `<gw> dev eth0 scope link`, `<subnet> via <gw>` and the IPAM routes via the gateway; the host end
 * gets the gateway address /32 and a host route to the pod (`<ip> dev vethXXXX scope host`), as
 * kind's nodes show.
 */
export async function ptp(env: CniEnv, conf: NetConf, host: CniHost): Promise<CniResult | undefined> {
  const ifName = env.CNI_IFNAME ?? "eth0";
  const hostName = hostVethName(env.CNI_CONTAINERID ?? "", ifName);
  switch (env.CNI_COMMAND) {
    case "VERSION":
      return versionResult();
    case "STATUS":
    case "GC":
      return undefined;
    case "CHECK": {
      const ns = host.netns(env.CNI_NETNS ?? "");
      if (!ns?.devices.get(ifName)) throw new CniError(CNI_ERROR.containerUnknown, `ptp: interface ${ifName} not found in ${env.CNI_NETNS}`);
      return undefined;
    }
    case "DEL": {
      const ns = host.netns(env.CNI_NETNS ?? "");
      ns?.removeDevice(ifName);
      host.root.removeDevice(hostName);
      if (conf.ipMasq) removeIpMasq(host, conf, env);
      if (conf.ipam?.type) await host.delegate(conf.ipam.type, env, conf);
      return undefined;
    }
    case "ADD": {
      const ns = host.netns(env.CNI_NETNS ?? "");
      if (!ns) throw new CniError(CNI_ERROR.invalidEnvironment, `failed to open netns "${env.CNI_NETNS}": no such file or directory`);
      const ipam = await runIpam(env, conf, host);
      const mtu = typeof conf["mtu"] === "number" ? (conf["mtu"] as number) : 1500;
      if (ns.devices.has(ifName)) ns.removeDevice(ifName);
      const [hostDev, contDev] = host.plane.vethPair(host.root, hostName, ns, ifName, mtu);
      const ipCfg = ipam.ips![0]!;
      const [addr, prefixText] = ipCfg.address.split("/");
      const ip = ipv4ToUint32(addr!);
      const gw = ipv4ToUint32(ipCfg.gateway!);
      const { network, prefix } = parseIpv4Cidr(ipCfg.address);
      ns.addAddress(ifName, ip, Number(prefixText), "global", { noprefixroute: true });
      ns.main.add({ type: "unicast", network: gw, prefix: 32, dev: ifName, src: ip, scope: "link" });
      ns.main.add({ type: "unicast", network, prefix, via: gw, dev: ifName, src: ip, scope: "global" });
      for (const r of ipam.routes ?? []) {
        const dst = parseIpv4Cidr(r.dst);
        ns.main.replace({ type: "unicast", network: dst.network, prefix: dst.prefix, via: r.gw ? ipv4ToUint32(r.gw) : gw, dev: ifName, scope: "global" });
      }
      host.root.addAddress(hostName, gw, 32);
      host.root.main.add({ type: "unicast", network: ip, prefix: 32, dev: hostName, scope: "host" });
      if (conf.ipMasq) applyIpMasq(host, conf, env, addr!, `${network}/${prefix}`);
      return {
        cniVersion: conf.cniVersion ?? "1.1.0",
        interfaces: [
          { name: hostDev.name, mac: hostDev.mac },
          { name: contDev.name, mac: contDev.mac, sandbox: env.CNI_NETNS! },
        ],
        ips: [onInterface(ipCfg, 1)],
        routes: ipam.routes ?? [],
        ...(conf.dns ? { dns: conf.dns } : {}),
      };
    }
  }
  return undefined;
}
