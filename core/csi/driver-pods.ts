import type { ImageDefinition } from "../cri/images.js";
import { type Process, type Program, untilStopped } from "../cri/process.js";
import { UnixSocketError, type UnixListener, type UnixSocketTable } from "../net/unix-sockets.js";
import type { PluginInfo, RegistrationService, RegistrationStatus } from "./plugin-registration.js";
import type { IdentityService } from "./services.js";

/** The node-driver-registrar image drivers' DaemonSets run (kubernetes-csi/node-driver-registrar). */
export const NODE_DRIVER_REGISTRAR_IMAGE = "registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.12.0";

function flag(p: Process, name: string): string | undefined {
  const prefix = `--${name}=`;
  return p.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

function klog(p: Process, file: string, msg: string, kv: Record<string, string> = {}): void {
  const d = new Date(p.clock.now());
  const ts = `${String(d.getUTCMonth() + 1).padStart(2, "0")}${String(d.getUTCDate()).padStart(2, "0")} ${d.toISOString().slice(11, 23)}000`;
  p.stderr(`I${ts}       1 ${file}] "${msg}"${Object.entries(kv).map(([k, v]) => ` ${k}="${v}"`).join("")}\n`);
}

/** Connects to the driver's CSI socket, retrying every second while it is not there yet (as the sidecars' connection library does). */
export async function connectCsi<T extends object>(p: Process, sockets: UnixSocketTable, address: string): Promise<T | undefined> {
  const path = address.replace(/^unix:\/\//, "");
  klog(p, "connection.go:215", "Connecting", { address: `unix://${path}` });
  for (;;) {
    try {
      return sockets.connect<T>(p.fs, path);
    } catch (err) {
      if (!(err instanceof UnixSocketError)) throw err;
      klog(p, "connection.go:244", "Still connecting", { address: `unix://${path}` });
      try {
        await p.sleep(1000);
      } catch {
        return undefined;
      }
    }
  }
}

/**
 * `csi-node-driver-registrar --csi-address=/csi/csi.sock --kubelet-registration-path=<node path>`:
 * asks the driver its name (GetPluginInfo), serves the kubelet's Registration service on
 * `/registration/<driver>-reg.sock` (`--plugin-registration-path`), and runs until stopped,
 * removing its socket on SIGTERM so the kubelet deregisters the driver. A failed registration
 * ends it with exit code 1 (the container restarts and tries again).
 */
export function nodeDriverRegistrar(sockets: () => UnixSocketTable): Program {
  return async (p) => {
    const csiAddress = flag(p, "csi-address") ?? "/run/csi/socket";
    const registrationPath = flag(p, "kubelet-registration-path");
    const dir = (flag(p, "plugin-registration-path") ?? "/registration").replace(/\/$/, "");
    klog(p, "main.go:150", "Version", { version: "v2.12.0" });
    klog(p, "main.go:151", "Running node-driver-registrar", { mode: "" });
    if (!registrationPath) {
      p.stderr(`E0000 00:00:00.000000       1 main.go:159] "kubelet-registration-path is a required parameter"\n`);
      return 1;
    }
    klog(p, "main.go:171", "Attempting to open a gRPC connection", { csiAddress });
    const csi = await connectCsi<{ identity: IdentityService }>(p, sockets(), csiAddress);
    if (!csi) return 137;
    klog(p, "main.go:179", "Calling CSI driver to discover driver name");
    const { name } = await csi.identity.getPluginInfo();
    klog(p, "main.go:187", "CSI driver name", { csiDriverName: name });
    const socketPath = `${dir}/${name}-reg.sock`;
    let exit!: (code: number) => void;
    const failed = new Promise<number>((resolve) => (exit = resolve));
    const service: RegistrationService = {
      getInfo: async (): Promise<PluginInfo> => {
        klog(p, "main.go:90", "Received GetInfo call", { request: "&InfoRequest{}" });
        return { type: "CSIPlugin", name, endpoint: registrationPath, supportedVersions: ["1.0.0"] };
      },
      notifyRegistrationStatus: async (status: RegistrationStatus) => {
        klog(p, "main.go:101", "Received NotifyRegistrationStatus call", { status: `&RegistrationStatus{PluginRegistered:${status.pluginRegistered},Error:${status.error},}` });
        if (!status.pluginRegistered) {
          p.stderr(`E0000 00:00:00.000000       1 main.go:103] "Registration process failed with error, restarting registration container" err="${status.error}"\n`);
          exit(1);
        }
      },
    };
    klog(p, "node_register.go:55", "Starting Registration Server", { socketPath });
    const listener: UnixListener = sockets().listen(p.fs, socketPath, service);
    klog(p, "node_register.go:64", "Registration Server started", { socketPath });
    const code = await Promise.race([untilStopped(p), failed]);
    listener.close();
    return code;
  };
}

/** The node-driver-registrar's image. */
export function nodeDriverRegistrarImage(sockets: () => UnixSocketTable): ImageDefinition {
  return {
    repository: NODE_DRIVER_REGISTRAR_IMAGE.split(":")[0]!,
    tags: ["v2.12.0", "v2.11.1", "v2.10.1"],
    size: 13_217_486,
    layers: ["sha256:csi-node-driver-registrar-v2.12.0-layer-0"],
    config: { entrypoint: ["/csi-node-driver-registrar"] },
    programs: { "csi-node-driver-registrar": nodeDriverRegistrar(sockets) },
  };
}

/**
 * A CSI driver binary (`--endpoint=unix:///csi/csi.sock --nodeid=<node>`): serves what `serve`
 * returns for its node id — the node plugin in the DaemonSet's pods, the controller plugin in the
 * controller's pod — on the endpoint socket until stopped.
 */
export function csiDriverProgram(o: { sockets: () => UnixSocketTable; serve(nodeId: string | undefined, p: Process): object | undefined; banner?(p: Process): void }): Program {
  return async (p) => {
    const endpoint = (flag(p, "endpoint") ?? p.env["CSI_ENDPOINT"] ?? "unix:///csi/csi.sock").replace(/^unix:\/\//, "");
    const nodeId = flag(p, "nodeid") || undefined;
    o.banner?.(p);
    const service = o.serve(nodeId, p);
    if (!service) {
      p.stderr(`F0000 00:00:00.000000       1 main.go:120] Failed to initialize driver: node ${nodeId ?? "(none)"} is not known to this driver\n`);
      return 1;
    }
    const listener = o.sockets().listen(p.fs, endpoint, service);
    klog(p, "server.go:101", "Listening for connections", { address: `//${endpoint}` });
    const code = await untilStopped(p);
    listener.close();
    return code;
  };
}
