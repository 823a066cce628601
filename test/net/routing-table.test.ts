import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { RoutingTable, type Route } from "../../core/net/routing-table.js";
import { prefixMask } from "../../core/net/ipv4.js";

/** The model: longest prefix, then lowest metric, then first added. */
function naiveLookup(routes: readonly Route[], dst: number): Route | undefined {
  let best: Route | undefined;
  for (const r of routes) {
    if (((dst & prefixMask(r.prefix)) >>> 0) !== r.network) continue;
    if (!best || r.prefix > best.prefix || (r.prefix === best.prefix && (r.metric ?? 0) < (best.metric ?? 0))) best = r;
  }
  return best;
}

const routeArb = fc.record({
  network: fc.integer({ min: 0, max: 15 }).map((n) => (0x0a000000 | (n << 20)) >>> 0),
  prefix: fc.constantFrom(0, 8, 12, 16, 24, 32),
  metric: fc.constantFrom(0, 100, 200),
  dev: fc.constantFrom("eth0", "eth1", "cni0"),
});

test("lookups match longest-prefix-then-metric whether the table is a flat list or indexed (sizes cross the switch)", () => {
  fc.assert(
    fc.property(fc.array(routeArb, { maxLength: 60 }), fc.array(fc.integer({ min: 0, max: 15 }), { minLength: 1, maxLength: 10 }), fc.constantFrom("eth0", "eth1", "cni0"), (specs, probes, gone) => {
      const t = new RoutingTable(254);
      const model: Route[] = [];
      for (const s of specs) {
        const route: Route = { type: "unicast", network: (s.network & prefixMask(s.prefix)) >>> 0, prefix: s.prefix, dev: s.dev, scope: "link", metric: s.metric };
        const dup = model.some((x) => x.prefix === route.prefix && x.network === route.network && x.metric === route.metric && x.dev === route.dev);
        let refused = false;
        try {
          t.add(route);
        } catch {
          refused = true;
        }
        assert.is(refused, dup);
        if (!dup) model.push(route);
      }
      assert.is(t.size, model.length);
      const check = () => {
        for (const p of probes) {
          const dst = (0x0a000000 | (p << 20) | 0x0305) >>> 0;
          assert.equal(t.lookup(dst), naiveLookup(model, dst));
        }
      };
      check();
      t.deleteDevice(gone);
      for (let i = model.length - 1; i >= 0; i--) if (model[i]!.dev === gone) model.splice(i, 1);
      assert.is(t.size, model.length);
      assert.is(t.routes().length, model.length);
      check();
    }),
    { numRuns: 300, seed: 7 },
  );
});

test("ip route's order: default first, then by address and prefix", () => {
  const t = new RoutingTable(254);
  t.add({ type: "unicast", network: 0x0a000100, prefix: 24, dev: "eth0", scope: "link" });
  t.add({ type: "unicast", network: 0, prefix: 0, dev: "eth0", via: 0x0a000101, scope: "global" });
  t.add({ type: "unicast", network: 0x0a000000, prefix: 16, dev: "eth1", scope: "link" });
  assert.equal(t.routes().map((r) => `${r.network}/${r.prefix}`), ["0/0", `${0x0a000000}/16`, `${0x0a000100}/24`]);
});

test("one entry holding a route per pod (ptp's gateway /32): metric order, first added first, duplicates refused, deletes and lists that were read stay as read", () => {
  const t = new RoutingTable(255);
  const gw = 0x0af40001;
  const route = (i: number, metric?: number): Route => ({ type: "local", network: gw, prefix: 32, dev: `veth${i}`, scope: "host", ...(metric !== undefined ? { metric } : {}) });
  for (let i = 0; i < 60; i++) t.add(route(i, i % 7 === 3 ? 5 : undefined));
  // A lower metric goes in front of the higher ones even in a long list.
  t.add(route(60, 1));
  const before = t.exact(gw, 32);
  const want = [...Array.from({ length: 60 }, (_, i) => i).filter((i) => i % 7 !== 3), 60, ...Array.from({ length: 60 }, (_, i) => i).filter((i) => i % 7 === 3)].map((i) => `veth${i}`);
  assert.equal(before.map((r) => r.dev), want);
  assert.is(t.lookup(gw)?.dev, "veth0");
  assert.throws(() => t.add(route(11)), /File exists/);
  assert.throws(() => t.add(route(3, 5)), /File exists/);
  assert.is(t.exact(gw, 32).length, 61);
  assert.is(t.delete(gw, 32, undefined, (r) => r.dev === "veth0"), 1);
  // What was read before the delete is as it was; the table's list no longer has the route.
  assert.is(before.length, 61);
  assert.is(before[0]!.dev, "veth0");
  assert.is(t.lookup(gw)?.dev, "veth1");
  t.add(route(0));
  // Back at the end of its metric: after every other metric-0 route, before the metric-1 and metric-5 ones.
  const again = want.filter((d) => d !== "veth0");
  again.splice(again.indexOf("veth60"), 0, "veth0");
  assert.equal(t.exact(gw, 32).map((r) => r.dev), again);
  assert.is(t.size, 61);
  // Duplicates are still refused after the entry was replaced (the delete) and appended to since; the same device with another metric or type is not one.
  assert.throws(() => t.add(route(0)), /File exists/);
  t.add(route(61));
  assert.throws(() => t.add(route(61)), /File exists/);
  t.add(route(61, 9));
  t.add({ ...route(61), type: "unicast" });
  assert.throws(() => t.add({ ...route(61), type: "unicast" }), /File exists/);
  assert.is(t.size, 64);
  // A device going away takes its routes (and only them) out; a list read before stays as read.
  t.add({ type: "unicast", network: 0x0a000005, prefix: 32, dev: "veth61", scope: "host" });
  const read = t.exact(gw, 32);
  t.deleteDevice("veth61");
  assert.is(read.filter((r) => r.dev === "veth61").length, 3);
  assert.equal(t.exact(gw, 32).map((r) => r.dev), read.filter((r) => r.dev !== "veth61").map((r) => r.dev));
  assert.is(t.exact(0x0a000005, 32).length, 0);
  assert.is(t.size, 61);
  assert.is(t.lookup(gw)?.dev, "veth1");
  t.add(route(61));
  assert.throws(() => t.add(route(61)), /File exists/);
});

test.run();
