/** ingress-nginx's routing model: the Ingress spec's host and path matching, merging, canaries, and its webhook's checks. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Ingress, IngressClass, HTTPIngressPath } from "kubernetes-types/networking/v1.js";
import { buildRoutingModel, findLocation, findServer, upstreamName } from "../../plugins/ingress-nginx/routing-model.js";
import { decodeReview, ingressProblems, reviewIngress } from "../../plugins/ingress-nginx/admission.js";
import { parseAnnotations, parseNginxSize } from "../../plugins/ingress-nginx/annotations.js";

let seq = 0;
function ing(name: string, rules: { host?: string; paths: [string, HTTPIngressPath["pathType"], string][] }[], extra: { annotations?: Record<string, string>; defaultBackend?: string; created?: string } = {}): Ingress {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name, namespace: "default", creationTimestamp: extra.created ?? `2026-01-01T00:00:${String(seq++).padStart(2, "0")}Z`, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
    spec: {
      ingressClassName: "nginx",
      ...(extra.defaultBackend ? { defaultBackend: { service: { name: extra.defaultBackend, port: { number: 80 } } } } : {}),
      rules: rules.map((r) => ({ ...(r.host ? { host: r.host } : {}), http: { paths: r.paths.map(([path, pathType, svc]) => ({ path, pathType, backend: { service: { name: svc, port: { number: 80 } } } })) } })),
    },
  };
}

/** Which Service answers `host` + `path`, or "404" for the default backend. */
function route(model: ReturnType<typeof buildRoutingModel>, host: string, path: string): string {
  const { location } = findLocation(findServer(model, host), path);
  return location.backend?.service ?? "404";
}

test("path matching per the Ingress specification (exact, prefix element-wise, longest match, Exact over Prefix)", () => {
  const model = buildRoutingModel([
    ing("paths", [{ host: "foo.bar.com", paths: [
      ["/", "Prefix", "root"],
      ["/foo", "Exact", "foo-exact"],
      ["/foo", "Prefix", "foo-prefix"],
      ["/aaa/bbb", "Prefix", "aaa-bbb"],
      ["/aaa/bbb/", "Exact", "aaa-bbb-slash-exact"],
      ["/Case", "Exact", "case"],
      ["/impl", "ImplementationSpecific", "impl"],
    ] }]),
  ]);
  const table: [string, string][] = [
    ["/", "root"],
    ["/foo", "foo-exact"],
    ["/foo/", "foo-prefix"],
    ["/foo/bar", "foo-prefix"],
    ["/foobar", "root"],
    ["/aaa/bbb", "aaa-bbb"],
    ["/aaa/bbb/", "aaa-bbb-slash-exact"],
    ["/aaa/bbb/ccc", "aaa-bbb"],
    ["/aaa/bbbxyz", "root"],
    ["/Case", "case"],
    ["/case", "root"],
    ["/impl", "impl"],
    ["/implementation", "impl"], // ImplementationSpecific is nginx's plain string prefix
    ["/other", "root"],
  ];
  for (const [path, want] of table) assert.is(route(model, "foo.bar.com", path), want, path);
});

test("host matching: exact (case-insensitive, port ignored), one-label wildcards, rules without a host, unknown hosts get 404", () => {
  const model = buildRoutingModel([
    ing("hosts", [
      { host: "foo.bar.com", paths: [["/", "Prefix", "exact"]] },
      { host: "*.bar.com", paths: [["/", "Prefix", "wild"]] },
    ]),
  ]);
  assert.is(route(model, "foo.bar.com", "/"), "exact");
  assert.is(route(model, "FOO.Bar.com:8080", "/"), "exact");
  assert.is(route(model, "baz.bar.com", "/"), "wild");
  assert.is(route(model, "a.baz.bar.com", "/"), "404");
  assert.is(route(model, "bar.com", "/"), "404");
  assert.is(route(model, "other.example", "/"), "404");
  const catchAll = buildRoutingModel([ing("any", [{ paths: [["/", "Prefix", "any-host"]] }])]);
  assert.is(route(catchAll, "whatever.example", "/x"), "any-host");
});

test("several Ingresses for one host merge; the oldest keeps a path both define; default backends", () => {
  const model = buildRoutingModel([
    ing("b", [{ host: "shop.example.com", paths: [["/cart", "Prefix", "cart-new"]] }], { created: "2026-01-02T00:00:00Z" }),
    ing("a", [{ host: "shop.example.com", paths: [["/cart", "Prefix", "cart-old"], ["/api", "Prefix", "api"]] }], { created: "2026-01-01T00:00:00Z" }),
    ing("c", [{ host: "shop.example.com", paths: [["/web", "Prefix", "web"]] }], { defaultBackend: "shop-default" }),
    ing("d", [], { defaultBackend: "cluster-default" }),
  ]);
  assert.is(route(model, "shop.example.com", "/cart"), "cart-old");
  assert.is(route(model, "shop.example.com", "/api/v1"), "api");
  assert.is(route(model, "shop.example.com", "/web"), "web");
  assert.is(route(model, "shop.example.com", "/elsewhere"), "shop-default");
  assert.is(route(model, "unknown.example", "/"), "cluster-default");
});

test("use-regex and rewrite-target make the host's paths case-insensitive regexes with capture groups", () => {
  const model = buildRoutingModel([ing("re", [{ host: "re.example", paths: [["/something(/|$)(.*)", "ImplementationSpecific", "svc"]] }], { annotations: { "nginx.ingress.kubernetes.io/rewrite-target": "/$2" } })]);
  const { location, match } = findLocation(findServer(model, "re.example"), "/SOMETHING/new");
  assert.is(location.backend?.service, "svc");
  assert.is(match?.[2], "new");
  assert.is(location.annotations.rewriteTarget, "/$2");
});

test("a stored path that is no regex is dropped and reported, the host's other paths still route", () => {
  const model = buildRoutingModel([ing("bad", [{ host: "re.example", paths: [["/ok", "ImplementationSpecific", "good"], ["/bad(", "ImplementationSpecific", "broken"]] }], { annotations: { "nginx.ingress.kubernetes.io/use-regex": "true" } })]);
  assert.is(route(model, "re.example", "/ok"), "good");
  assert.is(route(model, "re.example", "/bad("), "404");
  assert.equal(model.skipped.map((s) => s.reason), ["path /bad( is not a valid regular expression"]);
});

test("a canary Ingress attaches to the location it shadows; upstream names are namespace-service-port", () => {
  const model = buildRoutingModel([
    ing("main", [{ host: "c.example", paths: [["/", "Prefix", "stable"]] }]),
    ing("canary", [{ host: "c.example", paths: [["/", "Prefix", "canary"]] }], { annotations: { "nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-by-header": "X-Canary" } }),
  ]);
  const { location } = findLocation(findServer(model, "c.example"), "/");
  assert.is(location.backend?.service, "stable");
  assert.is(location.canary?.backend.service, "canary");
  assert.is(upstreamName(location.backend), "default-stable-80");
});

test("annotations: sizes, bad values refused with the webhook's words", () => {
  assert.is(parseNginxSize("8m"), 8 * 1024 * 1024);
  assert.is(parseNginxSize("512k"), 512 * 1024);
  assert.is(parseNginxSize("0"), 0);
  assert.is(parseNginxSize("lots"), undefined);
  assert.is(parseAnnotations({}).proxyBodySize, 1024 * 1024);
  assert.throws(() => parseAnnotations({ "nginx.ingress.kubernetes.io/canary-weight": "abc" }), /annotation nginx.ingress.kubernetes.io\/canary-weight contains invalid value/);
  assert.throws(() => parseAnnotations({ "nginx.ingress.kubernetes.io/whitelist-source-range": "10.0.0.0/40" }), /invalid CIDR address: 10.0.0.0\/40/);
});

test("the webhook's checks: host+path already defined elsewhere (whatever the pathType), regex characters with Prefix; resource backends pass", () => {
  const existing = ing("first", [{ host: "dup.example", paths: [["/", "Prefix", "a"]] }]);
  const dup = ing("second", [{ host: "dup.example", paths: [["/", "Prefix", "b"]] }]);
  assert.equal(ingressProblems(dup, [existing]), [`host "dup.example" and path "/" is already defined in ingress default/first`]);
  assert.equal(ingressProblems(existing, [existing]), []);
  const regex = ing("regex", [{ host: "r.example", paths: [["/foo(.*)", "Prefix", "a"]] }]);
  assert.equal(ingressProblems(regex, []), ["ingress contains invalid paths: path /foo(.*) cannot be used with pathType Prefix"]);
  const resource: Ingress = { ...existing, metadata: { ...existing.metadata, name: "res" }, spec: { defaultBackend: { resource: { apiGroup: "k8s.example.com", kind: "StorageBucket", name: "static" } } } };
  assert.equal(ingressProblems(resource, []), []);
  const exact = ing("third", [{ host: "dup.example", paths: [["/", "Exact", "c"]] }]);
  assert.equal(ingressProblems(exact, [existing]), [`host "dup.example" and path "/" is already defined in ingress default/first`]);
  const hostless = ing("fourth", [{ paths: [["/x", "Prefix", "d"]] }]);
  assert.equal(ingressProblems(hostless, [ing("fifth", [{ paths: [["/x", "Prefix", "e"]] }])]), [`host "_" and path "/x" is already defined in ingress default/fifth`]);
});

test("the webhook's AdmissionReview: allowed with the request's uid, refused as a 400 BadRequest with the first problem, other classes not looked at, a non-Ingress an error", () => {
  const nginxClass: IngressClass = { apiVersion: "networking.k8s.io/v1", kind: "IngressClass", metadata: { name: "nginx" }, spec: { controller: "k8s.io/ingress-nginx" } };
  const existing = ing("first", [{ host: "dup.example", paths: [["/", "Prefix", "a"]] }]);
  const review = (object: Ingress) => ({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: { uid: "u-1", kind: { group: "networking.k8s.io", version: "v1", kind: "Ingress" }, name: object.metadata!.name!, namespace: "default", object } });
  const ok = reviewIngress(review(ing("fine", [{ host: "ok.example", paths: [["/", "Prefix", "a"]] }])), [nginxClass], [existing]);
  assert.is(ok.problem, undefined);
  assert.equal((ok.review as { response: unknown }).response, { uid: "u-1", allowed: true });
  const dup = reviewIngress(review(ing("second", [{ host: "dup.example", paths: [["/", "Prefix", "b"]] }])), [nginxClass], [existing]);
  assert.equal((dup.review as { response: unknown }).response, { uid: "u-1", allowed: false, status: { metadata: {}, status: "Failure", message: `host "dup.example" and path "/" is already defined in ingress default/first`, reason: "BadRequest", code: 400 } });
  const other = ing("other", [{ host: "dup.example", paths: [["/", "Prefix", "b"]] }]);
  other.spec!.ingressClassName = "traefik";
  assert.equal((reviewIngress(review(other), [nginxClass], [existing]).review as { response: unknown }).response, { uid: "u-1", allowed: true });
  const cm = { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: { uid: "u-2", kind: { group: "", version: "v1", kind: "ConfigMap" }, name: "cm", namespace: "default" } };
  assert.throws(() => reviewIngress(cm, [nginxClass], []), (e: Error) => e.message === "rejecting admission review because the request does not contain an Ingress resource but /v1, Kind=ConfigMap with name cm in namespace default");
});

test("the webhook's request body: a JSON object decodes; anything else (not JSON, null, an array, a string) is a decoding error, which the pod answers 400", () => {
  assert.equal(decodeReview(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`), { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview" });
  for (const body of ["", "{", "null", "[]", `"x"`, "7"]) assert.throws(() => decodeReview(body), undefined, `body ${JSON.stringify(body)} decoded`);
  // A decodable object that is no AdmissionReview is the handler's error (a 500, as upstream's).
  assert.throws(() => reviewIngress(decodeReview("{}"), [], []), (e: Error) => e.message === "request is not of type AdmissionReview v1 or v1beta1");
});

test("resource backends are ignored as ingress-nginx ignores them: the path falls to what else matches, a resource defaultBackend leaves the default backend", () => {
  const withResource: Ingress = {
    ...ing("res", [{ host: "r.example", paths: [["/api", "Prefix", "api"]] }]),
  };
  withResource.spec!.rules![0]!.http!.paths.push({ path: "/static", pathType: "Prefix", backend: { resource: { apiGroup: "k8s.example.com", kind: "StorageBucket", name: "static" } } });
  withResource.spec!.defaultBackend = { resource: { apiGroup: "k8s.example.com", kind: "StorageBucket", name: "fallback" } };
  const model = buildRoutingModel([withResource]);
  assert.is(route(model, "r.example", "/api/x"), "api");
  assert.is(route(model, "r.example", "/static/x"), "404");
  assert.is(route(model, "other.example", "/"), "404");
  assert.equal(model.skipped.map((s) => s.reason), ["spec.defaultBackend does not contain a service backend, using default backend", "path /static does not contain a service backend, using default backend"]);
});

test("load-balance: the oldest Ingress naming an upstream sets its algorithm, else the ConfigMap's (round_robin by default); bad values refused", () => {
  const model = buildRoutingModel(
    [
      ing("new", [{ host: "b.example", paths: [["/", "Prefix", "shared"]] }], { created: "2026-01-02T00:00:00Z" }),
      ing("old", [{ host: "a.example", paths: [["/", "Prefix", "shared"]] }], { created: "2026-01-01T00:00:00Z", annotations: { "nginx.ingress.kubernetes.io/load-balance": "ewma" } }),
      ing("plain", [{ host: "c.example", paths: [["/", "Prefix", "other"]] }]),
    ],
    { loadBalance: "round_robin" },
  );
  assert.is(findLocation(findServer(model, "b.example"), "/").location.loadBalance, "ewma");
  assert.is(findLocation(findServer(model, "c.example"), "/").location.loadBalance, "round_robin");
  const configured = buildRoutingModel([ing("plain", [{ host: "c.example", paths: [["/", "Prefix", "other"]] }])], { loadBalance: "ewma" });
  assert.is(findLocation(findServer(configured, "c.example"), "/").location.loadBalance, "ewma");
  assert.throws(() => parseAnnotations({ "nginx.ingress.kubernetes.io/load-balance": "least_conn" }), /annotation nginx.ingress.kubernetes.io\/load-balance contains invalid value/);
});

test.run();
