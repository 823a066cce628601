/**
 * Ingress throughput: wrk (Debian) against the ingress-nginx plugin's host port, backends answering
 * small responses (nginx pods), compared in the same run with Debian's nginx as a reverse proxy to a
 * local upstream. Prints requests/s, p99 latency and the ratio (target ≥ 0.5× nginx).
 * Needs `apt-get install -y wrk nginx-light`; prints what is missing otherwise.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Deployment } from "kubernetes-types/apps/v1.js";
import { Cluster } from "../core/cluster/cluster.js";
import { DEFAULT_PLUGINS } from "../core/cluster/default-distribution.js";
import { ingressNginx, IngressHostPortsToken } from "../plugins/ingress-nginx/index.js";

const TARGET_RATIO = 0.5;
const DURATION = process.env["BENCH_SECONDS"] ?? "5";

function has(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

interface WrkResult { rps: number; p99ms: number }

function wrk(url: string, host: string): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    const p = spawn("wrk", ["-t1", "-c16", `-d${DURATION}s`, "--latency", "-H", `Host: ${host}`, url]);
    let out = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.on("close", () => {
      const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
      const p99 = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
      if (!rps || !p99) return reject(new Error(`unexpected wrk output:\n${out}`));
      const unit = p99[2] === "us" ? 0.001 : p99[2] === "s" ? 1000 : 1;
      resolve({ rps: Number(rps[1]), p99ms: Number(p99[1]) * unit });
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const missing = ["wrk", "nginx"].filter((c) => !has(c) && !(c === "nginx" && has("/usr/sbin/nginx")));
if (missing.length) {
  console.log(`skipped: ${missing.join(", ")} not installed (apt-get install -y wrk nginx-light)`);
  process.exit(0);
}

// kubesim: the default distribution plus ingress-nginx, 3 nginx pods behind an Ingress.
const cluster = new Cluster({ clock: "real", nodes: 2, logLevel: "error", plugins: [...DEFAULT_PLUGINS] }).use(ingressNginx({ httpPort: 0, httpsPort: 0 }));
await cluster.start();
await cluster.apply(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: nginx:1.25}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: default}
spec:
  ingressClassName: nginx
  rules: [{host: bench.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
`);
await cluster.waitFor<Deployment>("Deployment", (d) => d.metadata?.name === "web" && d.status?.readyReplicas === 3, { namespace: "default", timeout: 60_000 });
const ports = cluster.resolve(IngressHostPortsToken);
await new Promise((r) => setTimeout(r, 500));
const sim = await wrk(`http://127.0.0.1:${ports.httpPort}/`, "bench.example.com");
await cluster.stop();

// Debian's nginx: a reverse proxy on one port to an upstream server block answering a small page.
const dir = mkdtempSync(join(tmpdir(), "kubesim-bench-nginx-"));
const [front, back] = [await freePort(), await freePort()];
writeFileSync(
  join(dir, "nginx.conf"),
  `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream app { server 127.0.0.1:${back}; keepalive 32; }
  server { listen 127.0.0.1:${back}; location / { return 200 "<html><body>Welcome to nginx!</body></html>"; } }
  server { listen 127.0.0.1:${front}; location / { proxy_http_version 1.1; proxy_set_header Connection ""; proxy_pass http://app; } }
}
`,
);
const nginxBin = has("nginx") ? "nginx" : "/usr/sbin/nginx";
const ng = spawn(nginxBin, ["-c", join(dir, "nginx.conf"), "-g", "daemon off;"], { stdio: "ignore" });
await new Promise((r) => setTimeout(r, 500));
const real = await wrk(`http://127.0.0.1:${front}/`, "bench.example.com");
ng.kill("SIGTERM");
await new Promise((r) => ng.once("exit", r));
rmSync(dir, { recursive: true, force: true });

const ratio = sim.rps / real.rps;
console.log(`ingress-nginx plugin: ${sim.rps.toFixed(0)} requests/s, p99 ${sim.p99ms.toFixed(2)} ms (wrk -t1 -c16 -d${DURATION}s)`);
console.log(`Debian nginx proxy:   ${real.rps.toFixed(0)} requests/s, p99 ${real.p99ms.toFixed(2)} ms`);
console.log(`ratio: ${ratio.toFixed(2)}x nginx (target >= ${TARGET_RATIO}x) ${ratio >= TARGET_RATIO ? "OK" : "BELOW TARGET"}`);
