/**
 * The acceptance path, as a user walks it: `kubesim up` (the ingress on host ports), an app
 * and its Ingress made with kubectl, curl with a Host header through the HTTP host port and with
 * SNI through the HTTPS one, `kubectl get ingress` showing the controller's address, and the
 * controller's nginx.conf and access log through `kubectl exec` and `kubectl logs`.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startUp } from "../support/kubesim-up.js";
import { kubectlIn } from "../clients/kubectl-runner.js";
import { CURL, KUBECTL, requireTool } from "../support/require-tool.js";

requireTool(KUBECTL);
requireTool(CURL);

const execFileAsync = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "kubesim-ingress-up-"));
const kubeconfig = join(dir, "kubeconfig");
const { child, out } = await startUp(["--port", "0", "--state-dir", join(dir, "state"), "--kubeconfig", kubeconfig, "--nodes", "1", "--no-dns", "--no-kube-state-metrics", "--no-node-exporter", "--no-logging"]);
const k = kubectlIn(dir, kubeconfig);
const port = (scheme: string): number => Number(new RegExp(`ingress \\(${scheme}\\) at \\w+://127\\.0\\.0\\.1:(\\d+)`).exec(out())?.[1]);

/** `kubectl create ingress`, again while the webhook cannot be called yet (kube-proxy has not programmed its Service). */
async function createIngress(args: string[]): Promise<void> {
  for (let i = 0; ; i++) {
    const r = await k.run(["create", "ingress", ...args]);
    if (r.code === 0) return;
    if (i >= 50 || !r.stderr.includes("failed calling webhook")) throw new Error(`kubectl create ingress failed: ${r.stderr}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

const curl = async (args: string[]): Promise<string> => (await execFileAsync("curl", ["-s", "--max-time", "10", ...args], { encoding: "utf8" })).stdout;

test("kubectl create deployment/expose/create ingress, then curl -H 'Host: shop.example.com' reaches the pods; kubectl get ingress shows the address", async () => {
  const http = port("HTTP");
  assert.ok(http > 0, out());
  await k.ok(["create", "deployment", "web", "--image=nginx:1.25"]);
  await k.ok(["expose", "deployment", "web", "--port=80"]);
  // As ingress-nginx's quick start says: the controller's webhook refuses nothing only once a controller pod is Ready.
  await k.ok(["wait", "-n", "ingress-nginx", "--for=condition=ready", "pod", "--selector=app.kubernetes.io/component=controller", "--timeout=90s"]);
  await createIngress(["web", "--class=nginx", "--rule=shop.example.com/*=web:80"]);
  await k.ok(["rollout", "status", "deployment/web", "--timeout=60s"]);
  let page = "";
  for (let i = 0; i < 100 && !page.includes("Welcome to nginx!"); i++) {
    page = await curl(["-H", "Host: shop.example.com", `http://127.0.0.1:${http}/`]);
    if (!page.includes("Welcome to nginx!")) await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(page, /<title>Welcome to nginx!<\/title>/);
  assert.match(await curl(["-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: nobody.example.com", `http://127.0.0.1:${http}/`]), /^404$/);
  let address = "";
  for (let i = 0; i < 100 && !address; i++) {
    address = await k.ok(["get", "ingress", "web", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}"]);
    if (!address) await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(await k.ok(["get", "ingress", "web"]), new RegExp(`^NAME\\s+CLASS\\s+HOSTS\\s+ADDRESS\\s+PORTS\\s+AGE\\nweb\\s+nginx\\s+shop\\.example\\.com\\s+${address.replaceAll(".", "\\.")}\\s+80\\s+\\S+\\n$`));  // How users of the real controller debug it: its rendered nginx.conf and its access log.
  const conf = await k.ok(["exec", "-n", "ingress-nginx", "deploy/ingress-nginx-controller", "--", "cat", "/etc/nginx/nginx.conf"]);
  assert.match(conf, /## start server shop\.example\.com\n\tserver \{\n\t\tserver_name shop\.example\.com ;/);
  assert.match(conf, /set \$proxy_upstream_name "default-web-80";/);
  const logs = await k.ok(["logs", "-n", "ingress-nginx", "deploy/ingress-nginx-controller"]);
  assert.match(logs, /"GET \/ HTTP\/1\.1" 200 \d+ "-" "curl\/[^"]+" \d+ [\d.]+ \[default-web-80\] \[\] 10\.244\.\d+\.\d+:80 \d+ [\d.]+ 200 [0-9a-f]{32}\n/);
});

test("TLS: kubectl create secret tls and an Ingress tls entry; curl --resolve gets the Secret's certificate by SNI, plain HTTP a 308", async () => {
  const https = port("HTTPS");
  await execFileAsync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=secure.example.com", "-addext", "subjectAltName=DNS:secure.example.com", "-keyout", join(dir, "tls.key"), "-out", join(dir, "tls.crt")]);
  await k.ok(["create", "secret", "tls", "secure-tls", `--cert=${join(dir, "tls.crt")}`, `--key=${join(dir, "tls.key")}`]);
  await createIngress(["secure", "--class=nginx", "--rule=secure.example.com/*=web:80,tls=secure-tls"]);
  let verbose = "";
  for (let i = 0; i < 100 && !/subject: CN=secure\.example\.com/.test(verbose); i++) {
    verbose = await execFileAsync("curl", ["-sk", "-v", "--max-time", "10", "--resolve", `secure.example.com:${https}:127.0.0.1`, `https://secure.example.com:${https}/`], { encoding: "utf8" }).then((r) => r.stderr + r.stdout, () => "");
    if (!/subject: CN=secure\.example\.com/.test(verbose)) await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(verbose, /subject: CN=secure\.example\.com/);
  assert.match(verbose, /Welcome to nginx!/);
  const redirect = await curl(["-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "-H", "Host: secure.example.com", `http://127.0.0.1:${port("HTTP")}/x`]);
  assert.is(redirect, `308 https://secure.example.com:${https}/x`);
});

test.after(() => {
  child.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

test.run();
