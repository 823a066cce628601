import { test } from "uvu";
import * as assert from "uvu/assert";
import { INGRESS } from "../../../core/api/builtin/networking/ingress.js";
import { INGRESS_CLASS } from "../../../core/api/builtin/networking/ingress-class.js";
import { NETWORK_POLICY } from "../../../core/api/builtin/networking/network-policy.js";
import type { ApiTypeRegistration } from "../../../core/api/strategy.js";
import { create, update } from "./strategy-harness.js";

const ING = INGRESS as ApiTypeRegistration;
const CLASS = INGRESS_CLASS as ApiTypeRegistration;
const NETPOL = NETWORK_POLICY as ApiTypeRegistration;
const backend = { service: { name: "web", port: { number: 80 } } };
const ingress = (path: Record<string, unknown>, host = "shop.example.com") => ({
  metadata: { name: "shop", namespace: "default" },
  spec: { ingressClassName: "nginx", rules: [{ host, http: { paths: [{ path: "/", pathType: "Prefix", backend, ...path }] } }] },
});

test("Ingress: valid rule passes, status starts with an empty load balancer", () => {
  const { obj, errors } = create(ING, ingress({}));
  assert.equal(errors, []);
  assert.equal(obj.status, { loadBalancer: {} });
});

test("Ingress validation causes", () => {
  const cases: [object, string][] = [
    [ingress({ pathType: undefined }), "spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified"],
    [ingress({ pathType: "Regex" }), 'spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "Prefix", "ImplementationSpecific"'],
    [ingress({ path: "api" }), 'spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path'],
    [ingress({ path: "/a//b" }), "spec.rules[0].http.paths[0].path: Invalid value: \"/a//b\": must not contain '//'"],
    [ingress({ backend: {} }), 'spec.rules[0].http.paths[0].backend: Invalid value: "": resource or service backend is required'],
    [ingress({ backend: { ...backend, resource: { kind: "Bucket", name: "b" } } }), 'spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both resource and service backends'],
    [ingress({ backend: { service: { name: "web", port: {} } } }), "spec.rules[0].http.paths[0].backend.service.port: Required value: port name or number is required"],
    [ingress({}, "10.0.0.1"), 'spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address'],
    [{ metadata: { name: "x", namespace: "default" }, spec: {} }, "spec: Invalid value: null: either `defaultBackend` or `rules` must be specified"],
  ];
  for (const [obj, want] of cases) {
    const { errors } = create(ING, obj);
    assert.ok(errors.includes(want), `${JSON.stringify(obj)} → ${JSON.stringify(errors)}`);
  }
  assert.equal(create(ING, ingress({}, "*.example.com")).errors, []);
});

test("IngressClass: controller required, domain-prefixed, immutable", () => {
  const cls = (controller?: string) => ({ metadata: { name: "nginx" }, spec: { controller } });
  assert.equal(create(CLASS, cls()).errors, ["spec.controller: Required value"]);
  assert.equal(create(CLASS, cls("nginx")).errors, ['spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")']);
  const { obj } = create(CLASS, cls("k8s.io/ingress-nginx"));
  assert.equal(create(CLASS, cls("k8s.io/ingress-nginx")).errors, []);
  assert.equal(update(CLASS, { ...obj, spec: { controller: "example.com/other" } }, obj).errors, ['spec.controller: Invalid value: "example.com/other": field is immutable']);
});

test("NetworkPolicy defaults: policyTypes and TCP ports", () => {
  const ingressOnly = create(NETPOL, { metadata: { name: "p", namespace: "default" }, spec: { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] } }).obj;
  assert.equal(ingressOnly.spec.policyTypes, ["Ingress"]);
  assert.equal(ingressOnly.spec.ingress[0].ports[0], { port: 80, protocol: "TCP" });
  assert.is(ingressOnly.metadata.generation, 1);
  const both = create(NETPOL, { metadata: { name: "p", namespace: "default" }, spec: { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/8" } }] }] } }).obj;
  assert.equal(both.spec.policyTypes, ["Ingress", "Egress"]);
  const own = create(NETPOL, { metadata: { name: "p", namespace: "default" }, spec: { podSelector: {}, policyTypes: ["Egress"] } }).obj;
  assert.equal(own.spec.policyTypes, ["Egress"]);
});

test("NetworkPolicy validation causes", () => {
  const np = (spec: Record<string, unknown>) => ({ metadata: { name: "p", namespace: "default" }, spec: { podSelector: {}, ...spec } });
  const cases: [Record<string, unknown>, string][] = [
    [{ ingress: [{ from: [{}] }] }, "spec.ingress[0].from[0]: Required value: must specify a peer"],
    [{ ingress: [{ from: [{ podSelector: {}, ipBlock: { cidr: "10.0.0.0/8" } }] }] }, "spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer"],
    [{ egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["192.168.0.0/16"] } }] }] }, 'spec.egress[0].to[0].ipBlock.except[0]: Invalid value: "192.168.0.0/16": must be a strict subset of `cidr`'],
    [{ egress: [{ to: [{ ipBlock: { cidr: "nope" } }] }] }, 'spec.egress[0].to[0].ipBlock.cidr: Invalid value: "nope": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'],
    [{ ingress: [{ ports: [{ port: 90, endPort: 80 }] }] }, "spec.ingress[0].ports[0].endPort: Invalid value: 80: must be greater than or equal to `port`"],
    [{ ingress: [{ ports: [{ port: 80, protocol: "ICMP" }] }] }, 'spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"'],
    [{ policyTypes: ["Sideways"] }, 'spec.policyTypes[0]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"'],
  ];
  for (const [spec, want] of cases) {
    const { errors } = create(NETPOL, np(spec));
    assert.ok(errors.includes(want), `${JSON.stringify(spec)} → ${JSON.stringify(errors)}`);
  }
});

test.run();
