import type { ImageDefinition } from "../../core/cri/images.js";
import { type Program, untilStopSignal } from "../../core/cri/process.js";

/** busybox/coreutils `cp [-f] SRC DST` inside the container's filesystem (the init containers' job). */
const cp: Program = async (p) => {
  const args = p.argv.slice(1).filter((a) => a !== "-f");
  const [src, dst] = args;
  if (!src || !dst) {
    p.stderr("cp: missing file operand\n");
    return 1;
  }
  const data = p.fs.read(src);
  if (data === undefined) {
    p.stderr(`cp: can't stat '${src}': No such file or directory\n`);
    return 1;
  }
  p.fs.write(dst.endsWith("/") ? dst + src.split("/").pop() : dst, data);
  return 0;
};

/**
 * flanneld's container. The node's data path is programmed by the flanneld node agent (which the
 * pod stands for); the container logs flanneld's start-up lines and runs until stopped.
 */
const flanneld: Program = async (p) => {
  const flag = (name: string): string | undefined => p.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const kube = p.argv.includes("--kube-subnet-mgr");
  const endpoints = flag("etcd-endpoints") ?? "http://127.0.0.1:4001,http://127.0.0.1:2379";
  p.stderr(`I0000 main.go:211] CLI flags config: {etcdEndpoints:${endpoints} etcdPrefix:${flag("etcd-prefix") ?? "/coreos.com/network"} kubeSubnetMgr:${kube} ipMasq:${p.argv.includes("--ip-masq")} ifaceCanReach: subnetFile:/run/flannel/subnet.env}\n`);
  if (kube) p.stderr(`I0000 kube.go:139] Waiting 10m0s for node controller to sync\n`);
  else p.stderr(`W0000 registry.go:87] no certificate provided: connecting to etcd with http. This is insecure\n`);
  p.stderr(`I0000 main.go:432] Wrote subnet file to /run/flannel/subnet.env\n`);
  p.stderr(`I0000 main.go:436] Running backend.\n`);
  return untilStopSignal(p);
};

export const FLANNEL_IMAGES: readonly ImageDefinition[] = [
  {
    repository: "docker.io/flannel/flannel",
    tags: ["v0.26.1", "v0.26.0", "v0.25.7", "latest"],
    size: 32_868_311,
    layers: ["sha256:flannel-v0.26.1-layer-0", "sha256:flannel-v0.26.1-layer-1"],
    config: { entrypoint: ["/opt/bin/flanneld"] },
    files: { "/opt/bin/flanneld": "", "/etc/kube-flannel/.keep": "" },
    programs: { flanneld, cp },
  },
  {
    repository: "docker.io/flannel/flannel-cni-plugin",
    tags: ["v1.5.1-flannel2", "v1.5.1-flannel1", "latest"],
    size: 4_617_052,
    layers: ["sha256:flannel-cni-plugin-v1.5.1-layer-0"],
    config: { entrypoint: ["cp"] },
    files: { "/flannel": "\u007fELF flannel CNI plugin v1.5.1-flannel2\n" },
    programs: { cp },
  },
];
