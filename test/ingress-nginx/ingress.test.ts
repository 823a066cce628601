/**
 * ingress-nginx end to end: the default distribution plus the plugin with host ports; real HTTP and
 * HTTPS (SNI) from the host through the controller pod to echo server pods; annotations; the
 * webhook's refusals; Ingress status; the access log and nginx.conf of the controller pod.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod, Secret } from "kubernetes-types/core/v1.js";
import type { ValidatingWebhookConfiguration } from "kubernetes-types/admissionregistration/v1.js";
import type { KubeObject } from "../../core/api/object.js";
import type { Deployment } from "kubernetes-types/apps/v1.js";
import type { Ingress } from "kubernetes-types/networking/v1.js";
import { execFile } from "node:child_process";
import { connect } from "node:net";
import { promisify } from "node:util";
import { Cluster } from "../../core/cluster/cluster.js";
import { CURL, testWithTool } from "../support/require-tool.js";
import { DEFAULT_PLUGINS } from "../../core/cluster/default-distribution.js";
import { selfSignedCertificate } from "../../core/apiserver/http/tls.js";
import { PodStreams } from "../../core/apiserver/http/pod-streams.js";
import { isStatusError } from "../../core/api/status.js";
import { ingressNginx, IngressHostPortsToken, NAMESPACE } from "../../plugins/ingress-nginx/index.js";
import { echoApp, hostRequest, type Echo, applyWithIngresses } from "./harness.js";
import { parseExposition, sampleValue } from "../support/prometheus-text.js";

const cluster = new Cluster({ clock: "real", seed: 7, nodes: 2, plugins: [...DEFAULT_PLUGINS] }).use(ingressNginx({ httpPort: 0, httpsPort: 0 }));
await cluster.start();
const ports = cluster.resolve(IngressHostPortsToken);
const cert = await selfSignedCertificate("secure.example.com", ["secure.example.com"]);

const ingress = (name: string, host: string, paths: string, annotations = "{}", extra = "") => `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: ${name}, namespace: default, annotations: ${annotations}}
spec:
  ingressClassName: nginx
${extra}
  rules:
  - host: "${host}"
    http:
      paths:
${paths}
`;
const path = (p: string, type: string, svc: string) => `      - {path: "${p}", pathType: ${type}, backend: {service: {name: ${svc}, port: {number: 80}}}}\n`;
/** A one-container Deployment `name` and its Service on port 80. */
const app = (name: string, container: string, image: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: default}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: ${container}, image: ${image}}]}
---
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: default}
spec:
  selector: {app: ${name}}
  ports: [{port: 80}]
`;

await applyWithIngresses(cluster, `${echoApp("echo-a", { replicas: 2 })}---${echoApp("echo-b")}
---
apiVersion: v1
kind: Secret
metadata: {name: secure-tls, namespace: default}
type: kubernetes.io/tls
data:
  tls.crt: ${Buffer.from(cert.certPem).toString("base64")}
  tls.key: ${Buffer.from(cert.keyPem).toString("base64")}
---${ingress("shop", "shop.example.com", path("/", "Prefix", "echo-a") + path("/b", "Prefix", "echo-b"))}
---${ingress("secure", "secure.example.com", path("/", "Prefix", "echo-b"), "{}", "  tls: [{hosts: [secure.example.com], secretName: secure-tls}]")}
---${ingress("rewrite", "rw.example.com", path("/api(/|$)(.*)", "ImplementationSpecific", "echo-a"), `{nginx.ingress.kubernetes.io/rewrite-target: "/$2"}`)}
---${ingress("deny", "deny.example.com", path("/", "Prefix", "echo-a"), `{nginx.ingress.kubernetes.io/whitelist-source-range: "10.0.0.0/8"}`)}
---${ingress("small", "small.example.com", path("/", "Prefix", "echo-a"), `{nginx.ingress.kubernetes.io/proxy-body-size: "10"}`)}
---${ingress("moved", "moved.example.com", path("/", "Prefix", "echo-a"), `{nginx.ingress.kubernetes.io/permanent-redirect: "https://example.org/new"}`)}
---${ingress("spec", "spec.example.com", path("/foo", "Exact", "echo-b") + path("/aaa/bbb", "Prefix", "echo-b") + path("/Case", "Exact", "echo-b") + path("/app", "Prefix", "echo-a") + path("/impl", "ImplementationSpecific", "echo-a"))}
---${ingress("spec-more", "spec.example.com", path("/more", "Prefix", "echo-b"))}
---${ingress("wild", "*.wild.example.com", path("/", "Prefix", "echo-a"))}
---${ingress("sticky", "sticky.example.com", path("/", "Prefix", "echo-a"), `{nginx.ingress.kubernetes.io/affinity: cookie}`)}
---${ingress("errors", "errors.example.com", path("/", "Prefix", "bin"), `{nginx.ingress.kubernetes.io/custom-http-errors: "503"}`)}
---${app("bin", "httpbin", "kennethreitz/httpbin")}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: tls-backend, namespace: default}
spec:
  selector: {matchLabels: {app: tls-backend}}
  template:
    metadata: {labels: {app: tls-backend}}
    spec:
      containers:
      - name: netexec
        image: registry.k8s.io/e2e-test-images/agnhost:2.53
        args: [netexec, --http-port=8443, --tls-cert-file=/certs/tls.crt, --tls-private-key-file=/certs/tls.key]
        volumeMounts: [{name: certs, mountPath: /certs}]
      volumes: [{name: certs, secret: {secretName: secure-tls}}]
---
apiVersion: v1
kind: Service
metadata: {name: tls-backend, namespace: default}
spec:
  selector: {app: tls-backend}
  ports: [{port: 80, targetPort: 8443}]
---
apiVersion: v1
kind: Service
metadata: {name: refused, namespace: default}
spec:
  selector: {app: tls-backend}
  ports: [{port: 80, targetPort: 9999}]
---${ingress("tls-backend", "tlsbe.example.com", path("/", "Prefix", "tls-backend"), `{nginx.ingress.kubernetes.io/backend-protocol: HTTPS}`)}
---${ingress("refused", "refused.example.com", path("/", "Prefix", "refused"))}
---${ingress("stable", "canary.example.com", path("/", "Prefix", "echo-a"))}
---${ingress("canary", "canary.example.com", path("/", "Prefix", "echo-b"), `{nginx.ingress.kubernetes.io/canary: "true", nginx.ingress.kubernetes.io/canary-by-header: X-Canary}`)}
---${ingress("weighted", "weighted.example.com", path("/", "Prefix", "echo-a"))}
---${ingress("weighted-canary", "weighted.example.com", path("/", "Prefix", "echo-b"), `{nginx.ingress.kubernetes.io/canary: "true", nginx.ingress.kubernetes.io/canary-weight: "100"}`)}
---${ingress("regex", "regex.example.com", path("/items/[0-9]+", "ImplementationSpecific", "echo-b"), `{nginx.ingress.kubernetes.io/use-regex: "true"}`)}
---${ingress("no-redirect", "noredirect.example.com", path("/", "Prefix", "echo-b"), `{nginx.ingress.kubernetes.io/ssl-redirect: "false"}`, "  tls: [{hosts: [noredirect.example.com], secretName: secure-tls}]")}
---${app("web", "nginx", "nginx:1.25.5")}
---${ingress("web", "web.example.com", path("/", "Prefix", "web"))}
`);
for (const name of ["echo-a", "echo-b", "bin", "tls-backend", "web"]) await cluster.waitFor<Deployment>("Deployment", (d) => d.metadata?.name === name && d.status?.readyReplicas === d.spec?.replicas, { namespace: "default", timeout: 30_000 });
await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.labels?.["app.kubernetes.io/component"] === "controller" && p.status?.phase === "Running", { namespace: NAMESPACE, timeout: 30_000 });

const curlTest = testWithTool(CURL, test);
const execFileAsync = promisify(execFile);
const get = (host: string, target: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) => hostRequest(ports.httpPort, host, target, init);

test("rules route by host and path to the Services' pods; upstreams are the EndpointSlices' pods, balanced round-robin", async () => {
  const root = await get("shop.example.com", "/hello?x=1");
  assert.is(root.status, 200);
  const doc = JSON.parse(root.body) as Echo;
  assert.is(doc.service, "echo-a");
  assert.is(doc.path, "/hello?x=1");
  assert.is(doc.host, "shop.example.com");
  assert.is(doc.namespace, "default");
  assert.equal(doc.headers["X-Forwarded-Proto"], ["http"]);
  assert.equal(doc.headers["X-Forwarded-Host"], ["shop.example.com"]);
  assert.match(doc.headers["X-Request-Id"]![0]!, /^[0-9a-f]{32}$/);
  assert.equal(doc.headers["X-Real-Ip"], ["127.0.0.1"]);
  assert.is((JSON.parse((await get("shop.example.com", "/b/x")).body) as Echo).service, "echo-b");
  const pods = new Set<string>();
  for (let i = 0; i < 6; i++) pods.add((JSON.parse((await get("shop.example.com", "/")).body) as Echo).pod);
  assert.is(pods.size, 2, "both echo-a pods answer");
});

test("the Ingress specification's matching cases, over real HTTP through the host port", async () => {
  const table: [string, string, string][] = [
    ["spec.example.com", "/foo", "echo-b"],
    ["spec.example.com", "/foo/", "404"],
    ["spec.example.com", "/aaa/bbb", "echo-b"],
    ["spec.example.com", "/aaa/bbb/", "echo-b"],
    ["spec.example.com", "/aaa/bbb/ccc", "echo-b"],
    ["spec.example.com", "/aaa/bbbxyz", "404"],
    ["spec.example.com", "/Case", "echo-b"],
    ["spec.example.com", "/case", "404"],
    ["spec.example.com", "/app", "echo-a"],
    ["spec.example.com", "/app/x", "echo-a"],
    ["spec.example.com", "/apple", "404"],
    // ImplementationSpecific without use-regex: nginx's plain `location /impl`, a string prefix.
    ["spec.example.com", "/impl", "echo-a"],
    ["spec.example.com", "/implementation", "echo-a"],
    // A second Ingress for the host merges into the same server.
    ["spec.example.com", "/more/x", "echo-b"],
    ["SPEC.example.com:8080", "/app", "echo-a"],
    ["one.wild.example.com", "/", "echo-a"],
    ["two.one.wild.example.com", "/", "404"],
    ["wild.example.com", "/", "404"],
  ];
  for (const [host, target, want] of table) {
    const res = await get(host, target);
    assert.is(res.status === 404 ? "404" : (JSON.parse(res.body) as Echo).service, want, `${host}${target}`);
  }
});

curlTest("curl reaches the TLS host with SNI and gets the Secret's certificate", async () => {
  // Asynchronously: the cluster answering curl runs in this process.
  const { stdout, stderr } = await execFileAsync("curl", ["-sk", "-v", "--resolve", `secure.example.com:${ports.httpsPort}:127.0.0.1`, `https://secure.example.com:${ports.httpsPort}/curl`], { encoding: "utf8" });
  assert.is((JSON.parse(stdout) as Echo).path, "/curl");
  assert.match(stderr, /subject: CN=secure\.example\.com/);
});

test("no matching rule: the default backend's 404 page", async () => {
  const res = await get("nobody.example.com", "/");
  assert.is(res.status, 404);
  assert.is(res.body, "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n");
});

test("TLS: the Secret's certificate chosen by SNI, HTTP redirected with 308, the default certificate otherwise", async () => {
  const tls = (servername: string) => hostRequest(ports.httpsPort, servername, "/", { tls: true });
  const secure = await tls("secure.example.com");
  assert.is(secure.status, 200);
  assert.match(secure.subject ?? "", /CN=secure.example.com/);
  const doc = JSON.parse(secure.body) as Echo;
  assert.is(doc.service, "echo-b");
  assert.equal(doc.headers["X-Forwarded-Proto"], ["https"]);
  const other = await tls("shop.example.com");
  assert.match(other.subject ?? "", /CN=Kubernetes Ingress Controller Fake Certificate/);
  const redirect = await get("secure.example.com", "/page?q=1");
  assert.is(redirect.status, 308);
  assert.is(redirect.headers["location"], `https://secure.example.com:${ports.httpsPort}/page?q=1`);
});

test("annotations: rewrite-target, whitelist-source-range (403), proxy-body-size (413), permanent-redirect, canary-by-header", async () => {
  assert.is((JSON.parse((await get("rw.example.com", "/api/v1/items")).body) as Echo).path, "/v1/items");
  assert.is((await get("deny.example.com", "/")).status, 403);
  assert.is((await get("small.example.com", "/", { method: "POST", body: "x".repeat(100) })).status, 413);
  assert.is((await get("small.example.com", "/", { method: "POST", body: "tiny" })).status, 200);
  const moved = await get("moved.example.com", "/");
  assert.is(moved.status, 301);
  assert.is(moved.headers["location"], "https://example.org/new");
  assert.is((JSON.parse((await get("canary.example.com", "/", { headers: { "X-Canary": "always" } })).body) as Echo).service, "echo-b");
  assert.is((JSON.parse((await get("canary.example.com", "/", { headers: { "X-Canary": "never" } })).body) as Echo).service, "echo-a");
  assert.is((JSON.parse((await get("canary.example.com", "/")).body) as Echo).service, "echo-a");
});

test("annotations through the host port: use-regex (a regex location, case-insensitive as nginx's ~*), canary-weight 100 (every request to the canary), ssl-redirect false (a TLS host served over HTTP)", async () => {
  const regex = await get("regex.example.com", "/items/42");
  assert.is(regex.status, 200);
  assert.is((JSON.parse(regex.body) as Echo).service, "echo-b");
  assert.is((JSON.parse((await get("regex.example.com", "/ITEMS/7/detail")).body) as Echo).service, "echo-b");
  assert.is((await get("regex.example.com", "/items/abc")).status, 404);
  for (let i = 0; i < 4; i++) assert.is((JSON.parse((await get("weighted.example.com", "/")).body) as Echo).service, "echo-b");
  const plain = await get("noredirect.example.com", "/");
  assert.is(plain.status, 200, "no 308 with ssl-redirect false");
  assert.is((JSON.parse(plain.body) as Echo).service, "echo-b");
  const secure = await hostRequest(ports.httpsPort, "noredirect.example.com", "/", { tls: true });
  assert.is(secure.status, 200);
  assert.match(secure.subject ?? "", /CN=secure.example.com/);
});

test("affinity cookie pins a client to one pod; custom-http-errors replaces the upstream's error with nginx's page", async () => {
  const first = await get("sticky.example.com", "/");
  const cookie = String(first.headers["set-cookie"] ?? "");
  assert.match(cookie, /^INGRESSCOOKIE=[0-9a-f]{32}; Path=\/; HttpOnly$/);
  const pod = (JSON.parse(first.body) as Echo).pod;
  for (let i = 0; i < 4; i++) assert.is((JSON.parse((await get("sticky.example.com", "/", { headers: { Cookie: cookie.split(";")[0]! } })).body) as Echo).pod, pod);
  const plain = await get("errors.example.com", "/status/418");
  assert.is(plain.status, 418);
  const replaced = await get("errors.example.com", "/status/503");
  assert.is(replaced.status, 503);
  assert.match(replaced.body, /<title>503 Service Temporarily Unavailable<\/title>/);
});

test("the webhook refuses an Ingress whose host and path another Ingress already serves", async () => {
  try {
    await cluster.apply(ingress("copy", "shop.example.com", path("/", "Prefix", "echo-b")));
    assert.unreachable("accepted");
  } catch (err) {
    assert.ok(isStatusError(err, "BadRequest"), String(err));
    assert.is((err as Error).message, `admission webhook "validate.nginx.ingress.kubernetes.io" denied the request: host "shop.example.com" and path "/" is already defined in ingress default/shop`);
  }
  // Answered by a controller pod, over TLS with the certificate the configuration's caBundle trusts.
  const hooks = await cluster.client.resource<ValidatingWebhookConfiguration & KubeObject>("ValidatingWebhookConfiguration").get("ingress-nginx-admission");
  const secret = await cluster.client.resource<Secret & KubeObject>("Secret").get("ingress-nginx-admission", { namespace: NAMESPACE });
  assert.is(hooks.webhooks![0]!.clientConfig.caBundle, secret.data!["ca"]);
  assert.equal(hooks.webhooks![0]!.clientConfig.service, { name: "ingress-nginx-controller-admission", namespace: NAMESPACE, path: "/networking/v1/ingresses", port: 443 });
  const controller = (await cluster.client.resource<Pod>("Pod").list({ namespace: NAMESPACE })).items[0]!;
  const logs = (await cluster.resolve(PodStreams).logs(NAMESPACE, controller.metadata!.name!, new URLSearchParams())) as string;
  assert.match(logs, /\nE\d{4} [\d:.]+ +7 main\.go:\d+\] "failed to process ingress" err="host \\"shop\.example\.com\\" and path \\"\/\\" is already defined in ingress default\/shop" ingress="default\/copy"\n/);
  assert.match(logs, /\] "successfully validated configuration, accepting" ingress="default\/shop"\n/);
});

test("status.loadBalancer shows the controller's node address; the pod logs access lines and shows nginx.conf", async () => {
  const ing = await cluster.waitFor<Ingress>("Ingress", (i) => i.metadata?.name === "shop" && (i.status?.loadBalancer?.ingress?.length ?? 0) > 0, { namespace: "default", timeout: 10_000 });
  assert.match(ing.status!.loadBalancer!.ingress![0]!.ip!, /^172\.18\.0\.\d+$/);
  const controller = (await cluster.client.resource<Pod>("Pod").list({ namespace: NAMESPACE })).items[0]!;
  const streams = cluster.resolve(PodStreams);
  const logs = (await streams.logs(NAMESPACE, controller.metadata!.name!, new URLSearchParams())) as string;
  assert.match(logs, /NGINX Ingress controller\n  Release:       v1\.12\.1/);
  assert.match(logs, /127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/hello\?x=1 HTTP\/1\.1" 200 \d+ "-" "[^"]*" \d+ \d+\.\d{3} \[default-echo-a-80\] \[\] 10\.244\.\d+\.\d+:3000 \d+ \d+\.\d{3} 200 [0-9a-f]{32}\n/);
  const exec = await streams.exec!(NAMESPACE, controller.metadata!.name!, { command: ["cat", "/etc/nginx/nginx.conf"], stdin: false, tty: false });
  let conf = "";
  exec.onStdout((d) => (conf += d));
  assert.is(await exec.exit, 0);
  assert.match(conf, /## start server shop\.example\.com/);
  assert.match(conf, /location \/b\/ \{/);
  assert.match(conf, /set \$proxy_upstream_name "default-echo-b-80";/);
  assert.match(conf, /rewrite "\(\?i\)\/api\(\/\|\$\)\(\.\*\)" \/\$2 break;/);
});

test("backend-protocol HTTPS speaks TLS to the pods; a refused upstream is nginx's 502 with its access and error log lines", async () => {
  const res = await get("tlsbe.example.com", "/hostname");
  assert.is(res.status, 200);
  assert.match(res.body, /^tls-backend-/);
  assert.match((await get("tlsbe.example.com", "/header?key=X-Forwarded-Proto")).body, /^http$/);
  const refused = await get("refused.example.com", "/x");
  assert.is(refused.status, 502);
  assert.match(refused.body, /<title>502 Bad Gateway<\/title>/);
  const controllers = (await cluster.client.resource<Pod>("Pod").list({ namespace: NAMESPACE })).items.filter((p) => p.status?.phase === "Running");
  const streams = cluster.resolve(PodStreams);
  let logs = "";
  for (const c of controllers) logs += (await streams.logs(NAMESPACE, c.metadata!.name!, new URLSearchParams())) as string;
  assert.match(logs, /"GET \/x HTTP\/1\.1" 502 \d+ "-" "[^"]*" \d+ \d+\.\d{3} \[default-refused-80\] \[\] 10\.244\.\d+\.\d+:9999 0 \d+\.\d{3} 502 [0-9a-f]{32}\n/);
  assert.match(logs, /\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[error\] 31#31: \*\d+ connect\(\) failed \(111: Connection refused\) while connecting to upstream, client: 127\.0\.0\.1, server: refused\.example\.com, request: "GET \/x HTTP\/1\.1", upstream: "http:\/\/10\.244\.\d+\.\d+:9999\/x", host: "refused\.example\.com"\n/);
  assert.match(logs, /"GET \/hostname HTTP\/1\.1" 200 \d+ "-" "[^"]*" \d+ \d+\.\d{3} \[default-tls-backend-80\] \[\] 10\.244\.\d+\.\d+:8443 \d+ \d+\.\d{3} 200 [0-9a-f]{32}\n/);
});

test("the controller pod's :10254/metrics counts requests per Ingress, Service, path and status (through pods/proxy)", async () => {
  const server = await cluster.serve({ port: 0, insecureHttp: true, token: "metrics-token" });
  const controller = (await cluster.client.resource<Pod>("Pod").list({ namespace: NAMESPACE, labelSelector: "app.kubernetes.io/component=controller" })).items.find((p) => p.status?.phase === "Running")!;
  const scrape = async () => {
    const res = await fetch(`${server.url}/api/v1/namespaces/${NAMESPACE}/pods/${controller.metadata!.name}:10254/proxy/metrics`, { headers: { Authorization: "Bearer metrics-token" } });
    assert.is(res.status, 200);
    return parseExposition(await res.text());
  };
  const labels = { host: "shop.example.com", service: "echo-b", status: "200", method: "GET", path: "/b" };
  const before = sampleValue(await scrape(), "nginx_ingress_controller_requests", labels);
  for (let i = 0; i < 3; i++) assert.is((await get("shop.example.com", "/b/x")).status, 200);
  const after = await scrape();
  // Requests are spread over the controller pods; this one's count moves only by what it served.
  const served = sampleValue(after, "nginx_ingress_controller_requests", labels) - before;
  const all = (await cluster.client.resource<Pod>("Pod").list({ namespace: NAMESPACE, labelSelector: "app.kubernetes.io/component=controller" })).items.filter((p) => p.status?.phase === "Running").length;
  assert.ok(all > 1 ? served >= 0 : served === 3, `served ${served}`);
  assert.ok(after.get("nginx_ingress_controller_requests")!.samples.some((s) => s.labels["ingress"] !== "" && s.labels["namespace"] === "default"));
  assert.ok(sampleValue(after, "nginx_ingress_controller_request_duration_seconds_count") >= 1);
  assert.is(sampleValue(after, "nginx_ingress_controller_config_last_reload_successful"), 1);
  assert.ok(sampleValue(after, "nginx_ingress_controller_success") >= 1);
  // The Helm chart's metrics Service selects the controller pods on their `metrics` port (once their readiness probe passes, 10 s in).
  let svc: Response;
  for (let i = 0; ; i++) {
    svc = await fetch(`${server.url}/api/v1/namespaces/${NAMESPACE}/services/ingress-nginx-controller-metrics:metrics/proxy/metrics`, { headers: { Authorization: "Bearer metrics-token" } });
    if (svc.status !== 503 || i === 60) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.is(svc.status, 200);
  assert.is(sampleValue(parseExposition(await svc.text()), "nginx_ingress_controller_config_last_reload_successful"), 1);
});

/** Every byte a host-port connection receives for `requests` sent at once (the last asks to close). */
function rawExchange(port: number, requests: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(requests));
    let got = "";
    socket.setEncoding("latin1");
    socket.on("data", (t: string) => (got += t));
    socket.on("end", () => resolve(got));
    socket.on("error", reject);
  });
}

test("HEAD through the host port: the upstream's Content-Length passed on and no body (nginx's welcome page: 615), the next kept-alive answer right after; access lines log 0 bytes", async () => {
  const page = await get("web.example.com", "/");
  assert.is(page.body.length, 615);
  const head = await get("web.example.com", "/", { method: "HEAD" });
  assert.equal([head.status, head.headers["content-length"], head.headers["content-type"], head.body], [200, "615", "text/html", ""]);
  // The same headers as GET's, in the same order.
  const names = (res: typeof head) => Object.keys(res.headers).join(",");
  assert.is(names(head), names(page));
  // The upstream's 404 page and nginx's own (no rule matches): their lengths (153, 146), no body.
  const missing = await get("web.example.com", "/nope", { method: "HEAD" });
  assert.equal([missing.status, missing.headers["content-length"], missing.body], [404, "153", ""]);
  const own = await get("nobody.example.com", "/", { method: "HEAD" });
  assert.equal([own.status, own.headers["content-length"], own.body], [404, "146", ""]);
  // On one connection: HEAD's head ends the answer and the GET's answer follows at once.
  const wire = await rawExchange(ports.httpPort, "HEAD / HTTP/1.1\r\nHost: web.example.com\r\n\r\nGET / HTTP/1.1\r\nHost: web.example.com\r\nConnection: close\r\n\r\n");
  const answers = wire.split(/(?=HTTP\/1\.1 )/);
  assert.is(answers.length, 2, wire);
  assert.match(answers[0]!, /^HTTP\/1\.1 200 OK\r\nContent-Type: text\/html\r\nContent-Length: 615\r\nDate: [^\r]+\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n$/);
  assert.match(answers[1]!, /^HTTP\/1\.1 200 OK\r\nContent-Type: text\/html\r\nContent-Length: 615\r\nDate: [^\r]+\r\nConnection: close\r\n\r\n<!DOCTYPE html>/);
  assert.is(answers[1]!.length - answers[1]!.indexOf("\r\n\r\n") - 4, 615);
  // HTTP/1.1 over TLS (node:http behind the HTTPS port): the same.
  const tlsHead = await hostRequest(ports.httpsPort, "web.example.com", "/", { method: "HEAD", tls: true });
  assert.equal([tlsHead.status, tlsHead.headers["content-length"], tlsHead.body], [200, "615", ""]);
  // $body_bytes_sent and $upstream_response_length are 0 for HEAD (the controller's line), as are the nginx pod's bytes.
  const streams = cluster.resolve(PodStreams);
  let logs = "";
  for (const c of (await cluster.client.resource<Pod>("Pod").list({ namespace: NAMESPACE })).items) logs += (await streams.logs(NAMESPACE, c.metadata!.name!, new URLSearchParams())) as string;
  assert.match(logs, /"HEAD \/ HTTP\/1\.1" 200 0 "-" "[^"]*" \d+ \d+\.\d{3} \[default-web-80\] \[\] 10\.244\.\d+\.\d+:80 0 \d+\.\d{3} 200 [0-9a-f]{32}\n/);
  assert.match(logs, /"HEAD \/ HTTP\/1\.1" 404 0 "-" "[^"]*" \d+ \d+\.\d{3} \[upstream-default-backend\] \[\] 127\.0\.0\.1:8181 0 \d+\.\d{3} 404 [0-9a-f]{32}\n/);
  const web = (await cluster.client.resource<Pod>("Pod").list({ namespace: "default", labelSelector: "app=web" })).items[0]!;
  assert.match((await streams.logs("default", web.metadata!.name!, new URLSearchParams())) as string, /"HEAD \/ HTTP\/1\.1" 200 0 "-" "[^"]*" "127\.0\.0\.1"\n/);
});

curlTest("curl -I through the host port: nginx's welcome page length, no body; two on one connection", async () => {
  const url = `http://127.0.0.1:${ports.httpPort}/`;
  // Two URLs: curl reuses the connection, so a body sent after the first head would break the second.
  const { stdout } = await execFileAsync("curl", ["-sSI", "--max-time", "20", "-H", "Host: web.example.com", url, url], { encoding: "utf8" });
  const heads = stdout.split(/(?=HTTP\/1\.1 )/);
  assert.is(heads.length, 2, stdout);
  for (const h of heads) assert.match(h, /^HTTP\/1\.1 200 OK\r\nContent-Type: text\/html\r\nContent-Length: 615\r\nDate: [^\r]+\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n$/);
  // HTTP/2 with prior knowledge (h2c on the plain port): the same length.
  const h2 = await execFileAsync("curl", ["-sSI", "--max-time", "20", "--http2-prior-knowledge", "-H", "Host: web.example.com", url], { encoding: "utf8" });
  assert.match(h2.stdout, /^HTTP\/2 200 \r\ncontent-type: text\/html\r\ncontent-length: 615\r\ndate: [^\r]+\r\n\r\n$/);
});

test("HEAD through the API server's services/proxy: the target's Content-Length passed on, no body", async () => {
  const server = await cluster.serve({ port: 0, insecureHttp: true, token: "head-token" });
  const url = `${server.url}/api/v1/namespaces/default/services/web:80/proxy/`;
  const head = await fetch(url, { method: "HEAD", headers: { Authorization: "Bearer head-token" } });
  assert.equal([head.status, head.headers.get("content-length"), await head.text()], [200, "615", ""]);
  const page = await fetch(url, { headers: { Authorization: "Bearer head-token" } });
  assert.is((await page.text()).length, 615);
});

test.after(async () => {
  await cluster.stop();
});

test.run();
