/** The JSON paths of CRD printer columns: fields, indexes, quoted keys, wildcards and filters (first result, as kube-apiserver shows). */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { evaluateSimpleJsonPath, parseSimpleJsonPath } from "../../core/apiserver/printers/simple-json-path.js";

const obj = {
  metadata: { labels: { "app.kubernetes.io/name": "web" } },
  status: {
    addresses: [{ type: "IPAddress", value: "10.0.0.1" }, { type: "IPAddress", value: "10.0.0.2" }],
    conditions: [
      { type: "Accepted", status: "True", observedGeneration: 1 },
      { type: "Programmed", status: "False", observedGeneration: 2 },
    ],
  },
};
const at = (path: string): unknown => evaluateSimpleJsonPath(obj, parseSimpleJsonPath(path));

test("fields, indexes and quoted keys", () => {
  assert.is(at(".status.conditions[1].type"), "Programmed");
  assert.is(at(".status.conditions[-1].status"), "False");
  assert.is(at(".metadata.labels['app\\.kubernetes\\.io/name']"), "web");
  assert.is(at(".spec.missing"), undefined);
});

test("wildcards give the first result; filters pick by field value (strings, numbers) or presence", () => {
  assert.is(at(".status.addresses[*].value"), "10.0.0.1");
  assert.is(at(`.status.conditions[?(@.type=="Programmed")].status`), "False");
  assert.is(at(`.status.conditions[?(@.type=='Accepted')].status`), "True");
  assert.is(at(`.status.conditions[?(@.observedGeneration==2)].type`), "Programmed");
  assert.is(at(`.status.conditions[?(@.type!="Accepted")].type`), "Programmed");
  assert.is(at(`.status.conditions[?(@.type=="Missing")].status`), undefined);
  assert.is(at(`{.status.conditions[?(@.observedGeneration)].type}`), "Accepted");
});

test("unsupported syntax is refused with the path named", () => {
  assert.throws(() => parseSimpleJsonPath(".a[?(@.x > 1)]"), /unsupported JSON path element .* in \.a\[\?\(@\.x > 1\)\]/);
});

test.run();
