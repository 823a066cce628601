import type { ImageDefinition } from "../../core/cri/images.js";
import type { Program } from "../../core/cri/process.js";
import { connectCsi } from "../../core/csi/driver-pods.js";
import type { IdentityService } from "../../core/csi/services.js";
import type { UnixSocketTable } from "../../core/net/unix-sockets.js";

/** The sidecar images a driver's controller pod runs, with the version each serves. */
const SIDECARS = [
  { name: "csi-provisioner", tags: ["v5.1.0", "v5.0.2"], size: 28_410_338 },
  { name: "csi-attacher", tags: ["v4.7.0", "v4.6.1"], size: 27_305_961 },
  { name: "csi-resizer", tags: ["v1.12.0", "v1.11.2"], size: 28_181_312 },
  { name: "csi-snapshotter", tags: ["v8.1.0", "v8.0.1"], size: 27_763_770 },
] as const;

/**
 * A sidecar container: connects to the driver's socket (`--csi-address`), probes it and logs as
 * the sidecar does, then runs until stopped. The sidecar's reconcile loops are the csi-sidecars
 * plugin's controllers in the cluster's controller manager, which call the same driver.
 */
function sidecar(name: string, version: string, sockets: () => UnixSocketTable): Program {
  return async (p) => {
    const address = p.argv.find((a) => a.startsWith("--csi-address="))?.slice("--csi-address=".length) ?? "/csi/csi.sock";
    p.stderr(`I0000 00:00:00.000000       1 main.go:110] "Version" version="${version}"\n`);
    const csi = await connectCsi<{ identity: IdentityService }>(p, sockets(), address);
    if (!csi) return 137;
    await csi.identity.probe();
    const info = await csi.identity.getPluginInfo();
    p.stderr(`I0000 00:00:00.000000       1 common.go:143] "Probing CSI driver for readiness"\nI0000 00:00:00.000000       1 main.go:${name === "csi-provisioner" ? 346 : 160}] "Detected CSI driver" driver="${info.name}"\n`);
    return new Promise<number>((resolve) => {
      p.onSignal((s) => (s === "SIGTERM" || s === "SIGINT" ? resolve(0) : undefined));
      p.signal.addEventListener("abort", () => resolve(137), { once: true });
    });
  };
}

/** `registry.k8s.io/sig-storage/<sidecar>` images. */
export function sidecarImages(sockets: () => UnixSocketTable): ImageDefinition[] {
  return SIDECARS.map((s) => ({
    repository: `registry.k8s.io/sig-storage/${s.name}`,
    tags: [...s.tags],
    size: s.size,
    layers: [`sha256:${s.name}-${s.tags[0]}-layer-0`],
    config: { entrypoint: [`/${s.name}`] },
    programs: { [s.name]: sidecar(s.name, s.tags[0], sockets) },
  }));
}
