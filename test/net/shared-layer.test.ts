import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { RoutingTable, type Route } from "../../core/net/routing-table.js";
import { NeighbourTable } from "../../core/net/neighbour-table.js";
import { BridgeFdb } from "../../core/net/bridge-fdb.js";
import { SharedFdb, SharedNeighbours, SharedRoutes } from "../../core/net/shared-layer.js";
import { ipv4ToUint32 } from "../../core/net/ipv4.js";

const ip = ipv4ToUint32;
const remote = (n: number): Route => ({ type: "unicast", network: ip(`10.244.${n}.0`), prefix: 24, via: ip(`10.244.${n}.0`), dev: "flannel.1", scope: "global", onlink: true });

test("a table attached to shared routes sees every owner's but its own, exactly as if it held copies (lookups, order, size)", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 40 }), fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 10 }), fc.integer({ min: 0, max: 20 }), (owners, removed, self) => {
      const shared = new SharedRoutes();
      const attached = new RoutingTable(254);
      const copied = new RoutingTable(254);
      for (const t of [attached, copied]) {
        t.add({ type: "unicast", network: 0, prefix: 0, via: ip("172.18.0.1"), dev: "eth0", scope: "global" });
        t.add({ type: "unicast", network: ip("172.18.0.0"), prefix: 16, dev: "eth0", src: ip("172.18.0.2"), proto: "kernel", scope: "link" });
      }
      attached.attach(shared, `node-${self}`);
      const model = new Map<number, Route>();
      for (const o of owners) {
        shared.set(`node-${o}`, remote(o));
        if (o !== self) model.set(o, remote(o));
      }
      for (const o of removed) {
        shared.remove(`node-${o}`, remote(o).network, 24);
        model.delete(o);
      }
      for (const r of model.values()) copied.add(r);
      assert.equal(attached.routes(), copied.routes());
      assert.is(attached.size, copied.size);
      for (let n = 0; n <= 21; n++) assert.equal(attached.lookup(ip(`10.244.${n}.7`)), copied.lookup(ip(`10.244.${n}.7`)));
    }),
  );
});

test("deleting a shared route on one node hides it there only; a device going away drops the layer; own routes shadow", () => {
  const shared = new SharedRoutes();
  const a = new RoutingTable(254);
  const b = new RoutingTable(254);
  a.attach(shared, "a");
  b.attach(shared, "b");
  for (const n of [1, 2, 3]) shared.set(`n${n}`, remote(n));
  assert.is(a.delete(remote(2).network, 24), 1);
  assert.is(a.lookup(ip("10.244.2.5")), undefined);
  assert.equal(b.lookup(ip("10.244.2.5")), remote(2));
  assert.is(a.size, 2);
  assert.is(b.size, 3);
  try {
    b.add(remote(1));
    assert.unreachable("a route the table sees already is refused");
  } catch (err) {
    assert.match(String(err), "File exists");
  }
  b.replace({ ...remote(1), via: ip("172.18.0.9"), dev: "eth0", onlink: false });
  assert.is(b.lookup(ip("10.244.1.1"))!.dev, "eth0", "replace shadows the shared route with the node's own");
  assert.is(b.routes().filter((r) => r.network === remote(1).network).length, 1);
  a.deleteDevice("flannel.1");
  assert.is(a.size, 0);
  assert.is(b.size, 3);
});

test("shared neighbours and FDB entries: seen but the own one, listed after the table's own, deletable per node", () => {
  const neigh = new SharedNeighbours("flannel.1");
  const fdbShared = new SharedFdb("flannel.1");
  const t = new NeighbourTable();
  const fdb = new BridgeFdb();
  t.attach(neigh, "self");
  fdb.attach(fdbShared, "self");
  neigh.set("self", ip("10.244.0.0"), "aa:aa:aa:aa:aa:00");
  neigh.set("n1", ip("10.244.1.0"), "aa:aa:aa:aa:aa:01");
  fdbShared.set("self", "aa:aa:aa:aa:aa:00", ip("172.18.0.2"));
  fdbShared.set("n1", "aa:aa:aa:aa:aa:01", ip("172.18.0.3"));
  t.set("eth0", ip("172.18.0.1"), "02:42:ac:12:00:01", "REACHABLE", 0);
  assert.equal(t.list(0).map((n) => `${n.dev} ${n.ip} ${n.state}`), [`eth0 ${ip("172.18.0.1")} REACHABLE`, `flannel.1 ${ip("10.244.1.0")} PERMANENT`]);
  assert.is(t.get("flannel.1", ip("10.244.0.0")), undefined, "the node's own lease is not its neighbour");
  assert.is(t.set("flannel.1", ip("10.244.1.0"), "bb:bb:bb:bb:bb:bb", "REACHABLE", 5).lladdr, "aa:aa:aa:aa:aa:01", "learning leaves PERMANENT entries alone");
  assert.is(fdb.lookup("aa:aa:aa:aa:aa:01", 0)!.dst, ip("172.18.0.3"));
  assert.is(fdb.lookup("aa:aa:aa:aa:aa:00", 0), undefined);
  assert.ok(t.delete("flannel.1", ip("10.244.1.0")));
  assert.ok(fdb.delete("aa:aa:aa:aa:aa:01"));
  assert.is(t.list(0).length, 1);
  assert.is(fdb.list(0).length, 0);
  neigh.remove("n1", ip("10.244.1.0"));
  assert.is(neigh.entries.size, 1);
});

test.run();
