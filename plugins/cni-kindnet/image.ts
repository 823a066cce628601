import type { ImageDefinition } from "../../core/cri/images.js";
import { type Program, untilStopSignal } from "../../core/cri/process.js";
import { klogLine } from "../../core/log/klog.js";

/**
 * kindnetd's container: logs kindnetd's start-up lines from its environment (HOST_IP, POD_IP,
 * POD_SUBNET) and runs until stopped. The node's conflist, routes and masquerade rules are kept by
 * the kindnet node agent this pod stands for (docs/networking.md).
 */
const kindnetd: Program = async (p) => {
  const log = (source: string, message: string): void => p.stderr(klogLine("I", p.clock.now(), source, message));
  log("main.go:109", `connected to apiserver: https://10.96.0.1:443`);
  log("main.go:139", `hostIP = ${p.env.HOST_IP ?? ""}\npodIP = ${p.env.POD_IP ?? ""}`);
  log("main.go:148", `setting mtu 1500 for CNI `);
  log("main.go:178", `kindnetd IP family: "ipv4"`);
  log("main.go:182", `noMask IPv4 subnets: [${p.env.POD_SUBNET ?? ""}]`);
  return untilStopSignal(p);
};

/** docker.io/kindest/kindnetd, the image of the kindnet DaemonSet. */
export const KINDNET_IMAGE_DEFINITION: ImageDefinition = {
  repository: "docker.io/kindest/kindnetd",
  tags: ["v20241108-5c6d2daf", "v20241023-a345ebe4"],
  size: 38_601_118,
  layers: ["sha256:kindnetd-v20241108-layer-0", "sha256:kindnetd-v20241108-layer-1"],
  config: { entrypoint: ["/bin/kindnetd"] },
  files: { "/bin/kindnetd": "" },
  programs: { kindnetd },
};
