import type { ImageDefinition } from "../../core/cri/images.js";
import { type Program, untilStopSignal } from "../../core/cri/process.js";

/** A long-running Calico component: it logs its start and runs until stopped (its work is done by the node agent the pod stands for). */
function daemon(lines: readonly string[]): Program {
  return async (p) => {
    for (const l of lines) p.stdout(`${new Date(p.clock.now()).toISOString().replace("T", " ").slice(0, 23)} [INFO] ${l}\n`);
    return untilStopSignal(p);
  };
}

/** A one-shot init step: logs and exits 0. */
function oneShot(lines: readonly string[]): Program {
  return async (p) => {
    for (const l of lines) p.stdout(`${new Date(p.clock.now()).toISOString().replace("T", " ").slice(0, 23)} [INFO] ${l}\n`);
    return 0;
  };
}

export const CALICO_IMAGES: readonly ImageDefinition[] = [
  {
    repository: "docker.io/calico/node",
    tags: ["v3.28.0", "v3.27.3", "latest"],
    size: 115_180_564,
    layers: ["sha256:calico-node-v3.28.0-layer-0"],
    config: { entrypoint: ["start_runit"] },
    programs: { start_runit: daemon(["Early log level set to info", "Using NODENAME environment for node name", "Felix: Successfully loaded configuration.", "confd: Starting calico-confd", "bird: Started"]) },
  },
  {
    repository: "docker.io/calico/cni",
    tags: ["v3.28.0", "v3.27.3", "latest"],
    size: 94_530_178,
    layers: ["sha256:calico-cni-v3.28.0-layer-0"],
    config: { entrypoint: ["/opt/cni/bin/install"] },
    programs: {
      install: oneShot(["Running as a Kubernetes pod", "Installed /host/opt/cni/bin/calico", "Installed /host/opt/cni/bin/calico-ipam", "Wrote Calico CNI binaries to /host/opt/cni/bin", "Created /host/etc/cni/net.d/10-calico.conflist", "Done configuring CNI.  Sleep= false"]),
      "calico-ipam": oneShot(["Checking IPAM for upgrade: no host-local IPAM state found, nothing to upgrade"]),
    },
  },
  {
    repository: "docker.io/calico/kube-controllers",
    tags: ["v3.28.0", "v3.27.3", "latest"],
    size: 32_913_457,
    layers: ["sha256:calico-kube-controllers-v3.28.0-layer-0"],
    config: { entrypoint: ["/usr/bin/kube-controllers"] },
    programs: { "kube-controllers": daemon(["Loaded configuration from environment", "Starting Node controller"]) },
  },
];
