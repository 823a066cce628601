import type { ImageDefinition } from "../../core/cri/images.js";
import type { Process, Program } from "../../core/cri/process.js";
import { USERLAND, baseFiles, serveHttp, serveHttps, untilSignal } from "../images/index.js";
import { klogTime, type ControllerInstance, type IngressNginxController } from "./controller.js";
import { CONTROLLER_IMAGE } from "./manifest.js";
import { decodeReview, type IngressReview } from "./admission.js";
import { CONTROLLER_VERSION, NGINX_VERSION } from "./nginx-conf.js";
import { RequestHandler } from "./request-handler.js";
import { IngressControllerMetrics } from "./controller-metrics.js";
import { PROMETHEUS_TEXT_CONTENT_TYPE } from "../../core/metrics/metrics-registry.js";

const ALPINE_RELEASE = 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.21.3\nPRETTY_NAME="Alpine Linux v3.21"\nHOME_URL="https://alpinelinux.org/"\n';

/**
 * `/nginx-ingress-controller`: prints the controller's banner, serves HTTP on :80 of its pod
 * (requests from inside the cluster, and those the host ports hand over) through the shared
 * control loop's routing model, answers `/healthz` on :10254 for its probes, keeps
 * /etc/nginx/nginx.conf rendered, writes ingress-nginx's access log lines to stdout, and with
 * `--validating-webhook=:port` serves its validating webhook over TLS there (see serveWebhook).
 */
function controllerProgram(controller: () => IngressNginxController | undefined): Program {
  return async (p) => {
    const ctl = controller();
    const t = (): string => klogTime(p.clock.now());
    p.stdout(
      "-------------------------------------------------------------------------------\n" +
        "NGINX Ingress controller\n" +
        `  Release:       ${CONTROLLER_VERSION}\n` +
        "  Build:         kubesim\n" +
        "  Repository:    https://github.com/kubernetes/ingress-nginx\n" +
        `  nginx version: nginx/${NGINX_VERSION}\n\n` +
        "-------------------------------------------------------------------------------\n\n",
    );
    if (!ctl) {
      p.stderr(`F${t().slice(1)}       7 main.go:64] the ingress-nginx plugin is not running in this cluster\n`);
      return 255;
    }
    p.stderr(`${t()}       7 main.go:205] "Creating API client" host="https://10.96.0.1:443"\n`);
    p.stderr(`${t()}       7 main.go:248] "Running in Kubernetes cluster" major="1" minor="32" git="v1.32.0" state="clean"\n`);
    p.fs.mkdir("/etc/nginx");
    const metrics = new IngressControllerMetrics(p.env["POD_NAME"] ?? p.hostname, p.env["POD_NAMESPACE"] ?? "ingress-nginx");
    const instance: ControllerInstance = {
      podName: p.env["POD_NAME"] ?? p.hostname,
      handler: new RequestHandler(() => ctl.routing(), p.net, p.clock, (line) => p.stdout(line), metrics, (line) => p.stderr(line)),
      writeConf: (text) => {
        p.fs.write("/etc/nginx/nginx.conf", text);
        metrics.reloaded(p.clock.now());
      },
      log: (line) => p.stderr(line),
    };
    // Killed without a signal handler running (SIGKILL, the node going away): its upstream connections close with it.
    p.signal.addEventListener("abort", () => instance.handler.close(), { once: true });
    serveHttp(p, 80, (req) => instance.handler.handle({ ...req, scheme: "http", httpsPort: 443 }));
    serveHttp(p, 10254, async (req) =>
      req.path.startsWith("/healthz")
        ? { status: 200, body: "ok" }
        : req.path === "/metrics"
          ? { status: 200, headers: { "Content-Type": PROMETHEUS_TEXT_CONTENT_TYPE }, body: await metrics.registry.metrics() }
          : { status: 404, body: "404 page not found\n" },
    );
    if (!serveWebhook(p, ctl, t)) return 255;
    ctl.attach(instance);
    p.stderr(`${t()}       7 controller.go:196] "Configuration changes detected, backend reload required"\n`);
    p.stderr(`${t()}       7 controller.go:214] "Backend successfully reloaded"\n`);
    p.stderr(`${t()}       7 leaderelection.go:271] "successfully acquired lease" lock="ingress-nginx/ingress-nginx-leader"\n`);
    try {
      return await untilSignal(p, (s) => {
        if (s === "SIGTERM" || s === "SIGQUIT" || s === "SIGINT") {
          p.stderr(`${t()}       7 sigterm.go:36] "Received SIGTERM, shutting down"\n`);
          return 0;
        }
        return undefined;
      });
    } finally {
      ctl.detach(instance);
      instance.handler.close();
    }
  };
}

/** The value of `--name=value` in the controller's arguments. */
function flagValue(argv: readonly string[], name: string): string | undefined {
  return argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/**
 * `--validating-webhook=:8443` with `--validating-webhook-certificate` and `--validating-webhook-key`:
 * AdmissionReview v1 over HTTPS on that port (the controller's answer, see reviewIngress), logged
 * as the controller logs each review. False (after the fatal log line) when the certificate or key
 * cannot be read; true when served or not asked for.
 */
function serveWebhook(p: Process, ctl: IngressNginxController, t: () => string): boolean {
  const address = flagValue(p.argv, "validating-webhook");
  if (!address) return true;
  const certFile = flagValue(p.argv, "validating-webhook-certificate") ?? "";
  const keyFile = flagValue(p.argv, "validating-webhook-key") ?? "";
  const cert = certFile ? p.fs.read(certFile) : undefined;
  const key = keyFile ? p.fs.read(keyFile) : undefined;
  if (!cert || !key) {
    p.stderr(`F${t().slice(1)}       7 main.go:87] "Error loading webhook certificate" err="open ${!cert ? certFile : keyFile}: no such file or directory"\n`);
    return false;
  }
  serveHttps(p, Number(address.slice(address.lastIndexOf(":") + 1)), { cert, key }, (req) => {
    // As upstream's admission server: a body it cannot decode is a 400, a review it cannot handle a 500.
    let review: IngressReview;
    try {
      review = decodeReview(req.body);
    } catch (err) {
      p.stderr(`E${t().slice(1)}       7 server.go:62] "Unexpected error decoding request" err=${JSON.stringify((err as Error).message)}\n`);
      return { status: 400, body: "" };
    }
    let answer;
    try {
      answer = ctl.review(review);
    } catch (err) {
      p.stderr(`E${t().slice(1)}       7 server.go:69] "Unexpected error handling request" err=${JSON.stringify((err as Error).message)}\n`);
      return { status: 500, body: "" };
    }
    const ing = `${review.request?.namespace ?? ""}/${review.request?.name ?? ""}`;
    p.stderr(answer.problem === undefined
      ? `${t()}       7 main.go:144] "successfully validated configuration, accepting" ingress="${ing}"\n`
      : `E${t().slice(1)}       7 main.go:125] "failed to process ingress" err=${JSON.stringify(answer.problem)} ingress="${ing}"\n`);
    return { status: 200, headers: { "Content-Type": "application/json" }, body: JSON.stringify(answer.review) };
  });
  return true;
}

/** registry.k8s.io/ingress-nginx/controller: the controller's image, bound to one cluster's control loop. */
export function controllerImage(controller: () => IngressNginxController | undefined): ImageDefinition {
  const repository = CONTROLLER_IMAGE.slice(0, CONTROLLER_IMAGE.lastIndexOf(":"));
  return {
    repository,
    tags: [CONTROLLER_VERSION, "*"],
    size: 105_000_000,
    layers: ["sha256:alpine-3.21-base", "sha256:ingress-nginx-controller-1", "sha256:ingress-nginx-controller-2"],
    config: { entrypoint: ["/usr/bin/dumb-init", "--"], cmd: ["/nginx-ingress-controller"], exposedPorts: ["80/tcp", "443/tcp", "8443/tcp"], user: "101", workingDir: "/etc/nginx" },
    files: { ...baseFiles(ALPINE_RELEASE), "/etc/nginx/nginx.conf": "# rendered by the controller at start-up\n" },
    programs: { ...USERLAND, "nginx-ingress-controller": controllerProgram(controller), "dumb-init": async (p) => p.spawn(p.argv.slice(p.argv[1] === "--" ? 2 : 1)) },
  };
}
