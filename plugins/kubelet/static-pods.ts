import { createHash } from "node:crypto";
import { parse as parseYaml } from "yaml";
import type { Pod } from "kubernetes-types/core/v1.js";

/** The kubelet's `staticPodPath` (kubeadm's). */
export const STATIC_POD_PATH = "/etc/kubernetes/manifests";
/** On a mirror pod: the static pod's config hash. */
export const MIRROR_ANNOTATION = "kubernetes.io/config.mirror";
export const CONFIG_HASH_ANNOTATION = "kubernetes.io/config.hash";
export const CONFIG_SOURCE_ANNOTATION = "kubernetes.io/config.source";
export const CONFIG_SEEN_ANNOTATION = "kubernetes.io/config.seen";

/** A manifest that could not be turned into a pod, with the kubelet's reason. */
export interface ManifestError {
  readonly path: string;
  readonly message: string;
}

/**
 * Reads one manifest file as the kubelet's file source does (pkg/kubelet/config/common.go): a
 * Pod in YAML or JSON, named `<name>-<node>`, namespace `default` unless given, bound to the node,
 * tolerating every NoExecute taint, its UID the hash of the manifest, the node and the file (so
 * an edited manifest is a new pod), annotated with the hash and `config.source: file`.
 */
export function staticPodFromManifest(path: string, text: string, nodeName: string, seen: string): Pod | ManifestError {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    return { path, message: `failed to decode: ${(err as Error).message}` };
  }
  const pod = doc as Pod | null;
  if (!pod || typeof pod !== "object") return { path, message: "the manifest is empty" };
  if (pod.kind !== "Pod" || (pod.apiVersion !== "v1" && pod.apiVersion !== undefined)) return { path, message: `invalid pod: want kind Pod in apiVersion v1, got ${String(pod.kind)} ${String(pod.apiVersion)}` };
  if (!pod.metadata?.name) return { path, message: "invalid pod: metadata.name: Required value: name or generateName is required" };
  const hash = createHash("md5").update(JSON.stringify(pod)).update(`host:${nodeName}`).update(`file:${path}`).digest("hex");
  const tolerations = [...(pod.spec?.tolerations ?? []), { operator: "Exists", effect: "NoExecute" }];
  return {
    ...pod,
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      ...pod.metadata,
      name: `${pod.metadata.name}-${nodeName.toLowerCase()}`,
      namespace: pod.metadata.namespace || "default",
      uid: hash,
      annotations: { ...(pod.metadata.annotations ?? {}), [CONFIG_HASH_ANNOTATION]: hash, [CONFIG_SEEN_ANNOTATION]: seen, [CONFIG_SOURCE_ANNOTATION]: "file" },
    },
    spec: { ...pod.spec!, nodeName, tolerations },
    status: { phase: "Pending" },
  };
}

export function isManifestError(x: Pod | ManifestError): x is ManifestError {
  return "message" in x && !("kind" in x);
}

/** The mirror pod the kubelet creates in the API for a static pod: owned by the Node, annotated with the static pod's hash. */
export function mirrorPodOf(pod: Pod, node: { name: string; uid: string }): Pod {
  const { uid: _uid, resourceVersion: _rv, ...meta } = pod.metadata!;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { ...meta, annotations: { ...(meta.annotations ?? {}), [MIRROR_ANNOTATION]: pod.metadata!.annotations![CONFIG_HASH_ANNOTATION]! }, ownerReferences: [{ apiVersion: "v1", kind: "Node", name: node.name, uid: node.uid, controller: true }] },
    spec: pod.spec!,
  };
}

export function isMirrorPod(pod: Pod): boolean {
  return pod.metadata?.annotations?.[MIRROR_ANNOTATION] !== undefined;
}
