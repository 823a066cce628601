import type { ImageDefinition } from "../../../core/cri/images.js";
import type { Process, Program } from "../../../core/cri/process.js";
import { layers, serveHttp, serveHttps, untilSignal } from "../daemon.js";
import { ALPINE_BASE, USERLAND } from "../userland.js";
import { grpcHealthChecking } from "./agnhost-grpc-health.js";

function flag(argv: readonly string[], name: string, fallback: string): string {
  const f = argv.find((a) => a.startsWith(`--${name}=`));
  if (f) return f.slice(name.length + 3);
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : fallback;
}

/** `agnhost netexec`: the e2e tests' HTTP/UDP utility server. */
async function netexec(p: Process, args: readonly string[]): Promise<number> {
  const httpPort = Number(flag(args, "http-port", "8080"));
  const udpPort = Number(flag(args, "udp-port", "8081"));
  let exitCode: number | undefined;
  let exitNow: ((code: number) => void) | undefined;
  // --tls-cert-file and --tls-private-key-file: the HTTP port serves HTTPS instead.
  const certFile = flag(args, "tls-cert-file", "");
  const keyFile = flag(args, "tls-private-key-file", "");
  const tls = certFile && keyFile ? { cert: p.fs.read(certFile), key: p.fs.read(keyFile) } : undefined;
  if ((certFile || keyFile) && (!tls?.cert || !tls.key)) {
    p.stderr(`F0101 00:00:00.000000       1 netexec.go:197] open ${!tls?.cert ? certFile || keyFile : keyFile}: no such file or directory\n`);
    return 255;
  }
  p.stderr(`I0101 00:00:00.000000       1 log.go:245] Started ${tls ? "HTTPS" : "HTTP"} server on port ${httpPort}\n`);
  p.stderr(`I0101 00:00:00.000000       1 log.go:245] Started UDP server on port  ${udpPort}\n`);
  const serve = tls ? (port: number, h: Parameters<typeof serveHttp>[2]) => serveHttps(p, port, tls as { cert: string; key: string }, h) : (port: number, h: Parameters<typeof serveHttp>[2]) => serveHttp(p, port, h);
  serve(httpPort, (req) => {
    const [path = "/", query = ""] = req.path.split("?");
    const params = new URLSearchParams(query);
    p.stderr(`I0101 00:00:00.000000       1 log.go:245] GET ${path}\n`);
    switch (path) {
      case "/":
      case "/echo":
        return { status: 200, body: params.get("msg") ?? "NOW: " + new Date(p.clock.now()).toISOString() };
      case "/hostname":
        return { status: 200, body: p.hostname };
      case "/clientip":
        return { status: 200, body: `${req.remoteAddress}:${req.remotePort}` };
      case "/healthz":
        return { status: 200, body: "" };
      case "/header":
        return { status: 200, body: req.headers[(params.get("key") ?? "").toLowerCase()] ?? "" };
      case "/exit": {
        const code = Number(params.get("code") ?? "0");
        exitCode = code;
        setImmediate(() => exitNow?.(code));
        return { status: 200, body: "" };
      }
      default:
        return { status: 404, body: "404 page not found\n" };
    }
  });
  try {
    p.net.bindUdp(udpPort, (msg, socket) => {
      const text = new TextDecoder().decode(msg.data).trim();
      const reply = text === "hostname" ? p.hostname : text.startsWith("echo ") ? text.slice(5) : text === "clientip" ? msg.remoteAddress : "";
      socket.send(new TextEncoder().encode(reply), msg.remoteAddress, msg.remotePort);
    });
  } catch {
    /* UDP unavailable in this namespace */
  }
  return new Promise<number>((resolve, reject) => {
    exitNow = resolve;
    if (exitCode !== undefined) resolve(exitCode);
    untilSignal(p, () => 0).then(resolve, reject);
  });
}

const agnhost: Program = async (p) => {
  const [sub, ...args] = p.argv.slice(1);
  switch (sub) {
    case "netexec":
      return netexec(p, args);
    case "serve-hostname": {
      const port = Number(flag(args, "port", "9376"));
      p.stderr(`Serving on port ${port}.\n`);
      serveHttp(p, port, () => ({ status: 200, body: p.hostname }));
      return untilSignal(p, () => 0);
    }
    case "pause":
      p.stdout("Paused\n");
      return untilSignal(p, (s) => (s === "SIGTERM" || s === "SIGINT" ? (p.stdout(`Shutting down after receiving signal: ${s === "SIGTERM" ? "terminated" : "interrupt"}.\n`), 0) : undefined));
    case "liveness": {
      const started = p.clock.now();
      serveHttp(p, 8080, (req) => {
        if (req.path !== "/healthz") return { status: 404, body: "" };
        const elapsed = (p.clock.now() - started) / 1000;
        return elapsed > 10 ? { status: 500, body: `error: ${elapsed.toFixed(0)}` } : { status: 200, body: "ok" };
      });
      return untilSignal(p, () => 0);
    }
    case "grpc-health-checking":
      return grpcHealthChecking(p, (name, fallback) => flag(args, name, fallback));
    case "test-webserver": {
      serveHttp(p, Number(flag(args, "port", "80")), () => ({ status: 200, body: "<html><body>hello</body></html>" }));
      return untilSignal(p, () => 0);
    }
    case undefined:
      p.stderr("Usage:\n  agnhost [command]\n\nAvailable Commands:\n  grpc-health-checking\n  netexec\n  pause\n  serve-hostname\n  liveness\n  test-webserver\n");
      return 0;
    default:
      p.stderr(`Error: unknown command "${sub}" for "agnhost"\nRun 'agnhost --help' for usage.\n`);
      return 1;
  }
};

/** registry.k8s.io/e2e-test-images/agnhost: the Kubernetes e2e test image. */
export const AGNHOST: ImageDefinition = {
  repository: "registry.k8s.io/e2e-test-images/agnhost",
  tags: ["2.39", "2.40", "2.43", "2.45", "2.47", "2.48", "2.50", "2.52", "2.53"],
  size: 52_000_000,
  layers: layers("agnhost", 3, ALPINE_BASE),
  config: { entrypoint: ["/agnhost"], cmd: ["pause"], exposedPorts: ["80/tcp", "8080/tcp", "8081/udp", "9376/tcp"] },
  programs: { ...USERLAND, agnhost },
};
