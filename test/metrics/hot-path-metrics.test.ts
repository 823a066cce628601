/** Hot-path metrics print exactly what prom-client's own classes print for the same operations. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { HotCounter, HotGauge, HotHistogram } from "../../core/metrics/hot-path-metrics.js";
import { parseExposition } from "../support/prometheus-text.js";

const LABELS = ["verb", "resource", "code"] as const;
const BUCKETS = [0.005, 0.025, 0.1, 1, 10];

type Op =
  | { kind: "inc"; labels: [string, string, string]; by: number }
  | { kind: "gauge"; labels: [string, string, string]; how: "inc" | "dec" | "set"; by: number }
  | { kind: "observe"; labels: [string, string, string]; value: number };

const labelSet = fc.tuple(fc.constantFrom("GET", "POST", 'we"ird\\'), fc.constantFrom("pods", "nodes\nx", ""), fc.constantFrom("200", "201", "409"));
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("inc" as const), labels: labelSet, by: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ kind: fc.constant("gauge" as const), labels: labelSet, how: fc.constantFrom("inc" as const, "dec" as const, "set" as const), by: fc.integer({ min: -3, max: 9 }) }),
  fc.record({ kind: fc.constant("observe" as const), labels: labelSet, value: fc.constantFrom(0, 0.001, 0.005, 0.02, 0.1, 0.5, 1, 3, 10, 11, 1e6) }),
);

async function expose(ops: Op[], hot: boolean): Promise<string> {
  const registers = [new Registry()];
  const labelNames = [...LABELS];
  const counter = hot ? new HotCounter({ name: "requests_total", help: "Requests.", labelNames, registers }) : new Counter({ name: "requests_total", help: "Requests.", labelNames, registers });
  const gauge = hot ? new HotGauge({ name: "inflight", help: "In flight.", labelNames, registers }) : new Gauge({ name: "inflight", help: "In flight.", labelNames, registers });
  const histogram = hot ? new HotHistogram({ name: "duration_seconds", help: "Duration.", labelNames, buckets: BUCKETS, registers }) : new Histogram({ name: "duration_seconds", help: "Duration.", labelNames, buckets: BUCKETS, registers });
  const plain = hot ? new HotCounter({ name: "plain_total", help: "No labels.", registers }) : new Counter({ name: "plain_total", help: "No labels.", registers });
  const plainHistogram = hot ? new HotHistogram({ name: "plain_seconds", help: "No labels.", buckets: BUCKETS, registers }) : new Histogram({ name: "plain_seconds", help: "No labels.", buckets: BUCKETS, registers });
  for (const o of ops) {
    if (o.kind === "inc") {
      counter.labels(...o.labels).inc(o.by);
      plain.inc(o.by);
    } else if (o.kind === "gauge") {
      const [verb, resource, code] = o.labels;
      const g = gauge.labels({ verb, resource, code });
      if (o.how === "set") g.set(o.by);
      else g[o.how](o.by);
    } else {
      histogram.labels(...o.labels).observe(o.value);
      plainHistogram.observe(o.value);
    }
  }
  return registers[0]!.metrics();
}

test("for any sequence of operations the exposition text is prom-client's, byte for byte", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
      assert.is(await expose(ops, true), await expose(ops, false));
    }),
    { numRuns: 200 },
  );
});

test("a histogram child counts each observation in the first bucket bounding it; sum and count follow", async () => {
  const registry = new Registry();
  const h = new HotHistogram({ name: "d", help: "d", labelNames: ["x"], buckets: [1, 2], registers: [registry] });
  const child = h.labels("a");
  for (const v of [0.5, 1, 1.5, 3]) child.observe(v);
  const samples = parseExposition(await registry.metrics()).get("d")!.samples;
  const value = (name: string, le?: string): number | undefined => samples.find((s) => s.name === name && (le === undefined || s.labels["le"] === le))?.value;
  assert.is(value("d_bucket", "1"), 2);
  assert.is(value("d_bucket", "2"), 3);
  assert.is(value("d_bucket", "+Inf"), 4);
  assert.is(value("d_sum"), 6);
  assert.is(value("d_count"), 4);
});

test("labels() returns the same child for the same values, positional or by name; bad label sets throw as prom-client does", () => {
  const c = new HotCounter({ name: "c_total", help: "c", labelNames: ["a", "b"] });
  assert.is(c.labels("1", "2"), c.labels({ a: "1", b: "2" }));
  assert.throws(() => c.labels("1"), /Invalid number of arguments/);
  assert.throws(() => c.labels({ a: "1", z: "2" } as never), /not included in initial labelset/);
  assert.throws(() => c.labels("1", "2").inc(-1), /not possible to decrease/);
});

test("reset drops every series; an unlabelled metric starts again at zero", async () => {
  const registry = new Registry();
  const c = new HotCounter({ name: "c_total", help: "c", labelNames: ["a"], registers: [registry] });
  const plain = new HotGauge({ name: "g", help: "g", registers: [registry] });
  c.labels("x").inc();
  plain.set(5);
  c.reset();
  plain.reset();
  const text = await registry.metrics();
  assert.not.match(text, /c_total\{/);
  assert.match(text, /^g 0$/m);
});

test.run();
