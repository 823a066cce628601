/** The strict exposition parser the metrics tests rely on: it must refuse what Prometheus refuses. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseExposition, sampleValue } from "../support/prometheus-text.js";

const good = `# HELP requests_total Requests.
# TYPE requests_total counter
requests_total{code="200",path="/a \\"q\\"\\n"} 3
requests_total{code="500"} 1e0
# TYPE latency_seconds histogram
latency_seconds_bucket{le="0.1"} 1
latency_seconds_bucket{le="+Inf"} 2
latency_seconds_sum 0.5
latency_seconds_count 2
up 1 1700000000000
`;

test("parses families, labels with escapes, histograms and untyped samples", () => {
  const f = parseExposition(good);
  assert.is(f.get("requests_total")?.type, "counter");
  assert.is(f.get("requests_total")?.samples[0]?.labels["path"], '/a "q"\n');
  assert.is(sampleValue(f, "requests_total"), 4);
  assert.is(sampleValue(f, "latency_seconds_count"), 2);
  assert.is(f.get("latency_seconds")?.samples.length, 4);
  assert.is(f.get("up")?.type, "untyped");
});

const bad: [string, string][] = [
  ["a bad metric name", "9bad 1\n"],
  ["an unquoted label value", "m{a=b} 1\n"],
  ["an unknown escape", 'm{a="\\x"} 1\n'],
  ["a missing value", "m{a=\"b\"}\n"],
  ["a non-numeric value", "m 1,5\n"],
  ["a TYPE after samples", "m 1\n# TYPE m gauge\n"],
  ["an unknown type", "# TYPE m meter\n"],
  ["a family split in two", "a 1\nb 1\na{x=\"1\"} 2\n"],
  ["a duplicate series", 'm{a="1"} 1\nm{a="1"} 2\n'],
  ["a histogram without +Inf", '# TYPE h histogram\nh_bucket{le="1"} 1\nh_count 1\n'],
  ["decreasing buckets", '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\n'],
  ["a count that is not the +Inf bucket", '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_count 3\n'],
  ["no final newline", "m 1"],
  ["a negative counter", "# TYPE c counter\nc -1\n"],
];
for (const [what, text] of bad) {
  test(`refuses ${what}`, () => {
    assert.throws(() => parseExposition(text));
  });
}

test.run();
