import type { ImageDefinition } from "../../../core/cri/images.js";
import { untilSignal } from "../daemon.js";

/** registry.k8s.io/pause: the sandbox container; sleeps until told to stop (exit 0 on SIGTERM/SIGINT). */
export const PAUSE: ImageDefinition = {
  repository: "registry.k8s.io/pause",
  tags: ["3.9", "3.10", "3.8", "3.7", "3.6", "latest"],
  size: 321_520,
  layers: ["sha256:pause-3.9-layer-0"],
  config: { entrypoint: ["/pause"], user: "65535:65535" },
  programs: { pause: (p) => untilSignal(p, () => 0) },
};
