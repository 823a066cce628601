import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Node } from "kubernetes-types/core/v1.js";
import type { DaemonSet } from "kubernetes-types/apps/v1.js";
import { ETCD, requireTool } from "../support/require-tool.js";
import { startEtcd, type EtcdCluster } from "../support/etcd.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { SeededRandom } from "../../core/clock/random.js";
import { createLogger } from "../../core/log/logger.js";
import { NodeFiles, type NodeFileSystem } from "../../core/cni/node-files.js";
import { PodNetwork } from "../../core/cni/pod-network.js";
import { uint32ToIpv4 } from "../../core/net/ipv4.js";
import { ipRoute } from "../../core/net/views/ip-route.js";
import { ipNeigh } from "../../core/net/views/ip-neigh.js";
import { bridgeFdbShow } from "../../core/net/views/bridge-fdb.js";
import { EtcdSubnetManager, EtcdSubnetRegistry, Flanneld, flannel, ANNOTATION, type LeaseAttrs } from "../../plugins/cni-flannel/index.js";
import type { Lease, LeaseEvents } from "../../plugins/cni-flannel/lease.js";
import { parseNetConf } from "../../plugins/cni-flannel/net-conf.js";

requireTool(ETCD);

let etcd: EtcdCluster | undefined;
let prefixes = 0;
const log = createLogger("test", { level: "silent" });

/** etcd's v3 gateway, read directly (what `etcdctl get` shows), independent of the code under test. */
async function gateway<T>(path: string, body: unknown): Promise<T> {
  const r = await fetch(`${etcd!.endpoints[0]}${path}`, { method: "POST", body: JSON.stringify(body) });
  return (await r.json()) as T;
}
const b64 = (s: string): string => Buffer.from(s).toString("base64");
async function getKey(key: string): Promise<{ value: string; lease: string } | undefined> {
  const res = await gateway<{ kvs?: { value: string; lease?: string }[] }>("/v3/kv/range", { key: b64(key) });
  const kv = res.kvs?.[0];
  return kv ? { value: Buffer.from(kv.value, "base64").toString(), lease: kv.lease ?? "0" } : undefined;
}
async function ttlOf(lease: string): Promise<number> {
  return Number((await gateway<{ TTL: string }>("/v3/lease/timetolive", { ID: lease })).TTL);
}

/** Polls (real time: etcd's watch answers over real sockets) until `cond` holds. */
async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) assert.unreachable(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function recorder(): LeaseEvents & { current: Map<string, Lease>; log: string[] } {
  const current = new Map<string, Lease>();
  const entries: string[] = [];
  return {
    current,
    log: entries,
    added(l) {
      current.set(l.subnet, l);
      entries.push(`+${l.subnet}`);
    },
    removed(l) {
      current.delete(l.subnet);
      entries.push(`-${l.subnet}`);
    },
  };
}

const vxlanAttrs = (ip: string, mac: string): LeaseAttrs => ({ PublicIP: ip, PublicIPv6: null, BackendType: "vxlan", BackendData: { VNI: 1, VtepMAC: mac } });

test("etcd subnet manager: leases under /coreos.com/network/subnets/<ip>-<len> with a 24 h etcd lease, listed and watched by the others, reused by public IP, renewed an hour before expiry", async () => {
  etcd ??= await startEtcd(1);
  const prefix = `/coreos.com/network${++prefixes}`;
  const clock = new VirtualClock({ auto: false });
  const random = new SeededRandom(7);
  const managers: EtcdSubnetManager[] = [];
  const manager = (): EtcdSubnetManager => {
    const m = new EtcdSubnetManager(new EtcdSubnetRegistry({ endpoints: etcd!.endpoints }, clock, prefix), clock, random, log);
    managers.push(m);
    return m;
  };
  try {
    let missing: unknown;
    try {
      await manager().networkConfig();
    } catch (err) {
      missing = err;
    }
    assert.match(String(missing), "flannel config not found in etcd store. Did you create your config using etcdv3 API?");
    const admin = new EtcdSubnetRegistry({ endpoints: etcd.endpoints }, clock, prefix);
    await admin.putNetworkConfig('{"Network": "10.5.0.0/16", "Backend": {"Type": "vxlan"}}');
    admin.close();

    const a = manager();
    const config = await a.networkConfig();
    assert.equal([config.Network, config.SubnetLen, config.Backend.Type], ["10.5.0.0/16", 24, "vxlan"]);
    const ownA = await a.acquire(config, vxlanAttrs("172.18.0.2", "aa:aa:aa:aa:aa:01"));
    assert.match(ownA.subnet, /^10\.5\.\d+\.0\/24$/);
    assert.not.equal(ownA.subnet, "10.5.0.0/24", "the network's first subnet is never handed out (SubnetMin)");
    assert.not.equal(ownA.subnet, "10.5.255.0/24", "nor its last (SubnetMax)");
    const keyA = `${prefix}/subnets/${ownA.subnet.replace("/", "-")}`;
    const storedA = await getKey(keyA);
    assert.ok(storedA, `${keyA} exists`);
    assert.is(storedA!.value, '{"PublicIP":"172.18.0.2","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"aa:aa:aa:aa:aa:01"}}');
    const ttl = await ttlOf(storedA!.lease);
    assert.ok(ttl > 86_000 && ttl <= 86_400, `the key's etcd lease has a 24 h TTL (${ttl} s)`);

    const b = manager();
    const ownB = await b.acquire(config, vxlanAttrs("172.18.0.3", "bb:bb:bb:bb:bb:02"));
    assert.not.equal(ownB.subnet, ownA.subnet);
    const seenByA = recorder();
    await a.start(ownA, seenByA);
    assert.equal([...seenByA.current.keys()], [ownB.subnet], "A lists B's lease");
    const leaseB = seenByA.current.get(ownB.subnet)!;
    assert.equal([leaseB.publicIP, leaseB.backendType, leaseB.backendData.VtepMAC], [0xac120003, "vxlan", "bb:bb:bb:bb:bb:02"]);

    // A third node joins: A hears of it through its watch.
    const c = manager();
    const ownC = await c.acquire(config, { PublicIP: "172.18.0.4", PublicIPv6: null });
    await until(() => seenByA.current.has(ownC.subnet), "A to see C's lease");
    assert.is(seenByA.current.get(ownC.subnet)!.backendType, "", "a udp lease has no backend type");

    // flanneld restarts on B: the lease held for its public IP is reused, not a new one taken.
    const b2 = manager();
    assert.is((await b2.acquire(config, vxlanAttrs("172.18.0.3", "bb:bb:bb:bb:bb:03"))).subnet, ownB.subnet);
    await until(() => seenByA.current.get(ownB.subnet)?.backendData.VtepMAC === "bb:bb:bb:bb:bb:03", "A to see B's new VtepMAC");

    // Renewal: nothing happens until an hour before expiry, then the key gets a fresh 24 h lease.
    await clock.advance(22 * 3600_000);
    assert.is(a.renewals, 0);
    await clock.advance(3600_000 + 1000);
    await until(() => a.renewals === 1, "A's lease renewal");
    const renewed = await getKey(keyA);
    assert.not.equal(renewed!.lease, storedA!.lease, "renewal puts the key with a new etcd lease");
    assert.ok((await ttlOf(renewed!.lease)) > 86_000);
    assert.ok(ownA.expiration! >= clock.now() + 86_000_000, "the next renewal is 23 h away again");

    // A key deleted by hand (etcdctl del) is a removed lease for everyone watching.
    await gateway("/v3/kv/deleterange", { key: b64(`${prefix}/subnets/${ownC.subnet.replace("/", "-")}`) });
    await until(() => !seenByA.current.has(ownC.subnet), "A to drop C's lease");
    assert.ok(seenByA.log.includes(`-${ownC.subnet}`));
  } finally {
    for (const m of managers) m.stop();
  }
});

test("etcd subnet manager: a lease that is not renewed expires in etcd and every other node drops it; the owner learns its lease was revoked", async () => {
  etcd ??= await startEtcd(1);
  const prefix = `/coreos.com/network${++prefixes}`;
  const clock = new VirtualClock({ auto: false });
  const random = new SeededRandom(3);
  const admin = new EtcdSubnetRegistry({ endpoints: etcd.endpoints }, clock, prefix);
  await admin.putNetworkConfig('{"Network": "10.6.0.0/16", "SubnetLen": 26, "Backend": {"Type": "host-gw"}}');
  admin.close();
  const config = parseNetConf('{"Network": "10.6.0.0/16", "SubnetLen": 26, "Backend": {"Type": "host-gw"}}');
  const watcher = new EtcdSubnetManager(new EtcdSubnetRegistry({ endpoints: etcd.endpoints }, clock, prefix), clock, random, log);
  // A short TTL stands in for 24 h so that etcd expires it during the test (etcd counts real seconds).
  const shortLived = new EtcdSubnetManager(new EtcdSubnetRegistry({ endpoints: etcd.endpoints }, clock, prefix), clock, random, log, { ttlSeconds: 2 });
  try {
    const own = await watcher.acquire(config, { PublicIP: "172.18.0.2", PublicIPv6: null, BackendType: "host-gw" });
    assert.match(own.subnet, /\/26$/, "SubnetLen from the config");
    let revoked = 0;
    const seen = recorder();
    await watcher.start(own, seen, () => revoked++);
    const gone = await shortLived.acquire(config, { PublicIP: "172.18.0.9", PublicIPv6: null, BackendType: "host-gw" });
    await until(() => seen.current.has(gone.subnet), "the short-lived lease to appear");
    shortLived.stop(); // its flanneld is gone: nobody renews
    await until(() => !seen.current.has(gone.subnet), "etcd to expire the lease", 15_000);
    assert.is(await getKey(`${prefix}/subnets/${gone.subnet.replace("/", "-")}`), undefined);

    await gateway("/v3/kv/deleterange", { key: b64(`${prefix}/subnets/${own.subnet.replace("/", "-")}`) });
    await until(() => revoked === 1, "the owner to notice its revoked lease");
  } finally {
    watcher.stop();
    shortLived.stop();
  }
});

test("flanneld --etcd-endpoints in a cluster: subnets from etcd leases (not podCIDRs, no Node annotations), vxlan entries for each peer, pods reach each other; a deleted Node's lease outlives it until its TTL", async () => {
  etcd ??= await startEtcd(1);
  const prefix = `/coreos.com/network${++prefixes}`;
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 3, plugins: ["cni-plugins", flannel({ etcd: { endpoints: etcd.endpoints, prefix } })] });
  await cluster.start();
  try {
    const registry = cluster.resolve(Flanneld);
    const names = [...cluster.nodes.keys()];
    await until(() => names.every((n) => registry.get(n)?.subnets.leases().length === names.length - 1), "flanneld on every node to know the others' leases", 20_000);
    const config = await getKey(`${prefix}/config`);
    assert.equal(JSON.parse(config!.value), { Network: "10.244.0.0/16", EnableNFTables: false, Backend: { Type: "vxlan" } }, "the plugin seeded <prefix>/config");
    const ds = await cluster.client.resource<DaemonSet>("DaemonSet").get("kube-flannel-ds", { namespace: "kube-flannel" });
    assert.equal(ds.spec!.template.spec!.containers[0]!.args, ["--ip-masq", `--etcd-endpoints=${etcd.endpoints[0]}`, `--etcd-prefix=${prefix}`]);
    const nodes = await cluster.client.resource<Node>("Node").list();
    for (const n of nodes.items) assert.is(n.metadata!.annotations?.[ANNOTATION.publicIP], undefined, "the etcd subnet manager leaves Nodes alone");

    const [cp, w1, w2] = names as [string, string, string];
    const subnetOf = (n: string): string => registry.get(n)!.subnet;
    const files = (n: string): NodeFileSystem => cluster.nodes.get(n)!.scope.resolve<NodeFileSystem>(NodeFiles);
    assert.match(files(w1).read("/run/flannel/subnet.env")!, `FLANNEL_SUBNET=${subnetOf(w1).replace(".0/24", ".1/24")}\n`);
    const root = cluster.network.plane.node(cp)!;
    for (const peer of [w1, w2]) {
      const s = subnetOf(peer);
      const key = await getKey(`${prefix}/subnets/${s.replace("/", "-")}`);
      const mac = (JSON.parse(key!.value) as { BackendData: { VtepMAC: string } }).BackendData.VtepMAC;
      assert.is(cluster.network.plane.node(peer)!.devices.get("flannel.1")!.mac, mac, "the lease carries the peer's flannel.1 MAC");
      const net = s.split("/")[0]!;
      assert.match(ipRoute(root), `${s} via ${net} dev flannel.1 onlink\n`);
      assert.match(ipNeigh(root, 0, "flannel.1"), `${net} lladdr ${mac} PERMANENT`);
      assert.match(bridgeFdbShow(root, 0, { dev: "flannel.1" }), `${mac} dst ${JSON.parse(key!.value).PublicIP} self permanent`);
    }

    const podNetwork = (n: string): PodNetwork => cluster.nodes.get(n)!.scope.resolve<PodNetwork>(PodNetwork);
    await podNetwork(cp).setUpPod({ sandboxId: "sb-a", podName: "a", podNamespace: "default", podUid: "uid-a" });
    const b = await podNetwork(w2).setUpPod({ sandboxId: "sb-b", podName: "b", podNamespace: "default", podUid: "uid-b" });
    assert.ok(b.ips[0]!.startsWith(subnetOf(w2).split(".").slice(0, 3).join(".") + "."), "the pod's address is from its node's etcd lease");
    const t = await cluster.network.trace("pod/default/a", "pod/default/b:80");
    assert.is(t.outcome, "delivered");
    const w2IP = uint32ToIpv4(cluster.network.plane.node(w2)!.devices.get("eth0")!.primaryAddress!);
    assert.ok(t.hops.some((h) => h.step === "encap" && h.device === "flannel.1" && h.packet.includes(`> ${w2IP}:8472`)), "encapsulated to the peer's public IP from its lease");
    assert.ok(t.hops.some((h) => h.step === "decap" && h.node === w2));

    // The etcd subnet manager does not watch Nodes: a deleted node's lease stays (and routed) until it expires.
    const stale = subnetOf(w2);
    await cluster.removeNode(w2);
    await new Promise((r) => setTimeout(r, 300));
    assert.match(ipRoute(root), `${stale} via`);
    assert.ok(await getKey(`${prefix}/subnets/${stale.replace("/", "-")}`), "the key waits for its TTL");
  } finally {
    await cluster.stop();
  }
});

test.after(async () => {
  await etcd?.stop();
});

test.run();
