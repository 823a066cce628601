import type { ImageDefinition } from "../../../core/cri/images.js";
import { BUSYBOX_APPLETS } from "../busybox/applets.js";
import { baseFiles } from "../userland.js";

/** busybox: the one-liner image; default command `sh` (exits at once without stdin). */
export const BUSYBOX: ImageDefinition = {
  repository: "docker.io/library/busybox",
  tags: ["latest", "1.36", "1.36.1", "1.35", "1.34", "1.28", "stable", "musl", "glibc", "uclibc"],
  size: 2_155_000,
  layers: ["sha256:busybox-1.36-layer-0"],
  config: { cmd: ["sh"] },
  files: { ...baseFiles('NAME="BusyBox"\nID=busybox\n'), "/etc/hostname": "" },
  programs: BUSYBOX_APPLETS,
};
