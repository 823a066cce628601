/**
 * ingress-nginx's backends through the host port: the controller's `--default-backend-service`
 * (the Helm chart's defaultbackend pods, nginx's own 404 when it has no endpoint), per-Ingress and
 * catch-all `spec.defaultBackend`, resource backends accepted by the API and ignored by the
 * controller as upstream does, and the `ewma` balancer (annotation and ConfigMap `load-balance`).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ConfigMap, Pod, Service } from "kubernetes-types/core/v1.js";
import type { Ingress, IngressClass } from "kubernetes-types/networking/v1.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Deployment } from "kubernetes-types/apps/v1.js";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { DEFAULT_PLUGINS } from "../../core/cluster/default-distribution.js";
import { PodStreams } from "../../core/apiserver/http/pod-streams.js";
import { ingressNginx, IngressHostPortsToken, NAMESPACE, parseIngressOptions } from "../../plugins/ingress-nginx/index.js";
import { writeKubeconfigFor } from "../../core/apiserver/http/index.js";
import { kubectlIn } from "../clients/kubectl-runner.js";
import { KUBECTL, testWithTool } from "../support/require-tool.js";
import { echoApp, hostRequest, type Echo, applyWithIngresses } from "./harness.js";

const DEFAULT_BACKEND = "ingress-nginx-defaultbackend";
const cluster = new Cluster({ clock: "real", seed: 5, nodes: 1, plugins: [...DEFAULT_PLUGINS] }).use(ingressNginx({ httpPort: 0, httpsPort: 0, defaultBackendService: `${NAMESPACE}/${DEFAULT_BACKEND}` }));
await cluster.start();
const ports = cluster.resolve(IngressHostPortsToken);
const get = (host: string, target: string) => hostRequest(ports.httpPort, host, target);
const service = (res: { status: number; body: string }): string => (res.status === 200 && res.body.startsWith("{") ? (JSON.parse(res.body) as Echo).service : `${res.status} ${res.body}`);

/** Two pods behind one selector: httpbin (its `/delay/<s>` answers after s seconds) and agnhost netexec (404 at once). */
const mixed = (name: string) => `
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: default}
spec:
  selector: {app: mixed}
  ports: [{port: 80}]
`;
/** One pod of the `app: mixed` pair (`speed` slow or fast) running `container`. */
const mixedPod = (speed: string, container: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${speed}, namespace: default}
spec:
  selector: {matchLabels: {app: mixed, speed: ${speed}}}
  template:
    metadata: {labels: {app: mixed, speed: ${speed}}}
    spec: {containers: [${container}]}
`;
const rule = (name: string, host: string, svc: string, annotations = "{}") => `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: ${name}, namespace: default, annotations: ${annotations}}
spec:
  ingressClassName: nginx
  rules: [{host: ${host}, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: ${svc}, port: {number: 80}}}}]}}]
`;

await applyWithIngresses(cluster, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${DEFAULT_BACKEND}, namespace: ${NAMESPACE}}
spec:
  selector: {matchLabels: {app.kubernetes.io/component: default-backend}}
  template:
    metadata: {labels: {app.kubernetes.io/component: default-backend}}
    spec:
      containers:
      - name: ingress-nginx-default-backend
        image: registry.k8s.io/defaultbackend-amd64:1.5
        ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: ${DEFAULT_BACKEND}, namespace: ${NAMESPACE}}
spec:
  selector: {app.kubernetes.io/component: default-backend}
  ports: [{name: http, port: 80, targetPort: http}]
---${echoApp("echo-a")}---${echoApp("echo-b")}
---${mixedPod("slow", "{name: httpbin, image: kennethreitz/httpbin}")}
---${mixedPod("fast", "{name: netexec, image: registry.k8s.io/e2e-test-images/agnhost:2.53, args: [netexec, --http-port=80]}")}
---${mixed("mixed-ewma")}---${mixed("mixed-rr")}
---${rule("ewma", "ewma.example.com", "mixed-ewma", "{nginx.ingress.kubernetes.io/load-balance: ewma}")}
---${rule("rr", "rr.example.com", "mixed-rr")}
---
apiVersion: v1
kind: Service
metadata: {name: empty, namespace: default}
spec:
  selector: {app: nothing-runs-this}
  ports: [{port: 80}]
---${rule("empty", "empty.example.com", "empty")}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: fallback, namespace: default}
spec:
  ingressClassName: nginx
  defaultBackend: {service: {name: echo-b, port: {number: 80}}}
  rules: [{host: fb.example.com, http: {paths: [{path: /web, pathType: Prefix, backend: {service: {name: echo-a, port: {number: 80}}}}]}}]
`);
for (const name of ["echo-a", "echo-b", "slow", "fast"]) await cluster.waitFor<Deployment>("Deployment", (d) => d.metadata?.name === name && d.status?.readyReplicas === 1, { namespace: "default", timeout: 30_000 });
await cluster.waitFor<Deployment>("Deployment", (d) => d.metadata?.name === DEFAULT_BACKEND && d.status?.readyReplicas === 1, { namespace: NAMESPACE, timeout: 30_000 });
await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.labels?.["app.kubernetes.io/component"] === "controller" && p.status?.phase === "Running", { namespace: NAMESPACE, timeout: 30_000 });

const controllerLogs = async (): Promise<string> => {
  const pod = (await cluster.client.resource<Pod>("Pod").list({ namespace: NAMESPACE, labelSelector: "app.kubernetes.io/component=controller" })).items[0]!;
  return (await cluster.resolve(PodStreams).logs(NAMESPACE, pod.metadata!.name!, new URLSearchParams())) as string;
};
const NGINX_404 = "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

test("--default-backend-service: what no rule serves is answered by the default backend's pods (defaultbackend's `default backend - 404`), logged as upstream-default-backend", async () => {
  const controller = (await cluster.client.resource<Pod>("Pod").list({ namespace: NAMESPACE, labelSelector: "app.kubernetes.io/component=controller" })).items[0]!;
  assert.ok(controller.spec!.containers[0]!.args!.includes(`--default-backend-service=${NAMESPACE}/${DEFAULT_BACKEND}`));
  const res = await get("nobody.example.com", "/anything");
  assert.is(res.status, 404);
  assert.is(res.body, "default backend - 404");
  assert.is(res.headers["content-type"], "text/plain; charset=utf-8");
  assert.match(await controllerLogs(), /"GET \/anything HTTP\/1\.1" 404 21 "-" "[^"]*" \d+ [\d.]+ \[upstream-default-backend\] \[\] 10\.244\.\d+\.\d+:8080 21 [\d.]+ 404 [0-9a-f]{32}\n/);
});

test("the plugin option (cluster.yaml `config`): defaultBackendService is namespace/name", () => {
  assert.equal(parseIngressOptions({ httpPort: 0, defaultBackendService: "ingress-nginx/defaultbackend" }), { httpPort: 0, defaultBackendService: "ingress-nginx/defaultbackend" });
  assert.throws(() => parseIngressOptions({ defaultBackendService: "defaultbackend" }), /defaultBackendService/);
  assert.throws(() => parseIngressOptions({ defaultBackendService: 80 }), /defaultBackendService/);
});

test("per-Ingress defaultBackend: serves its hosts' paths no rule matches; the rules still win", async () => {
  assert.is(service(await get("fb.example.com", "/web/page")), "echo-a");
  assert.is(service(await get("fb.example.com", "/elsewhere")), "echo-b");
  assert.is(service(await get("fb.example.com", "/")), "echo-b");
});

test("a rule-less Ingress's defaultBackend takes over the catch-all server; deleted, the default backend answers again", async () => {
  await cluster.apply(`
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: catch-all, namespace: default}
spec:
  ingressClassName: nginx
  defaultBackend: {service: {name: echo-a, port: {number: 80}}}
`);
  let res = await get("unknown.example.com", "/x");
  for (let i = 0; i < 50 && res.status !== 200; i++) res = await new Promise((r) => setTimeout(r, 50)).then(() => get("unknown.example.com", "/x"));
  assert.is(service(res), "echo-a");
  assert.is(service(await get("fb.example.com", "/web")), "echo-a", "hosts with rules keep theirs");
  await cluster.client.resource("Ingress").delete("catch-all", { namespace: "default" });
  for (let i = 0; i < 50 && res.status === 200; i++) res = await new Promise((r) => setTimeout(r, 50)).then(() => get("unknown.example.com", "/x"));
  assert.is(res.body, "default backend - 404");
});

test("resource backends: the API and the webhook accept them (as upstream does); the controller ignores those paths, which fall to the default backend", async () => {
  const server = await cluster.serve({ port: 0, insecureHttp: true, token: "backends-token" });
  const body = {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "bucket", namespace: "default" },
    spec: {
      ingressClassName: "nginx",
      rules: [
        {
          host: "res.example.com",
          http: {
            paths: [
              { path: "/static", pathType: "Prefix", backend: { resource: { apiGroup: "k8s.example.com", kind: "StorageBucket", name: "static-assets" } } },
              { path: "/api", pathType: "Prefix", backend: { service: { name: "echo-a", port: { number: 80 } } } },
            ],
          },
        },
      ],
    },
  };
  const created = await fetch(`${server.url}/apis/networking.k8s.io/v1/namespaces/default/ingresses`, { method: "POST", headers: { Authorization: "Bearer backends-token", "Content-Type": "application/json" }, body: JSON.stringify(body) });
  assert.is(created.status, 201, await created.clone().text());
  const stored = (await created.json()) as { spec: { rules: { http: { paths: { backend: unknown }[] } }[] } };
  assert.equal(stored.spec.rules[0]!.http.paths[0]!.backend, { resource: { apiGroup: "k8s.example.com", kind: "StorageBucket", name: "static-assets" } });
  let api = await get("res.example.com", "/api/v1");
  for (let i = 0; i < 50 && api.status !== 200; i++) api = await new Promise((r) => setTimeout(r, 50)).then(() => get("res.example.com", "/api/v1"));
  assert.is(service(api), "echo-a");
  const ignored = await get("res.example.com", "/static/logo.png");
  assert.is(ignored.status, 404);
  assert.is(ignored.body, "default backend - 404");
  // The webhook compares host and path only: the same path with another pathType is refused; a resource path clashes with nothing.
  const clash = await fetch(`${server.url}/apis/networking.k8s.io/v1/namespaces/default/ingresses`, {
    method: "POST",
    headers: { Authorization: "Bearer backends-token", "Content-Type": "application/json" },
    body: JSON.stringify({ ...body, metadata: { name: "clash", namespace: "default" }, spec: { ingressClassName: "nginx", rules: [{ host: "res.example.com", http: { paths: [{ path: "/api", pathType: "Exact", backend: { service: { name: "echo-b", port: { number: 80 } } } }, { path: "/static", pathType: "Prefix", backend: { service: { name: "echo-b", port: { number: 80 } } } }] } }] } }),
  });
  assert.is(clash.status, 400);
  assert.is(((await clash.json()) as { message: string }).message, `admission webhook "validate.nginx.ingress.kubernetes.io" denied the request: host "res.example.com" and path "/api" is already defined in ingress default/bucket`);
  await server.close();
});

/** How many of `n` requests to `host` the slow pod (httpbin, answering `/delay/0.2` after 200 ms) took. */
const slowShare = async (host: string, n: number): Promise<number> => {
  let slow = 0;
  for (let i = 0; i < n; i++) {
    const res = await get(host, "/delay/0.2");
    if (res.status === 200) slow++;
    else assert.is(res.body, "404 page not found\n", "the fast pod (netexec) answers 404 at once");
  }
  return slow;
};

test("load-balance: round_robin (the default) alternates between the pods; ewma sends the requests to the fast pod once it has measured the slow one", async () => {
  assert.is(await slowShare("rr.example.com", 6), 3, "round-robin: every other request");
  const slow = await slowShare("ewma.example.com", 10);
  assert.ok(slow >= 0 && slow <= 2, `ewma: ${slow} of 10 to the slow pod`);
});

test("the ConfigMap's load-balance: ewma applies to upstreams whose Ingress sets none", async () => {
  const reloads = (await controllerLogs()).split("Backend successfully reloaded").length;
  await cluster.client.resource<ConfigMap>("ConfigMap").patch("ingress-nginx-controller", "merge", { data: { "load-balance": "ewma" } }, { namespace: NAMESPACE });
  for (let i = 0; i < 100 && (await controllerLogs()).split("Backend successfully reloaded").length === reloads; i++) await new Promise((r) => setTimeout(r, 50));
  // The endpoints' averages are the controller's, shared by its upstreams: the slow pod is known to be slow.
  const slow = await slowShare("rr.example.com", 6);
  assert.ok(slow <= 1, `ewma from the ConfigMap: ${slow} of 6 to the slow pod`);
});

test("a Service without ready endpoints: nginx's 503 page, the upstream named in the access log", async () => {
  const res = await get("empty.example.com", "/x");
  assert.is(res.status, 503);
  assert.is(res.body, "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n");
  assert.match(await controllerLogs(), /"GET \/x HTTP\/1\.1" 503 \d+ "-" "[^"]*" \d+ [\d.]+ \[default-empty-80\] \[\] - - - - [0-9a-f]{32}\n/);
});

test("deploy.yaml's objects; the default IngressClass serves Ingresses naming no class; Ingresses of another class are neither served nor validated", async () => {
  const svc = await cluster.client.resource<Service>("Service").get("ingress-nginx-controller", { namespace: NAMESPACE });
  assert.is(svc.spec?.type, "LoadBalancer");
  assert.ok(svc.spec!.ports!.every((p) => (p.nodePort ?? 0) >= 30000), "node ports allocated (the NodePort fallback)");
  const cls = await cluster.client.resource<IngressClass>("IngressClass").get("nginx");
  assert.is(cls.spec?.controller, "k8s.io/ingress-nginx");
  assert.is(cls.metadata?.annotations?.["ingressclass.kubernetes.io/is-default-class"], "true");
  await cluster.apply(`
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: classless, namespace: default}
spec:
  rules: [{host: classless.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: echo-a, port: {number: 80}}}}]}}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: other, namespace: default, annotations: {nginx.ingress.kubernetes.io/canary-weight: lots}}
spec:
  ingressClassName: other
  rules: [{host: other.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: echo-a, port: {number: 80}}}}]}}]
`);
  let res = await get("classless.example.com", "/");
  for (let i = 0; i < 50 && res.status !== 200; i++) res = await new Promise((r) => setTimeout(r, 50)).then(() => get("classless.example.com", "/"));
  assert.is(service(res), "echo-a");
  await cluster.waitFor<Ingress>("Ingress", (i) => i.metadata?.name === "classless" && (i.status?.loadBalancer?.ingress?.length ?? 0) > 0, { namespace: "default", timeout: 10_000 });
  const other = await get("other.example.com", "/");
  assert.is(`${other.status} ${other.body}`, "404 default backend - 404");
  assert.equal((await cluster.client.resource<Ingress>("Ingress").get("other", { namespace: "default" })).status?.loadBalancer ?? {}, {});
});

testWithTool(KUBECTL, test)("kubectl get ingress shows the class, hosts and the controller's address", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kubesim-ingress-"));
  const server = await cluster.serve({ port: 0, stateDir: join(dir, "state") });
  try {
    const kubeconfig = join(dir, "kubeconfig");
    writeKubeconfigFor(server, kubeconfig);
    await cluster.waitFor<Ingress>("Ingress", (i) => i.metadata?.name === "fallback" && (i.status?.loadBalancer?.ingress?.length ?? 0) > 0, { namespace: "default", timeout: 10_000 });
    const out = await kubectlIn(dir, kubeconfig).ok(["get", "ingress", "fallback"]);
    assert.match(out, /^NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE\nfallback\s+nginx\s+fb\.example\.com\s+172\.18\.0\.\d+\s+80\s+\S+\n$/);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a --default-backend-service without ready endpoints: nginx's own 404 page", async () => {
  await cluster.client.resource<Deployment>("Deployment").patch(DEFAULT_BACKEND, "merge", { spec: { replicas: 0 } }, { namespace: NAMESPACE });
  await cluster.waitFor<EndpointSlice>("EndpointSlice", (s) => s.metadata?.labels?.["kubernetes.io/service-name"] === DEFAULT_BACKEND && !(s.endpoints ?? []).some((e) => e.conditions?.ready !== false), { namespace: NAMESPACE, timeout: 30_000 });
  let res = await get("nobody.example.com", "/");
  for (let i = 0; i < 50 && res.body !== NGINX_404; i++) res = await new Promise((r) => setTimeout(r, 50)).then(() => get("nobody.example.com", "/"));
  assert.is(res.status, 404);
  assert.is(res.body, NGINX_404);
  assert.is(res.headers["content-type"], "text/html");
});

test.after(async () => {
  await cluster.stop();
});

test.run();
