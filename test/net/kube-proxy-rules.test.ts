import { test } from "uvu";
import * as assert from "uvu/assert";
import { Netfilter } from "../../core/net/netfilter/netfilter.js";
import { iptablesSave } from "../../core/net/views/iptables-save.js";
import { iptablesRestoreInput } from "../../plugins/kube-proxy/iptables-rules.js";
import { serviceChainName, endpointChainName } from "../../plugins/kube-proxy/chain-names.js";
import { servicePorts, type ServicePortInfo } from "../../plugins/kube-proxy/service-ports.js";

function port(over: Partial<ServicePortInfo> = {}): ServicePortInfo {
  const eps = ["10.244.1.5", "10.244.2.6", "10.244.3.7"].map((ip, i) => ({ ip, port: 80, key: `${ip}:80`, ready: true, serving: true, terminating: false, nodeName: `n${i + 1}` }));
  return { name: "default/httpbin-svc", namespace: "default", service: "httpbin-svc", protocol: "tcp", clusterIP: "192.18.86.37", port: 80, nodePort: 32694, loadBalancerIPs: [], externalIPs: [], externalPolicyLocal: false, internalPolicyLocal: false, endpoints: eps, ...over };
}

function save(ports: ServicePortInfo[], node = "n1"): string {
  const nf = new Netfilter();
  nf.restore(iptablesRestoreInput(ports, { node, clusterCidr: "192.20.0.0/16" }).text, { noflush: true });
  return iptablesSave(nf, 0, { table: "nat" });
}

test("seed 003's shape: cluster IP, node port, KUBE-EXT masquerade, 1/3 and 1/2 probabilities as the kernel prints them, hairpin MARK-MASQ, DNAT", () => {
  const text = save([port()]);
  const svc = "KUBE-SVC-OHIL3USJ2RV6WHZD";
  const ext = "KUBE-EXT-OHIL3USJ2RV6WHZD";
  const sep = (ip: string): string => endpointChainName("default/httpbin-svc", "tcp", `${ip}:80`);
  const lines = text.split("\n").filter((l) => l.includes("default/httpbin-svc"));
  assert.equal(lines, [
    `-A KUBE-EXT-OHIL3USJ2RV6WHZD -m comment --comment "masquerade traffic for default/httpbin-svc external destinations" -j KUBE-MARK-MASQ`,
    `-A KUBE-NODEPORTS -p tcp -m comment --comment "default/httpbin-svc" -m tcp --dport 32694 -j ${ext}`,
    `-A ${sep("10.244.1.5")} -s 10.244.1.5/32 -m comment --comment "default/httpbin-svc" -j KUBE-MARK-MASQ`,
    `-A ${sep("10.244.1.5")} -p tcp -m comment --comment "default/httpbin-svc" -m tcp -j DNAT --to-destination 10.244.1.5:80`,
    `-A ${sep("10.244.2.6")} -s 10.244.2.6/32 -m comment --comment "default/httpbin-svc" -j KUBE-MARK-MASQ`,
    `-A ${sep("10.244.2.6")} -p tcp -m comment --comment "default/httpbin-svc" -m tcp -j DNAT --to-destination 10.244.2.6:80`,
    `-A ${sep("10.244.3.7")} -s 10.244.3.7/32 -m comment --comment "default/httpbin-svc" -j KUBE-MARK-MASQ`,
    `-A ${sep("10.244.3.7")} -p tcp -m comment --comment "default/httpbin-svc" -m tcp -j DNAT --to-destination 10.244.3.7:80`,
    `-A KUBE-SERVICES -d 192.18.86.37/32 -p tcp -m comment --comment "default/httpbin-svc cluster IP" -m tcp --dport 80 -j ${svc}`,
    `-A ${svc} ! -s 192.20.0.0/16 -d 192.18.86.37/32 -p tcp -m comment --comment "default/httpbin-svc cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ`,
    `-A ${svc} -m comment --comment "default/httpbin-svc -> 10.244.1.5:80" -m statistic --mode random --probability 0.33333333349 -j ${sep("10.244.1.5")}`,
    `-A ${svc} -m comment --comment "default/httpbin-svc -> 10.244.2.6:80" -m statistic --mode random --probability 0.50000000000 -j ${sep("10.244.2.6")}`,
    `-A ${svc} -m comment --comment "default/httpbin-svc -> 10.244.3.7:80" -j ${sep("10.244.3.7")}`,
  ]);
  assert.match(text, `-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`);
  assert.match(text, `-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully`);
});

test("externalTrafficPolicy Local: KUBE-EXT routes pods and local sources to KUBE-SVC, the rest to KUBE-SVL with only this node's endpoints", () => {
  const text = save([port({ externalPolicyLocal: true })], "n2");
  const svl = serviceChainName("KUBE-SVL-", "default/httpbin-svc", "tcp");
  assert.match(text, `-A KUBE-EXT-OHIL3USJ2RV6WHZD -s 192.20.0.0/16 -m comment --comment "pod traffic for default/httpbin-svc external destinations" -j KUBE-SVC-OHIL3USJ2RV6WHZD`);
  assert.match(text, `-A KUBE-EXT-OHIL3USJ2RV6WHZD -j ${svl}`);
  const svlRules = text.split("\n").filter((l) => l.startsWith(`-A ${svl}`));
  assert.equal(svlRules, [`-A ${svl} -m comment --comment "default/httpbin-svc -> 10.244.2.6:80" -j ${endpointChainName("default/httpbin-svc", "tcp", "10.244.2.6:80")}`]);
  assert.not.match(text, "masquerade traffic for default/httpbin-svc external destinations");
});

test("no endpoints: REJECT in filter; headless and ExternalName get nothing; terminating endpoints are used when none is ready", () => {
  const input = iptablesRestoreInput([port({ endpoints: [] })], { node: "n1", clusterCidr: "192.20.0.0/16" }).text;
  assert.match(input, `-A KUBE-SERVICES -d 192.18.86.37/32 -p tcp -m comment --comment "default/httpbin-svc has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable`);
  assert.match(input, `-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "default/httpbin-svc has no endpoints" -m addrtype --dst-type LOCAL -m tcp --dport 32694 -j REJECT --reject-with icmp-port-unreachable`);
  const ports = servicePorts(
    [
      { metadata: { name: "headless", namespace: "default" }, spec: { clusterIP: "None", ports: [{ port: 80 }] } },
      { metadata: { name: "ext", namespace: "default" }, spec: { type: "ExternalName", externalName: "example.com" } },
      { metadata: { name: "web", namespace: "default" }, spec: { clusterIP: "10.96.0.20", ports: [{ name: "http", port: 80 }] } },
    ],
    new Map([
      [
        "default/web",
        [
          {
            addressType: "IPv4",
            endpoints: [{ addresses: ["10.244.1.9"], conditions: { ready: false, serving: true, terminating: true } }],
            ports: [{ name: "http", port: 8080, protocol: "TCP" }],
          } as never,
        ],
      ],
    ]),
  );
  assert.equal(ports.map((p) => p.name), ["default/web:http"]);
  const text = iptablesRestoreInput(ports, { node: "n1", clusterCidr: "10.244.0.0/16" }).text;
  assert.match(text, "-j DNAT --to-destination 10.244.1.9:8080", "terminating-but-serving endpoint used as the fallback");
});

test.run();
