import type { Program } from "../../core/cri/process.js";
import { BUSYBOX_APPLETS } from "./busybox/applets.js";

/** The minimal userland of Debian- and Alpine-based images: a shell and the everyday tools, so `kubectl exec ... -- sh -c '...'` works. */
export const USERLAND: Readonly<Record<string, Program>> = { ...BUSYBOX_APPLETS, bash: BUSYBOX_APPLETS["sh"]!, dash: BUSYBOX_APPLETS["sh"]! };

/** Layers shared by images built on debian:bookworm-slim / alpine:3.19. */
export const DEBIAN_BASE = ["sha256:debian-bookworm-slim-base"];
export const ALPINE_BASE = ["sha256:alpine-3.19-base"];

/** Files every Linux image carries. */
export function baseFiles(osRelease: string): Record<string, string> {
  return {
    "/etc/os-release": osRelease,
    "/etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
    "/etc/group": "root:x:0:\nnogroup:x:65534:\n",
    "/tmp/.keep": "",
  };
}

export const DEBIAN_OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL="https://www.debian.org/"\n';
export const ALPINE_OS_RELEASE = 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\nHOME_URL="https://alpinelinux.org/"\n';
export const UBUNTU_OS_RELEASE = 'PRETTY_NAME="Ubuntu 24.04 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nVERSION="24.04 LTS (Noble Numbat)"\nID=ubuntu\nID_LIKE=debian\n';
