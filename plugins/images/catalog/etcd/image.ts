import type { ImageDefinition } from "../../../../core/cri/images.js";
import { etcd } from "./etcd-server.js";
import { etcdctl } from "./etcdctl.js";

const programs = { etcd, etcdctl, "etcdutl": etcdctl };
const TAGS = ["3.5.16-0", "3.5.15-0", "3.5.12-0", "3.5.10-0", "3.5.9-0", "v3.5.16", "v3.5.15", "v3.5.12", "v3.5.9", "latest"];

/** registry.k8s.io/etcd (what kubeadm runs; distroless: etcd, etcdctl, etcdutl, no shell). */
export const ETCD_IMAGE: ImageDefinition = {
  repository: "registry.k8s.io/etcd",
  tags: TAGS,
  size: 57_000_000,
  layers: ["sha256:distroless-static-base", "sha256:etcd-3.5-layer-0", "sha256:etcd-3.5-layer-1"],
  config: { entrypoint: [], cmd: ["/usr/local/bin/etcd"], exposedPorts: ["2379/tcp", "2380/tcp"] },
  programs,
};

/** quay.io/coreos/etcd, the upstream release image. */
export const COREOS_ETCD_IMAGE: ImageDefinition = { ...ETCD_IMAGE, repository: "quay.io/coreos/etcd", config: { ...ETCD_IMAGE.config, cmd: ["/usr/local/bin/etcd"] } };
