import { test } from "uvu";
import * as assert from "uvu/assert";
import { SeededRandom } from "../../../core/clock/random.js";
import { ClusterIPAllocator } from "../../../core/apiserver/allocators/cluster-ip-allocator.js";
import { NodePortAllocator, parsePortRange } from "../../../core/apiserver/allocators/node-port-allocator.js";
import { AllocationError } from "../../../core/apiserver/allocators/allocation-error.js";
import { createStrategyServices } from "../../../core/apiserver/allocators/strategy-services.js";

test("a small CIDR is exhausted exactly, without ever handing out network, broadcast or .1", () => {
  const a = new ClusterIPAllocator("10.0.0.0/29", new SeededRandom(3));
  assert.is(a.size, 6);
  const got = new Set<string>();
  for (let i = 0; i < 5; i++) got.add(a.allocateNext());
  assert.equal([...got].sort(), ["10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"]);
  assert.throws(() => a.allocateNext(), (e: unknown) => e instanceof AllocationError && e.failure === "RangeFull");
  a.allocateSpecific("10.0.0.1");
  a.release("10.0.0.4");
  assert.is(a.allocateNext(), "10.0.0.4");
  assert.throws(() => a.allocateSpecific("10.0.0.7"), /not in the valid range/);
});

test("dynamic IPs come from the upper band; the same seed gives the same IPs", () => {
  const a = new ClusterIPAllocator(undefined, new SeededRandom(9));
  const b = new ClusterIPAllocator(undefined, new SeededRandom(9));
  for (let i = 0; i < 50; i++) {
    const ip = a.allocateNext();
    assert.is(ip, b.allocateNext());
    assert.not.ok(ip.startsWith("10.96.0.") && Number(ip.split(".")[3]) <= 255 && ip.split(".")[2] === "0", `static band avoided: ${ip}`);
  }
});

test("node ports: range text, conflicts, rebuild from stored services", () => {
  const p = new NodePortAllocator(parsePortRange("30000-30010"), new SeededRandom(1));
  p.allocateSpecific(30005);
  assert.throws(() => p.allocateSpecific(30005), /provided port is already allocated/);
  assert.throws(() => p.allocateSpecific(29999), /The range of valid ports is 30000-30010/);
  const services = createStrategyServices({ random: new SeededRandom(1) });
  services.rebuildFrom([{ spec: { clusterIP: "10.96.0.10", clusterIPs: ["10.96.0.10"], ports: [{ port: 80, nodePort: 30080 }] } }]);
  assert.ok(services.clusterIPs.isAllocated("10.96.0.10"));
  assert.ok(services.nodePorts.isAllocated(30080));
});

test.run();
