import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { PodNetwork, type PodNetworkAttachment } from "../../core/cni/pod-network.js";
import type { PluginRef } from "../../core/plugins/plugin-loader.js";
import { calico, calicoRef } from "../../plugins/cni-calico/index.js";
import { flannel } from "../../plugins/cni-flannel/index.js";

const CP = "kubesim-control-plane";
const W1 = "kubesim-worker";

interface PodDef {
  ns: string;
  name: string;
  node: string;
  labels: Record<string, string>;
  ports: { port: number; name?: string }[];
}

const PODS: PodDef[] = [
  { ns: "prod", name: "web", node: CP, labels: { app: "web", tier: "frontend" }, ports: [{ port: 8080, name: "http" }, { port: 9090 }] },
  { ns: "prod", name: "db", node: W1, labels: { app: "db" }, ports: [{ port: 5432 }] },
  { ns: "prod", name: "cache", node: W1, labels: { app: "cache" }, ports: [{ port: 6379 }, { port: 6380 }, { port: 6390 }] },
  { ns: "dev", name: "client", node: CP, labels: { app: "client" }, ports: [{ port: 80 }] },
  { ns: "dev", name: "tool", node: W1, labels: { app: "tool", tier: "ops" }, ports: [{ port: 80 }] },
];

async function setUp(plugins: PluginRef[]): Promise<{ cluster: Cluster; pods: Map<string, PodNetworkAttachment> }> {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 2, plugins });
  await cluster.start();
  await cluster.clock.sleep(5_000);
  await cluster.apply([
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "prod", labels: { env: "prod" } } },
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "dev", labels: { env: "dev" } } },
  ]);
  const pods = new Map<string, PodNetworkAttachment>();
  let uid = 0;
  for (const p of PODS) {
    const pod: Pod = { apiVersion: "v1", kind: "Pod", metadata: { name: p.name, namespace: p.ns, labels: p.labels }, spec: { containers: [{ name: "c", image: "busybox", ports: p.ports.map((x) => ({ containerPort: x.port, ...(x.name ? { name: x.name } : {}) })) }] } };
    await cluster.client.resource<Pod>("Pod").create(pod);
    const att = await cluster.nodes.get(p.node)!.scope.resolve<PodNetwork>(PodNetwork).setUpPod({ sandboxId: `sb-${p.name}`, podName: p.name, podNamespace: p.ns, podUid: `uid-${++uid}` });
    for (const { port } of p.ports) att.stack.listen("TCP", port, (conn) => conn.on("data", (d) => conn.write(`${p.name}:${new TextDecoder().decode(d)}`)));
    pods.set(`${p.ns}/${p.name}`, att);
  }
  await cluster.clock.sleep(1_000);
  return { cluster, pods };
}

/** Connects and exchanges one message: "allow" when the reply comes back, "deny" when the SYN is dropped. */
async function verdict(pods: Map<string, PodNetworkAttachment>, from: string, to: string, port: number): Promise<"allow" | "deny"> {
  try {
    const conn = await pods.get(from)!.stack.connect(pods.get(to)!.ips[0]!, port);
    const reply = await new Promise<string>((resolve) => {
      conn.once("data", (d) => resolve(new TextDecoder().decode(d)));
      conn.write("ping");
    });
    conn.end();
    return reply === `${to.split("/")[1]}:ping` ? "allow" : "deny";
  } catch (err) {
    if (/ETIMEDOUT|policy-denied/.test(String(err))) return "deny";
    throw err;
  }
}

const POLICIES = [
  // Default deny ingress for every pod in prod.
  { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "default-deny", namespace: "prod" }, spec: { podSelector: {}, policyTypes: ["Ingress"] } },
  // web: its named port "http" from any pod in namespaces labelled env=dev.
  { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "web-from-dev", namespace: "prod" }, spec: { podSelector: { matchLabels: { app: "web" } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { env: "dev" } } }], ports: [{ port: "http" }] }] } },
  // db: 5432 from web only.
  { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "db-from-web", namespace: "prod" }, spec: { podSelector: { matchLabels: { app: "db" } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: "web" } } }], ports: [{ port: 5432, protocol: "TCP" }] }] } },
  // cache: ports 6379-6380 from the pod network except dev's tool pod address block (ipBlock with except).
  { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "cache-range", namespace: "prod" }, spec: { podSelector: { matchLabels: { app: "cache" } }, ingress: [{ from: [{ ipBlock: { cidr: "10.244.0.0/16", except: ["TOOL/32"] } }], ports: [{ port: 6379, endPort: 6380 }] }] } },
  // dev: egress default deny for tool except DNS-less web access (egress rules with a podSelector across namespaces).
  { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "tool-egress", namespace: "dev" }, spec: { podSelector: { matchLabels: { app: "tool" } }, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: {}, podSelector: { matchLabels: { tier: "frontend" } } }] }] } },
];

/** (from, to, port) → expected verdict under the policies above. */
const TRUTH: [string, string, number, "allow" | "deny"][] = [
  ["dev/client", "prod/web", 8080, "allow"], // named port http, namespace env=dev
  ["dev/client", "prod/web", 9090, "deny"], // not the named port
  ["prod/db", "prod/web", 8080, "deny"], // prod is not env=dev
  ["prod/web", "prod/db", 5432, "allow"],
  ["dev/client", "prod/db", 5432, "deny"],
  ["dev/client", "prod/cache", 6379, "allow"], // ipBlock, in range
  ["dev/client", "prod/cache", 6380, "allow"], // endPort
  ["dev/client", "prod/cache", 6390, "deny"], // outside the range
  ["dev/tool", "prod/cache", 6379, "deny"], // except
  ["dev/tool", "prod/web", 8080, "allow"], // tool's egress to tier=frontend, web's ingress from dev
  ["dev/tool", "dev/client", 80, "deny"], // tool's egress default deny
  ["prod/web", "dev/client", 80, "allow"], // dev has no ingress policy
  ["dev/client", "dev/tool", 80, "allow"], // tool has only an egress policy
];

test("Calico enforces NetworkPolicy: the truth table, checked through real connections; established replies flow back", async () => {
  const { cluster, pods } = await setUp(["cni-plugins", calico(), "node-net-tools"]);
  try {
    for (const [from, to, port] of TRUTH) assert.is(await verdict(pods, from, to, port), "allow", `before any policy ${from} → ${to}:${port} is allowed`);
    const tool = pods.get("dev/tool")!.ips[0]!;
    await cluster.apply(JSON.parse(JSON.stringify(POLICIES).replace("TOOL/32", `${tool}/32`)));
    await cluster.clock.sleep(1_000);
    const got = [];
    for (const [from, to, port] of TRUTH) got.push(`${from} -> ${to}:${port} ${await verdict(pods, from, to, port)}`);
    assert.equal(got, TRUTH.map(([f, t, p, w]) => `${f} -> ${t}:${p} ${w}`));
    // A drop names the policies it went through.
    const t = await cluster.network.trace("pod/dev/client", "pod/prod/db:5432");
    assert.is(t.reason, "policy-denied");
    const matched = t.hops.flatMap((h) => h.matched ?? []).join("\n");
    assert.match(matched, "Policy prod/knp.default.db-from-web ingress");
    assert.match(matched, "Drop if no policies passed packet");
    const save = (await cluster.nodeExec(W1, ["iptables-save", "-t", "filter"])).stdout;
    assert.match(save, /-A cali-tw-cali[0-9a-f]{11} -m comment --comment "cali:[\w-]{16}" -m comment --comment "Policy prod\/knp\.default\.default-deny ingress" -m mark --mark 0x0\/0x20000 -j cali-pi-_[\w-]{20}/);
  } finally {
    await cluster.stop();
  }
});

test("Calico's own policies: order, Deny/Pass/Allow, selector expressions", async () => {
  const { cluster, pods } = await setUp(["cni-plugins", calico(), "node-net-tools"]);
  try {
    const gnp = cluster.client.resource(calicoRef("GlobalNetworkPolicy"));
    await gnp.create({ metadata: { name: "deny-ops-to-db" }, spec: { order: 10, selector: "app == 'db'", ingress: [{ action: "Deny", source: { selector: "has(tier) && tier == 'ops'" } }] } } as never);
    await cluster.client.resource(calicoRef("NetworkPolicy")).create({ metadata: { name: "db-allow-web", namespace: "prod" }, spec: { order: 100, selector: "app in {'db', 'x'}", ingress: [{ action: "Allow", protocol: "TCP", source: { selector: "app == 'web'" }, destination: { ports: [5432] } }] } } as never);
    await gnp.create({ metadata: { name: "cache-pass-client" }, spec: { order: 5, selector: "app == 'cache'", ingress: [{ action: "Pass", source: { selector: "app == 'client'" } }] } } as never);
    await gnp.create({ metadata: { name: "cache-deny" }, spec: { order: 50, selector: "app == 'cache'", ingress: [{ action: "Deny" }] } } as never);
    await cluster.clock.sleep(1_000);
    assert.is(await verdict(pods, "dev/tool", "prod/db", 5432), "deny", "Deny at order 10 (has(tier) && tier == 'ops')");
    assert.is(await verdict(pods, "prod/web", "prod/db", 5432), "allow", "order 10 does not match web; Allow at order 100");
    assert.is(await verdict(pods, "dev/client", "prod/db", 5432), "deny", "policies applied and none allowed");
    assert.is(await verdict(pods, "dev/client", "prod/cache", 6379), "allow", "Pass skips the rest of the tier (cache-deny) to the namespace profile");
    assert.is(await verdict(pods, "prod/web", "prod/cache", 6379), "deny", "Deny at order 50");
  } finally {
    await cluster.stop();
  }
});

test("flannel accepts NetworkPolicies but does not enforce them (as in real life)", async () => {
  const { cluster, pods } = await setUp(["cni-plugins", flannel()]);
  try {
    const tool = pods.get("dev/tool")!.ips[0]!;
    await cluster.apply(JSON.parse(JSON.stringify(POLICIES).replace("TOOL/32", `${tool}/32`)));
    await cluster.clock.sleep(1_000);
    for (const [from, to, port] of TRUTH) assert.is(await verdict(pods, from, to, port), "allow", `${from} → ${to}:${port}`);
  } finally {
    await cluster.stop();
  }
});

test.run();
