/**
 * The Gateway API served by the ingress-nginx plugin: standard-channel CRDs installed, GatewayClass
 * `nginx` accepted, Gateway listeners programmed with attached routes, HTTPRoute matches (path,
 * header, precedence), filters (header modifier, redirect, rewrite), weighted backendRefs,
 * ReferenceGrant across namespaces, HTTPS listener certificates by SNI — over real HTTP.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Deployment } from "kubernetes-types/apps/v1.js";
import type { Condition } from "kubernetes-types/meta/v1.js";
import type { KubeObject } from "../../core/api/object.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { DEFAULT_PLUGINS } from "../../core/cluster/default-distribution.js";
import { selfSignedCertificate } from "../../core/apiserver/http/tls.js";
import { ingressNginx, IngressHostPortsToken } from "../../plugins/ingress-nginx/index.js";
import { echoApp, hostRequest, type Echo } from "./harness.js";

const cluster = new Cluster({ clock: "real", seed: 11, nodes: 2, plugins: [...DEFAULT_PLUGINS] }).use(ingressNginx({ httpPort: 0, httpsPort: 0 }));
await cluster.start();
const ports = cluster.resolve(IngressHostPortsToken);
const cert = await selfSignedCertificate("secure.gw.example.com", ["secure.gw.example.com"]);

await cluster.apply(`
apiVersion: v1
kind: Namespace
metadata: {name: other}
---${echoApp("echo-a", { port: 8080 })}---${echoApp("echo-b", { port: 8080 })}---${echoApp("echo-c", { namespace: "other", port: 8080 })}
---
apiVersion: v1
kind: Secret
metadata: {name: gw-tls, namespace: default}
type: kubernetes.io/tls
data: {tls.crt: ${Buffer.from(cert.certPem).toString("base64")}, tls.key: ${Buffer.from(cert.keyPem).toString("base64")}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: nginx
  listeners:
  - {name: http, protocol: HTTP, port: 80, allowedRoutes: {namespaces: {from: All}}}
  - {name: https, protocol: HTTPS, port: 443, hostname: secure.gw.example.com, tls: {mode: Terminate, certificateRefs: [{name: gw-tls}]}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: main, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: [gw.example.com, secure.gw.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /v2}}]
    backendRefs: [{name: echo-b, port: 8080}]
  - matches: [{headers: [{name: X-Env, value: canary}]}]
    backendRefs: [{name: echo-b, port: 8080}]
  - matches: [{path: {type: Exact, value: /old}}]
    filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplaceFullPath, replaceFullPath: /new}, statusCode: 301}}]
  - matches: [{path: {type: PathPrefix, value: /rewrite}}]
    filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /api}}}]
    backendRefs: [{name: echo-a, port: 8080}]
  - filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-Added, value: "yes"}]}}, {type: ResponseHeaderModifier, responseHeaderModifier: {add: [{name: X-Served-By, value: gateway}]}}]
    backendRefs: [{name: echo-a, port: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: weighted, namespace: default}
spec:
  parentRefs: [{name: gw, sectionName: http}]
  hostnames: [w.example.com]
  rules: [{backendRefs: [{name: echo-a, port: 8080, weight: 0}, {name: echo-b, port: 8080, weight: 1}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: cross, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: [cross.example.com]
  rules: [{backendRefs: [{name: echo-c, namespace: other, port: 8080}]}]
`);
for (const [name, ns] of [["echo-a", "default"], ["echo-b", "default"], ["echo-c", "other"]]) await cluster.waitFor<Deployment>("Deployment", (d) => d.metadata?.name === name && d.status?.readyReplicas === 1, { namespace: ns, timeout: 30_000 });
await cluster.waitFor("Pod", (p: KubeObject & { status?: { phase?: string } }) => p.status?.phase === "Running", { namespace: "ingress-nginx", timeout: 30_000 });

const get = (host: string, target: string, headers: Record<string, string> = {}) => hostRequest(ports.httpPort, host, target, { headers });
const service = async (host: string, target: string, headers: Record<string, string> = {}): Promise<string> => (JSON.parse((await get(host, target, headers)).body) as Echo).service;
const condition = (conds: Condition[] | undefined, type: string): string => { const c = conds?.find((x) => x.type === type); return `${c?.status}/${c?.reason}`; };

test("the standard-channel CRDs are served and the nginx GatewayClass, Gateway and HTTPRoutes get their status", async () => {
  const gc = await cluster.waitFor<KubeObject & { status?: { conditions?: Condition[] } }>({ group: "gateway.networking.k8s.io", version: "v1", resource: "gatewayclasses" }, (g) => condition(g.status?.conditions, "Accepted") === "True/Accepted", { timeout: 10_000 });
  assert.is(gc.metadata?.name, "nginx");
  type Gw = KubeObject & { status?: { addresses?: { type: string; value: string }[]; conditions?: Condition[]; listeners?: { name: string; attachedRoutes: number; conditions: Condition[] }[] } };
  const gw = await cluster.waitFor<Gw>({ group: "gateway.networking.k8s.io", version: "v1", resource: "gateways" }, (g) => condition(g.status?.conditions, "Programmed") === "True/Programmed" && (g.status?.addresses?.length ?? 0) > 0 && g.status?.listeners?.[0]?.attachedRoutes === 3, { namespace: "default", timeout: 10_000 });
  assert.match(gw.status!.addresses![0]!.value, /^172\.18\.0\.\d+$/);
  assert.is(gw.status!.addresses![0]!.type, "IPAddress");
  assert.equal(gw.status!.listeners!.map((l) => [l.name, l.attachedRoutes, condition(l.conditions, "ResolvedRefs")]), [["http", 3, "True/ResolvedRefs"], ["https", 1, "True/ResolvedRefs"]]);
  type Route = KubeObject & { status?: { parents?: { controllerName: string; conditions: Condition[] }[] } };
  const route = await cluster.waitFor<Route>({ group: "gateway.networking.k8s.io", version: "v1", resource: "httproutes" }, (r) => r.metadata?.name === "main" && (r.status?.parents?.length ?? 0) > 0, { namespace: "default", timeout: 10_000 });
  assert.is(route.status!.parents![0]!.controllerName, "k8s.io/ingress-nginx");
  assert.is(condition(route.status!.parents![0]!.conditions, "Accepted"), "True/Accepted");
});

test("HTTPRoute matching: path prefix, header match, the catch-all rule with header modifiers", async () => {
  assert.is(await service("gw.example.com", "/v2/items"), "echo-b");
  assert.is(await service("gw.example.com", "/v22"), "echo-a", "PathPrefix is element-wise");
  assert.is(await service("gw.example.com", "/", { "X-Env": "canary" }), "echo-b");
  const plain = await get("gw.example.com", "/anything");
  const doc = JSON.parse(plain.body) as Echo;
  assert.is(doc.service, "echo-a");
  assert.equal(doc.headers["X-Added"], ["yes"]);
  assert.is(plain.headers["x-served-by"], "gateway");
  assert.is((await get("unknown.example.com", "/")).status, 404, "no route for the host: the default backend");
});

test("filters: RequestRedirect and URLRewrite ReplacePrefixMatch; weighted backendRefs", async () => {
  const moved = await get("gw.example.com", "/old?x=1");
  assert.is(moved.status, 301);
  assert.is(moved.headers["location"], "http://gw.example.com/new?x=1");
  assert.is((JSON.parse((await get("gw.example.com", "/rewrite/v1")).body) as Echo).path, "/api/v1");
  for (let i = 0; i < 5; i++) assert.is(await service("w.example.com", "/"), "echo-b", "weight 0 never gets traffic");
});

test("a backendRef to another namespace needs a ReferenceGrant: 500 and RefNotPermitted until one exists", async () => {
  assert.is((await get("cross.example.com", "/")).status, 500);
  type Route = KubeObject & { status?: { parents?: { conditions: Condition[] }[] } };
  await cluster.waitFor<Route>({ group: "gateway.networking.k8s.io", version: "v1", resource: "httproutes" }, (r) => r.metadata?.name === "cross" && condition(r.status?.parents?.[0]?.conditions, "ResolvedRefs") === "False/RefNotPermitted", { namespace: "default", timeout: 10_000 });
  await cluster.apply(`
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: from-default, namespace: other}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: default}]
  to: [{group: "", kind: Service}]
`);
  await cluster.waitFor<Route>({ group: "gateway.networking.k8s.io", version: "v1", resource: "httproutes" }, (r) => r.metadata?.name === "cross" && condition(r.status?.parents?.[0]?.conditions, "ResolvedRefs") === "True/ResolvedRefs", { namespace: "default", timeout: 10_000 });
  assert.is(await service("cross.example.com", "/"), "echo-c");
});

test("an HTTPS listener serves its certificateRefs' certificate by SNI", async () => {
  const res = await hostRequest(ports.httpsPort, "secure.gw.example.com", "/v2", { tls: true });
  assert.match(res.subject ?? "", /CN=secure.gw.example.com/);
  assert.is((JSON.parse(res.body) as Echo).service, "echo-b");
});

test("the CRDs validate as upstream's: OpenAPI defaults and CEL rules refuse broken objects with their messages", async () => {
  const refused = async (yaml: string): Promise<string> => {
    try {
      await cluster.apply(yaml);
    } catch (err) {
      return (err as Error).message;
    }
    return "accepted";
  };
  const tlsOnHttp = await refused(`
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: bad-tls, namespace: default}
spec:
  gatewayClassName: nginx
  listeners: [{name: http, protocol: HTTP, port: 80, tls: {certificateRefs: [{name: gw-tls}]}}]
`);
  assert.match(tlsOnHttp, "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']");
  assert.match(tlsOnHttp, /Gateway.gateway.networking.k8s.io "bad-tls" is invalid/);
  const relative = await refused(`
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: bad-path, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules: [{matches: [{path: {type: PathPrefix, value: foo}}], backendRefs: [{name: echo-a, port: 8080}]}]
`);
  assert.match(relative, "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']");
  const noPort = await refused(`
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: bad-port, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: echo-a}]}]
`);
  assert.match(noPort, "Must have port for Service reference");
  // Defaults from the schema: the rule's match, the parentRef's group and kind, the backendRef's weight.
  await cluster.apply(`
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: defaults, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: [defaults.example.com]
  rules: [{backendRefs: [{name: echo-a, port: 8080}]}]
`);
  type Route = KubeObject & { spec: { parentRefs: Record<string, unknown>[]; rules: { matches: unknown[]; backendRefs: Record<string, unknown>[] }[] } };
  const route = await cluster.client.resource<Route>({ group: "gateway.networking.k8s.io", version: "v1", resource: "httproutes" }).get("defaults", { namespace: "default" });
  assert.equal(route.spec.rules[0]!.matches, [{ path: { type: "PathPrefix", value: "/" } }]);
  assert.equal(route.spec.parentRefs[0], { group: "gateway.networking.k8s.io", kind: "Gateway", name: "gw" });
  assert.is(route.spec.rules[0]!.backendRefs[0]!["weight"], 1);
  assert.is(await service("defaults.example.com", "/x"), "echo-a");
});

test("conditions as upstream: GatewayClass SupportedVersion; a certificateRef to another namespace is RefNotPermitted without a ReferenceGrant", async () => {
  type Obj = KubeObject & { status?: { conditions?: Condition[]; listeners?: { name: string; conditions: Condition[] }[] } };
  const gc = await cluster.client.resource<Obj>({ group: "gateway.networking.k8s.io", version: "v1", resource: "gatewayclasses" }).get("nginx");
  assert.is(condition(gc.status?.conditions, "SupportedVersion"), "True/SupportedVersion");
  await cluster.apply(`
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: cross-cert, namespace: other}
spec:
  gatewayClassName: nginx
  listeners: [{name: https, protocol: HTTPS, port: 443, hostname: cross.gw.example.com, tls: {certificateRefs: [{name: gw-tls, namespace: default}]}}]
`);
  const gateways = { group: "gateway.networking.k8s.io", version: "v1", resource: "gateways" };
  const gw = await cluster.waitFor<Obj>(gateways, (g) => g.metadata?.name === "cross-cert" && (g.status?.listeners?.length ?? 0) > 0, { namespace: "other", timeout: 10_000 });
  const listener = gw.status!.listeners![0]!.conditions;
  assert.is(condition(listener, "ResolvedRefs"), "False/RefNotPermitted");
  assert.is(condition(listener, "Programmed"), "False/Invalid");
  assert.is(condition(gw.status!.conditions, "Accepted"), "True/Accepted");
  assert.is(condition(gw.status!.conditions, "Programmed"), "False/Invalid");
  await cluster.apply(`
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: certs-for-other, namespace: default}
spec:
  from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: other}]
  to: [{group: "", kind: Secret, name: gw-tls}]
`);
  const granted = await cluster.waitFor<Obj>(gateways, (g) => g.metadata?.name === "cross-cert" && condition(g.status?.listeners?.[0]?.conditions, "ResolvedRefs") === "True/ResolvedRefs", { namespace: "other", timeout: 10_000 });
  assert.is(condition(granted.status!.conditions, "Programmed"), "True/Programmed");
});

test.after(async () => {
  await cluster.stop();
});

test.run();
