import type { ImageDefinition } from "../../../core/cri/images.js";
import type { Process, Program } from "../../../core/cri/process.js";
import type { Random } from "../../../core/clock/random.js";
import type { SharedInformerFactory } from "../../../core/informers/shared-informer-factory.js";
import { NetError } from "../../../core/net/sockets.js";
import { DnsServer } from "../server/dns-server.js";
import type { DnsEnvironment, DnsPluginDefinition } from "../server/handler.js";
import { serveOnStack, stackTransport } from "../server/stack-listeners.js";
import { createHash } from "node:crypto";

/** What the image's program needs from the cluster it runs in. */
export interface CorednsImageDeps {
  /** The cluster's informers (what the kubernetes plugin reads through its ServiceAccount in a real cluster). */
  informers(): SharedInformerFactory | undefined;
  random: Random;
  /** Built-in and third-party DNS plugins, by directive name. */
  plugins(): ReadonlyMap<string, DnsPluginDefinition>;
  /** Called with each running server (tests, benchmarks, the host port). */
  onServer?(server: DnsServer, process: Process): () => void;
}

/** The environment a server gets inside a container. */
export function processEnvironment(p: Process, deps: CorednsImageDeps, corefilePath: string, fatal: (message: string) => void): DnsEnvironment {
  const informers = deps.informers();
  return {
    clock: p.clock,
    random: deps.random,
    log: (level, text) => p.stdout(`[${level}] ${text}\n`),
    readFile: (path) => p.fs.read(path),
    ...(informers ? { informers } : {}),
    transport: stackTransport(p.net, p.clock),
    fatal,
    hostname: p.hostname,
    corefilePath,
  };
}

/** `coredns [-conf FILE] [-dns.port N]`: runs the Corefile's servers until SIGTERM (after health's lameduck). */
function corednsProgram(deps: CorednsImageDeps): Program {
  return async (p) => {
    const args = p.argv.slice(1);
    const conf = args[args.indexOf("-conf") + 1] && args.includes("-conf") ? args[args.indexOf("-conf") + 1]! : "Corefile";
    const portArg = args.includes("-dns.port") ? Number(args[args.indexOf("-dns.port") + 1]) : 53;
    const path = conf.startsWith("/") ? conf : `${p.cwd.replace(/\/$/, "")}/${conf}`;
    const text = p.fs.read(path) ?? (conf === "Corefile" ? ".:53 {\n    whoami\n    log\n}\n" : undefined);
    if (text === undefined) {
      p.stdout(`Error: open ${conf}: no such file or directory\n`);
      return 1;
    }
    let exit!: (code: number) => void;
    const exited = new Promise<number>((resolve) => (exit = resolve));
    const fatal = (message: string): void => {
      p.stdout(`[FATAL] ${message}\n`);
      exit(1);
    };
    const server = new DnsServer(processEnvironment(p, deps, path, fatal), deps.plugins(), { defaultPort: portArg });
    try {
      await server.load(text);
    } catch (err) {
      p.stdout(`${(err as Error).message.replace(/(^|: )Corefile:/, `$1${path}:`)}\n`);
      await server.stop();
      return 1;
    }
    let listeners: { close(): void };
    try {
      listeners = serveOnStack(server, p.net);
    } catch (err) {
      const m = err instanceof NetError && err.code === "EADDRINUSE" ? `listen udp :${server.ports()[0]}: bind: address already in use` : (err as Error).message;
      p.stdout(`[FATAL] ${m}\n`);
      await server.stop();
      return 1;
    }
    const detach = deps.onServer?.(server, p);
    for (const port of server.ports()) p.stdout(`.:${port}\n`);
    p.stdout(`[INFO] plugin/reload: Running configuration SHA512 = ${createHash("sha512").update(text).digest("hex")}\nCoreDNS-1.11.3\nlinux/amd64, go1.21.11, a6338e9\n`);
    p.onSignal((sig) => {
      if (sig !== "SIGTERM" && sig !== "SIGINT" && sig !== "SIGQUIT") return;
      p.stdout(`[INFO] ${sig}: Shutting down servers then terminating\n`);
      const lameduck = server.lameduckMs();
      if (lameduck <= 0) return exit(0);
      p.stdout(`[INFO] plugin/health: Going into lameduck mode for ${lameduck / 1000}s\n`);
      p.sleep(lameduck).then(
        () => exit(0),
        () => exit(0),
      );
    });
    p.signal.addEventListener("abort", () => exit(137), { once: true });
    const code = await exited;
    detach?.();
    listeners.close();
    await server.stop();
    return code;
  };
}

/** `registry.k8s.io/coredns/coredns`: the CoreDNS image kubeadm deploys. */
export function corednsImage(deps: CorednsImageDeps): ImageDefinition {
  return {
    repository: "registry.k8s.io/coredns/coredns",
    tags: ["v1.11.3", "v1.11.1", "v1.10.1", "v1.9.3"],
    size: 16_190_758,
    layers: ["sha256:coredns-base-layer", "sha256:coredns-1.11-layer"],
    config: { entrypoint: ["/coredns"], exposedPorts: ["53/tcp", "53/udp"] },
    programs: { coredns: corednsProgram(deps) },
  };
}
