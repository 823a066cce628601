import { test } from "uvu";
import * as assert from "uvu/assert";
import { RoutingTable } from "../../core/net/routing-table.js";
import { BridgeFdb } from "../../core/net/bridge-fdb.js";
import { Netfilter } from "../../core/net/netfilter/netfilter.js";
import { RecentLists, kernelProbability, type RuleContext } from "../../core/net/netfilter/rule.js";
import { Conntrack } from "../../core/net/conntrack.js";
import { Ipvs } from "../../core/net/ipvs.js";
import { ipv4ToUint32 as ip } from "../../core/net/ipv4.js";
import { makePacket } from "../../core/net/packet.js";
import { iptablesSave } from "../../core/net/views/iptables-save.js";

test("routing table: longest prefix wins, then the lowest metric", () => {
  const t = new RoutingTable(254);
  t.add({ type: "unicast", network: 0, prefix: 0, dev: "eth0", via: ip("172.18.0.1"), scope: "global" });
  t.add({ type: "unicast", network: ip("10.244.0.0"), prefix: 16, dev: "eth0", via: ip("172.18.0.9"), scope: "global" });
  t.add({ type: "unicast", network: ip("10.244.1.0"), prefix: 24, dev: "eth0", via: ip("172.18.0.3"), scope: "global", metric: 100 });
  t.add({ type: "unicast", network: ip("10.244.1.0"), prefix: 24, dev: "tunl0", via: ip("172.18.0.4"), scope: "global", metric: 10 });
  assert.is(t.lookup(ip("10.244.1.7"))!.dev, "tunl0");
  assert.is(t.lookup(ip("10.244.2.7"))!.via, ip("172.18.0.9"));
  assert.is(t.lookup(ip("8.8.8.8"))!.prefix, 0);
  t.delete(ip("10.244.1.0"), 24, 10);
  assert.is(t.lookup(ip("10.244.1.7"))!.via, ip("172.18.0.3"));
  assert.throws(() => t.add({ type: "unicast", network: ip("10.244.1.0"), prefix: 24, dev: "eth0", via: ip("172.18.0.3"), scope: "global", metric: 100 }), /File exists/);
});

test("bridge FDB: learns per port, moves on a new port, ages out after 300 s, permanent stays", () => {
  const fdb = new BridgeFdb();
  fdb.learn("aa:00:00:00:00:01", "veth1", 0);
  fdb.addPermanent("bb:00:00:00:00:02", "veth2");
  assert.is(fdb.lookup("aa:00:00:00:00:01", 1000)!.port, "veth1");
  fdb.learn("aa:00:00:00:00:01", "veth3", 200_000);
  assert.is(fdb.lookup("aa:00:00:00:00:01", 200_001)!.port, "veth3");
  assert.is(fdb.lookup("aa:00:00:00:00:01", 200_000 + 300_001), undefined);
  assert.ok(fdb.lookup("bb:00:00:00:00:02", 10_000_000));
});

function ctx(pkt: ReturnType<typeof makePacket>, rnd = 0.9): RuleContext {
  return { pkt, ctState: "NEW", now: 0, isLocal: () => false, random: () => rnd, recent: new RecentLists(), inSet: () => false };
}

test("netfilter: rules in order, jumps and RETURN, statistic, MARK continues, DNAT ends, iptables-save canonical text", () => {
  const nf = new Netfilter();
  nf.restore(`*nat
:KUBE-SERVICES - [0:0]
:KUBE-SVC-A - [0:0]
:KUBE-MARK-MASQ - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
-A KUBE-SERVICES -m comment --comment "default/web cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 80 -j KUBE-SVC-A
-A KUBE-SVC-A ! -s 10.244.0.0/16 -d 10.96.0.10/32 -p tcp -m tcp --dport 80 -j KUBE-MARK-MASQ
-A KUBE-SVC-A -m statistic --mode random --probability 0.3333333333 -j DNAT --to-destination 10.244.1.5:8080
-A KUBE-SVC-A -j DNAT --to-destination 10.244.2.5:8080
COMMIT
`);
  const save = iptablesSave(nf, 0, { table: "nat" });
  assert.match(save, "-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment \"default/web cluster IP\" -m tcp --dport 80 -j KUBE-SVC-A");
  assert.match(save, "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000");
  assert.match(save, "--probability 0.33333333349 -j DNAT");
  assert.match(save, ":KUBE-SERVICES - [0:0]");
  const pkt = makePacket("tcp", ip("172.18.0.1"), 5555, ip("10.96.0.10"), 80);
  const v = nf.evaluate("nat", "PREROUTING", ctx(pkt, 0.9));
  assert.is(v.verdict, "ACCEPT");
  assert.equal(v.nat, { kind: "DNAT", ip: ip("10.244.2.5"), port: 8080 });
  assert.is(pkt.mark, 0x4000, "MARK applied and traversal continued");
  assert.is(v.evaluated, 6, "PREROUTING 1 + KUBE-SERVICES 1 + KUBE-SVC-A 3 + KUBE-MARK-MASQ 1");
  const pkt2 = makePacket("tcp", ip("10.244.0.3"), 5555, ip("10.96.0.10"), 80);
  const v2 = nf.evaluate("nat", "PREROUTING", ctx(pkt2, 0.1));
  assert.equal(v2.nat, { kind: "DNAT", ip: ip("10.244.1.5"), port: 8080 });
  assert.is(pkt2.mark, 0, "pod source is not masqueraded");
  assert.is(kernelProbability(0.5), "0.50000000000");
});

test("netfilter: restore is atomic per table, and refuses unknown targets", () => {
  const nf = new Netfilter();
  nf.restore("*filter\n:X - [0:0]\n-A X -j DROP\nCOMMIT\n");
  assert.throws(() => nf.restore("*filter\n:X - [0:0]\n-A X -j NOPE\nCOMMIT\n"), /NOPE/);
  assert.is(nf.chain("filter", "X")!.rules.length, 1);
  assert.throws(() => nf.addRule("filter", "INPUT", ["-m", "bogus", "-j", "ACCEPT"]), /Couldn't load match/);
});

test("netfilter: a restore reuses the previous restore's rules by line with fresh counters, touches only the chains it names, and a failing one is undone", () => {
  const nf = new Netfilter();
  const input = `*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-A - [0:0]\n:KUBE-SVC-B - [0:0]\n-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment "default/a cluster IP" -m tcp --dport 80 -j KUBE-SVC-A\n-A KUBE-SVC-A -j DNAT --to-destination 10.244.1.2:8080\n-A KUBE-SVC-B -j DNAT --to-destination 10.244.1.3:8080\nCOMMIT\n`;
  nf.restore(input, { noflush: true });
  const first = nf.chain("nat", "KUBE-SERVICES")!.rules[0]!;
  first.packets = 5;
  const svcB = nf.chain("nat", "KUBE-SVC-B")!;
  // Only KUBE-SERVICES is written again (a partial sync): KUBE-SVC-B is the same chain object afterwards.
  nf.restore(`*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment "default/a cluster IP" -m tcp --dport 80 -j KUBE-SVC-A\nCOMMIT\n`, { noflush: true });
  const again = nf.chain("nat", "KUBE-SERVICES")!.rules[0]!;
  assert.is.not(again, first, "a new rule");
  assert.is(again.matches, first.matches, "compiled once");
  assert.is(again.packets, 0, "a restored rule's counters start at 0");
  assert.is(nf.chain("nat", "KUBE-SVC-B"), svcB, "an unnamed chain is left alone");
  // A cached line whose target is deleted in the same restore fails the whole table.
  assert.throws(() => nf.restore(`*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment "default/a cluster IP" -m tcp --dport 80 -j KUBE-SVC-A\n-X KUBE-SVC-A\nCOMMIT\n`, { noflush: true }), /Couldn't load target `KUBE-SVC-A'/);
  assert.ok(nf.chain("nat", "KUBE-SVC-A"), "the deleted chain is back");
  assert.is(nf.chain("nat", "KUBE-SERVICES")!.rules[0], again, "and so is the rule");
});


test("netfilter: namespaces share what equal rules compiled (matches, target, text), each with its own counters; a shared line is still refused where iptables refuses it", () => {
  const a = new Netfilter();
  const b = new Netfilter();
  const masq = `-A POSTROUTING -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully`;
  a.restore(`*nat\n${masq}\nCOMMIT\n`, { noflush: true });
  b.restore(`*nat\n-I POSTROUTING -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully\nCOMMIT\n`, { noflush: true });
  const ra = a.chain("nat", "POSTROUTING")!.rules[0]!;
  const rb = b.chain("nat", "POSTROUTING")!.rules[0]!;
  assert.is.not(ra, rb, "a rule per namespace");
  assert.is(rb.matches, ra.matches, "compiled once for both");
  assert.is(rb.text, masq);
  ra.packets = 3;
  assert.is(rb.packets, 0, "counters are the namespace's own");
  // Known from nat, the line is still a MASQUERADE outside the nat table; a jump still needs its chain.
  a.restore(`*nat\n:X - [0:0]\n-A X -j MASQUERADE\nCOMMIT\n`, { noflush: true });
  assert.throws(() => b.restore(`*filter\n:X - [0:0]\n-A X -j MASQUERADE\nCOMMIT\n`), /MASQUERADE target is only valid in the nat table/);
  a.restore(`*filter\n:KUBE-FORWARD - [0:0]\n-A FORWARD -j KUBE-FORWARD\nCOMMIT\n`, { noflush: true });
  assert.throws(() => b.restore(`*filter\n-A FORWARD -j KUBE-FORWARD\nCOMMIT\n`, { noflush: true }), /Couldn't load target `KUBE-FORWARD'/);
  // iptables -C.
  assert.ok(a.hasRule("filter", "FORWARD", ["-j", "KUBE-FORWARD"]));
  assert.not.ok(a.hasRule("filter", "INPUT", ["-j", "KUBE-FORWARD"]));
  a.addRule("filter", "FORWARD", ["-j", "ACCEPT"], 1);
  assert.equal(a.chain("filter", "FORWARD")!.rules.map((r) => r.text), ["-A FORWARD -j ACCEPT", "-A FORWARD -j KUBE-FORWARD"]);
});
test("conntrack: a DNAT'd connection's reply is found by its reply tuple and un-NATed", () => {
  let now = 0;
  const ct = new Conntrack(() => now);
  const orig = { proto: "tcp" as const, src: ip("10.244.0.5"), sport: 40000, dst: ip("10.96.0.10"), dport: 80 };
  const reply = { proto: "tcp" as const, src: ip("10.244.1.9"), sport: 8080, dst: ip("10.244.0.5"), dport: 40000 };
  ct.confirm(orig, reply, 0);
  const back = makePacket("tcp", ip("10.244.1.9"), 8080, ip("10.244.0.5"), 40000, 0, "SYN,ACK");
  const hit = ct.lookup(back)!;
  assert.is(hit.dir, "reply");
  assert.is(hit.entry.original.dst, ip("10.96.0.10"), "the reply's source becomes the service IP again");
  ct.see(hit.entry, "reply", "SYN,ACK");
  ct.see(hit.entry, "original", "ACK");
  assert.is(hit.entry.tcpState, "ESTABLISHED");
  assert.ok(hit.entry.assured);
  now += 86_401_000;
  assert.is(ct.lookup(back), undefined, "expired entries disappear");
});

test("IPVS: O(1) lookup, round robin, persistence, least connection", () => {
  const ipvs = new Ipvs();
  const vs = ipvs.addService("tcp", ip("10.96.0.10"), 80);
  ipvs.setReals(vs, [{ ip: ip("10.244.1.1"), port: 80 }, { ip: ip("10.244.1.2"), port: 80 }]);
  assert.is(ipvs.lookup("tcp", ip("10.96.0.10"), 81), undefined);
  const picks = [0, 1, 2, 3].map(() => ipvs.schedule(vs, ip("1.1.1.1"), 0)!.ip);
  assert.equal(picks, [ip("10.244.1.1"), ip("10.244.1.2"), ip("10.244.1.1"), ip("10.244.1.2")]);
  const sticky = ipvs.addService("tcp", ip("10.96.0.11"), 80, "rr", 10800);
  ipvs.setReals(sticky, [{ ip: ip("10.244.1.1"), port: 80 }, { ip: ip("10.244.1.2"), port: 80 }]);
  const first = ipvs.schedule(sticky, ip("1.1.1.1"), 0)!;
  assert.is(ipvs.schedule(sticky, ip("1.1.1.1"), 1000), first);
  const lc = ipvs.addService("tcp", ip("10.96.0.12"), 80, "lc");
  ipvs.setReals(lc, [{ ip: ip("10.244.1.1"), port: 80 }, { ip: ip("10.244.1.2"), port: 80 }]);
  lc.reals[0]!.activeConns = 5;
  assert.is(ipvs.schedule(lc, ip("1.1.1.1"), 0)!.ip, ip("10.244.1.2"));
  ipvs.setReals(lc, []);
  assert.is(ipvs.schedule(lc, ip("1.1.1.1"), 0), undefined);
});

test.run();
