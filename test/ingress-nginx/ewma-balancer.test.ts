/** ingress-nginx's ewma balancer (balancer/ewma.lua): decay, power of two choices, slow start of added endpoints. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { EwmaBalancer } from "../../plugins/ingress-nginx/ewma-balancer.js";

const a = { ip: "10.244.1.2", port: 80 };
const b = { ip: "10.244.1.3", port: 80 };
const c = { ip: "10.244.1.4", port: 80 };

test("a sample decays toward the next with a 10 s time constant; an unknown endpoint scores 0", () => {
  let now = 1_800_000_000;
  const ewma = new EwmaBalancer(() => now);
  assert.is(ewma.score("10.244.1.2:80"), 0);
  ewma.observe("10.244.1.2:80", 0.5);
  assert.ok(Math.abs(ewma.score("10.244.1.2:80") - 0.5) < 1e-9, "the first sample is the average");
  now += 10;
  assert.ok(Math.abs(ewma.score("10.244.1.2:80") - 0.5 * Math.exp(-1)) < 1e-9, "decayed by e^-1 after 10 s");
  ewma.observe("10.244.1.2:80", 0.1);
  const w = Math.exp(-1);
  assert.ok(Math.abs(ewma.score("10.244.1.2:80") - (0.5 * w + 0.1 * (1 - w))) < 1e-9);
});

test("power of two choices: the lower score wins, the first drawn on a tie; with two endpoints the slow one is never taken once measured", () => {
  const now = 1_800_000_000;
  const draws = [0.1, 0.9];
  let i = 0;
  const ewma = new EwmaBalancer(() => now, () => draws[i++ % draws.length]!);
  // Nothing measured: a tie, the first drawn (a, then b).
  assert.is(ewma.pick("up", [a, b]), a);
  ewma.observe("10.244.1.2:80", 0.8);
  ewma.observe("10.244.1.3:80", 0.01);
  // a is still drawn first, b second: the lower score wins.
  for (let n = 0; n < 10; n++) assert.is(ewma.pick("up", [a, b]), b);
});

test("an endpoint added to the upstream starts at the average of the others; a removed one is forgotten", () => {
  const now = 1_800_000_000;
  const ewma = new EwmaBalancer(() => now, () => 0);
  ewma.pick("up", [a, b]);
  ewma.observe("10.244.1.2:80", 0.2);
  ewma.observe("10.244.1.3:80", 0.4);
  ewma.pick("up", [a, c]);
  assert.is(ewma.score("10.244.1.3:80"), 0, "b was removed");
  assert.ok(Math.abs(ewma.score("10.244.1.4:80") - 0.2) < 1e-9, "c starts at the average of the known peers (a alone now)");
});

test.run();
