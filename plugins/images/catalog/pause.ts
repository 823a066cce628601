import type { ImageDefinition } from "../../../core/cri/images.js";

/** registry.k8s.io/pause: the sandbox container; sleeps until told to stop (exit 0 on SIGTERM/SIGINT). */
export const PAUSE: ImageDefinition = {
  repository: "registry.k8s.io/pause",
  tags: ["3.9", "3.10", "3.8", "3.7", "3.6", "latest"],
  size: 321_520,
  layers: ["sha256:pause-3.9-layer-0"],
  config: { entrypoint: ["/pause"], user: "65535:65535" },
  // Waits on signal handlers only (not on `p.signal`): a node runs a pause process per pod, and a
  // process makes its AbortSignal only when its program asks for it. SIGKILL ends it regardless.
  // The handler is `resolve` bound to 0, not a closure: nothing of the running pause holds on to
  // `p` (its view of the process and what that references), only the handler and its promise.
  programs: { pause: (p) => new Promise<number>((resolve) => p.onSignal(resolve.bind(undefined, 0))) },
};
