import { CNI_ERROR, CniError, parseCniArgs, type CniEnv, type CniHost, type CniPlugin, type CniResult, type NetConf } from "../../core/cni/cni-types.js";
import { versionResult } from "../../core/cni/cni-runtime.js";
import { ipv4ToUint32, uint32ToIpv4 } from "../../core/net/ipv4.js";
import { IpamError } from "./ipam.js";
import { goTimeString } from "./ipam-datastore.js";
import type { CalicoNetwork } from "./network.js";
import { caliInterfaceName } from "./workload-name.js";

/** The link-local gateway every Calico pod routes through; the host's veth answers its ARP (proxy ARP). */
export const CALICO_GATEWAY = "169.254.1.1";
/** The MAC Calico gives the host side of every pod veth. */
export const CALICO_HOST_MAC = "ee:ee:ee:ee:ee:ee";

/** calico.yaml's `10-calico.conflist` for a node. */
export function calicoConflist(node: string): string {
  return `{
  "name": "k8s-pod-network",
  "cniVersion": "0.3.1",
  "plugins": [
    {
      "type": "calico",
      "log_level": "info",
      "log_file_path": "/var/log/calico/cni/cni.log",
      "datastore_type": "kubernetes",
      "nodename": "${node}",
      "mtu": 0,
      "ipam": {
          "type": "calico-ipam"
      },
      "policy": {
          "type": "k8s"
      },
      "kubernetes": {
          "kubeconfig": "/etc/cni/net.d/calico-kubeconfig"
      }
    },
    {
      "type": "portmap",
      "snat": true,
      "capabilities": {"portMappings": true}
    },
    {
      "type": "bandwidth",
      "capabilities": {"bandwidth": true}
    }
  ]
}
`;
}

function handleOf(env: CniEnv): string {
  return `k8s-pod-network.${env.CNI_CONTAINERID ?? ""}`;
}

/** `calico-ipam`: AutoAssign one address from the node's blocks (claiming or borrowing as IPAM does), ReleaseByHandle on DEL. */
export function calicoIpamPlugin(network: CalicoNetwork): CniPlugin {
  return (env: CniEnv, conf: NetConf, host: CniHost): CniResult | undefined => {
    switch (env.CNI_COMMAND) {
      case "VERSION":
        return versionResult();
      case "ADD": {
        const args = parseCniArgs(env.CNI_ARGS);
        try {
          const { ip } = network.ipam.assign(host.node, handleOf(env), { pod: args["K8S_POD_NAME"] ?? "", namespace: args["K8S_POD_NAMESPACE"] ?? "", timestamp: goTimeString(network.clock.now()) });
          return { cniVersion: conf.cniVersion ?? "1.1.0", ips: [{ address: `${uint32ToIpv4(ip)}/32` }] };
        } catch (err) {
          if (err instanceof IpamError) throw new CniError(CNI_ERROR.tryAgainLater, err.message);
          throw err;
        }
      }
      case "DEL":
        network.ipam.release(handleOf(env));
        return undefined;
      default:
        return undefined;
    }
  };
}

/**
 * The `calico` CNI plugin: a veth per pod named `cali<hash>` on the host (MAC ee:ee:ee:ee:ee:ee,
 * proxy ARP, no bridge), the pod's eth0 with its address as a /32 and routes
 * `169.254.1.1 dev eth0 scope link` + `default via 169.254.1.1 dev eth0`, the host route
 * `<ip> dev cali<hash> scope link`, MTU from /var/lib/calico/mtu when the config says 0. The
 * workload endpoint is recorded for Felix's policy.
 */
export function calicoPlugin(network: CalicoNetwork): CniPlugin {
  return async (env: CniEnv, conf: NetConf, host: CniHost): Promise<CniResult | undefined> => {
    const args = parseCniArgs(env.CNI_ARGS);
    const namespace = args["K8S_POD_NAMESPACE"] ?? "default";
    const pod = args["K8S_POD_NAME"] ?? env.CNI_CONTAINERID ?? "";
    const ifName = env.CNI_IFNAME ?? "eth0";
    const hostName = caliInterfaceName(namespace, pod);
    switch (env.CNI_COMMAND) {
      case "VERSION":
        return versionResult();
      case "STATUS":
        if (!host.files.exists("/var/lib/calico/nodename")) throw new CniError(CNI_ERROR.notAvailable, "stat /var/lib/calico/nodename: no such file or directory: check that the calico/node container is running and has mounted /var/lib/calico/");
        return undefined;
      case "GC":
      case "CHECK":
        return undefined;
      case "DEL": {
        host.netns(env.CNI_NETNS ?? "")?.removeDevice(ifName);
        host.root.removeDevice(hostName);
        network.deleteEndpoint(namespace, pod);
        if (conf.ipam?.type) await host.delegate(conf.ipam.type, env, conf);
        return undefined;
      }
      case "ADD": {
        if (!host.files.exists("/var/lib/calico/nodename")) throw new CniError(CNI_ERROR.tryAgainLater, "stat /var/lib/calico/nodename: no such file or directory: check that the calico/node container is running and has mounted /var/lib/calico/");
        const ns = host.netns(env.CNI_NETNS ?? "");
        if (!ns) throw new CniError(CNI_ERROR.invalidEnvironment, `failed to open netns "${env.CNI_NETNS}"`);
        const ipam = conf.ipam?.type ? await host.delegate(conf.ipam.type, env, conf) : undefined;
        const address = ipam?.ips?.[0]?.address;
        if (!address) throw new CniError(CNI_ERROR.ioFailure, "calico: IPAM returned no address");
        const ip = address.split("/")[0]!;
        const confMtu = typeof conf["mtu"] === "number" ? (conf["mtu"] as number) : 0;
        const mtu = confMtu || Number(host.files.read("/var/lib/calico/mtu") ?? "1500") || 1500;
        if (ns.devices.has(ifName)) ns.removeDevice(ifName);
        host.root.removeDevice(hostName);
        const [hostDev, contDev] = host.plane.vethPair(host.root, hostName, ns, ifName, mtu);
        hostDev.mac = CALICO_HOST_MAC;
        hostDev.proxyArp = true;
        const gw = ipv4ToUint32(CALICO_GATEWAY);
        ns.addAddress(ifName, ipv4ToUint32(ip), 32);
        ns.main.add({ type: "unicast", network: gw, prefix: 32, dev: ifName, scope: "link" });
        ns.main.add({ type: "unicast", network: 0, prefix: 0, via: gw, dev: ifName, scope: "global" });
        host.root.main.replace({ type: "unicast", network: ipv4ToUint32(ip), prefix: 32, dev: hostName, scope: "link" });
        host.root.changed();
        network.setEndpoint({ node: host.node, namespace, pod, ip, iface: hostName, containerId: env.CNI_CONTAINERID ?? "" });
        return {
          cniVersion: conf.cniVersion ?? "1.1.0",
          interfaces: [{ name: contDev.name, mac: contDev.mac, sandbox: env.CNI_NETNS! }],
          ips: [{ address: `${ip}/32`, interface: 0 }],
          routes: [{ dst: "0.0.0.0/0" }],
        };
      }
    }
    return undefined;
  };
}
