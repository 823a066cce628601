/** GRPCRoute matches compiled as the controller serves them: Exact and RegularExpression methods, headers, precedence. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Service } from "kubernetes-types/core/v1.js";
import { compileGateways, findGatewayMatch } from "../../plugins/ingress-nginx/index.js";
import type { GRPCRoute } from "../../plugins/ingress-nginx/gateway/types.js";

const svc = (name: string): Service => ({ metadata: { name, namespace: "default" }, spec: { ports: [{ port: 50051 }] } });
const services = new Map(["a", "b", "c", "d"].map((n) => [n, svc(n)]));
const route = (name: string, created: string, rules: NonNullable<GRPCRoute["spec"]>["rules"]): GRPCRoute => ({ metadata: { name, namespace: "default", creationTimestamp: created, generation: 1 }, spec: { parentRefs: [{ name: "gw" }], hostnames: ["g.example.com"], rules } });
const compile = (routes: GRPCRoute[]) =>
  compileGateways({
    controllerName: "k8s.io/ingress-nginx",
    classes: [{ metadata: { name: "nginx" }, spec: { controllerName: "k8s.io/ingress-nginx" } }],
    gateways: [{ metadata: { name: "gw", namespace: "default" }, spec: { gatewayClassName: "nginx", listeners: [{ name: "http", protocol: "HTTP", port: 80 }] } }],
    routes: [],
    grpcRoutes: routes,
    grants: [],
    services: (ns, name) => (ns === "default" ? services.get(name) : undefined),
    namespace: () => undefined,
    secretExists: () => false,
    now: "2026-01-01T00:00:00Z",
  });
const served = (c: ReturnType<typeof compile>, path: string, headers: Record<string, string> = {}) =>
  findGatewayMatch(c.routes.grpc.http, { host: "g.example.com", path, query: new URLSearchParams(), method: "POST", headers: { "content-type": "application/grpc", ...headers } })?.backends[0]?.backend?.service;

test("Exact service and method, service alone, method alone, and no match; the most specific wins", () => {
  const c = compile([
    route("r", "2026-01-01T00:00:00Z", [
      { matches: [{ method: { service: "pkg.Svc", method: "Get" } }], backendRefs: [{ name: "a", port: 50051 }] },
      { matches: [{ method: { service: "pkg.Svc" } }], backendRefs: [{ name: "b", port: 50051 }] },
      { matches: [{ method: { method: "Watch" } }], backendRefs: [{ name: "c", port: 50051 }] },
      { backendRefs: [{ name: "d", port: 50051 }] },
    ]),
  ]);
  assert.is(served(c, "/pkg.Svc/Get"), "a");
  assert.is(served(c, "/pkg.Svc/List"), "b");
  assert.is(served(c, "/pkg.Svc/Watch"), "b", "a service match outranks a method match");
  assert.is(served(c, "/other.Svc/Watch"), "c");
  assert.is(served(c, "/other.Svc/Get"), "d");
  assert.is(served(c, "/pkg.SvcX/Get"), "d", "the service name is matched whole");
});

test("RegularExpression methods and header matches; more header matches win on equal method specificity", () => {
  const c = compile([
    route("r", "2026-01-01T00:00:00Z", [
      { matches: [{ method: { type: "RegularExpression", service: "pkg\\..*", method: "Get.*" } }], backendRefs: [{ name: "a", port: 50051 }] },
      { matches: [{ method: { type: "RegularExpression", service: "pkg\\..*", method: "Get.*" }, headers: [{ name: "x-env", value: "canary" }] }], backendRefs: [{ name: "b", port: 50051 }] },
    ]),
  ]);
  assert.is(served(c, "/pkg.One/GetThing"), "a");
  assert.is(served(c, "/pkg.One/GetThing", { "x-env": "canary" }), "b");
  assert.is(served(c, "/pkg.One/List"), undefined);
});

test("status: Accepted and ResolvedRefs per parent, BackendNotFound for a missing Service; kept apart from HTTPRoutes of the same name", () => {
  const c = compile([route("r", "2026-01-01T00:00:00Z", [{ backendRefs: [{ name: "missing", port: 1 }] }])]);
  const parents = c.statuses.grpcRoutes.get("default/r")!;
  assert.is(parents[0]!.conditions.find((x) => x.type === "Accepted")!.status, "True");
  const refs = parents[0]!.conditions.find((x) => x.type === "ResolvedRefs")!;
  assert.equal([refs.status, refs.reason], ["False", "BackendNotFound"]);
  assert.is(c.statuses.routes.get("default/r"), undefined);
  assert.is(c.routes.http.length, 0, "GRPCRoute matches are not HTTPRoute matches");
});

test.run();
