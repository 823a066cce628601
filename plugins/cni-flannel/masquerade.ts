/** kube-proxy's masquerade mark, which flannel leaves alone (trafficmngr.KubeProxyMark). */
const KUBE_PROXY_MARK = "0x4000/0x4000";

/**
 * flanneld's `--ip-masq` rules (nat FLANNEL-POSTRTG) and its forward rules (filter FLANNEL-FWD), as
 * iptables-restore input: pod traffic inside the flannel network keeps its source, traffic leaving
 * it is masqueraded (`--random-fully`), and FORWARD accepts everything to or from the network.
 */
export function flannelRules(network: string, subnet: string, ipMasq: boolean): string {
  const c = `-m comment --comment "flanneld masq"`;
  const nat = ipMasq
    ? [
        "*nat",
        ":FLANNEL-POSTRTG - [0:0]",
        `-A POSTROUTING ${c} -j FLANNEL-POSTRTG`,
        `-A FLANNEL-POSTRTG -m mark --mark ${KUBE_PROXY_MARK} ${c} -j RETURN`,
        `-A FLANNEL-POSTRTG -s ${subnet} -d ${network} ${c} -j RETURN`,
        `-A FLANNEL-POSTRTG -s ${network} -d ${subnet} ${c} -j RETURN`,
        `-A FLANNEL-POSTRTG ! -s ${network} -d ${subnet} ${c} -j RETURN`,
        `-A FLANNEL-POSTRTG -s ${network} ! -d 224.0.0.0/4 ${c} -j MASQUERADE --random-fully`,
        `-A FLANNEL-POSTRTG ! -s ${network} -d ${network} ${c} -j MASQUERADE --random-fully`,
        "COMMIT",
      ]
    : [];
  const f = `-m comment --comment "flanneld forward"`;
  return [...nat, "*filter", ":FLANNEL-FWD - [0:0]", `-A FORWARD ${f} -j FLANNEL-FWD`, `-A FLANNEL-FWD -s ${network} ${f} -j ACCEPT`, `-A FLANNEL-FWD -d ${network} ${f} -j ACCEPT`, "COMMIT", ""].join("\n");
}
