import { test } from "uvu";
import * as assert from "uvu/assert";
import { ENDPOINT_SLICE } from "../../../core/api/builtin/discovery/endpoint-slice.js";
import { LEASE } from "../../../core/api/builtin/coordination/lease.js";
import type { ApiTypeRegistration } from "../../../core/api/strategy.js";
import { create, update } from "./strategy-harness.js";

const SLICE = ENDPOINT_SLICE as ApiTypeRegistration;
const L = LEASE as ApiTypeRegistration;

test("EndpointSlice defaults and validation", () => {
  const slice = { metadata: { name: "web-abc", namespace: "default" }, addressType: "IPv4", endpoints: [{ addresses: ["10.244.1.5"], conditions: { ready: true } }], ports: [{ port: 80 }] };
  const { obj, errors } = create(SLICE, slice);
  assert.equal(errors, []);
  assert.equal(obj.ports, [{ port: 80, name: "", protocol: "TCP" }]);
  assert.equal(create(SLICE, { ...slice, addressType: undefined }).errors, ["addressType: Required value"]);
  assert.equal(create(SLICE, { ...slice, endpoints: [{ addresses: ["fe80::1"] }] }).errors, ['endpoints[0].addresses[0]: Invalid value: "fe80::1": must be a valid IPv4 address']);
  assert.equal(create(SLICE, { ...slice, endpoints: [{ addresses: [] }] }).errors, ["endpoints[0].addresses: Required value: must contain at least 1 address"]);
  assert.equal(create(SLICE, { ...slice, ports: [{ name: "http", port: 80 }, { name: "http", port: 81 }] }).errors, ['ports[1].name: Duplicate value: "http"']);
  assert.equal(update(SLICE, { ...obj, addressType: "IPv6", endpoints: [] }, obj).errors, ['addressType: Invalid value: "IPv6": field is immutable']);
});

test("Lease validation", () => {
  const lease = (spec: Record<string, unknown>) => ({ metadata: { name: "node-1", namespace: "kube-node-lease" }, spec });
  assert.equal(create(L, lease({ holderIdentity: "node-1", leaseDurationSeconds: 40 })).errors, []);
  assert.equal(create(L, lease({ leaseDurationSeconds: 0 })).errors, ["spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0"]);
  assert.equal(create(L, lease({ leaseTransitions: -1 })).errors, ["spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0"]);
  assert.equal(create(L, lease({ preferredHolder: "b" })).errors, ["spec.preferredHolder: Forbidden: may only be specified if `strategy` is defined"]);
});

test.run();
