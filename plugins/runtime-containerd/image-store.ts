import { createHash } from "node:crypto";
import type { ExtensionPoint } from "../../core/plugins/extension-point.js";
import { CriError } from "../../core/cri/errors.js";
import { familiarName, parseImageReference, type ImageDefinition, type ImageReference, type UnknownImagePolicy } from "../../core/cri/images.js";
import type { Image } from "../../core/cri/runtime-service.js";
import type { Program } from "../../core/cri/process.js";

/** `sha256:<64 hex>` derived from `text` (stable image IDs and digests). */
export function sha256(text: string): string {
  return "sha256:" + createHash("sha256").update(text).digest("hex");
}

/** An image on a node: its record for ListImages and what a container of it runs. */
export interface StoredImage {
  readonly image: Image;
  readonly definition: ImageDefinition;
  /** `docker.io/library/nginx@sha256:...` */
  readonly repoDigest: string;
  readonly pulledAt: number;
}

/** A registry's answer for a reference: the definition, or the error the pull fails with. */
export type Resolution = { definition: ImageDefinition; reference: ImageReference } | { error: CriError };

/** The registries: which images exist (contributions to `Images`), and what an unknown one does. */
export class ImageRegistry {
  constructor(
    private readonly images: ExtensionPoint<ImageDefinition>,
    private readonly unknown: () => UnknownImagePolicy,
  ) {}

  resolve(image: string, auth?: { hasCredentials: boolean }): Resolution {
    const reference = parseImageReference(image);
    if (!reference) return { error: new CriError("InvalidArgument", `failed to pull and unpack image "${image}": invalid reference format`) };
    const definition = this.images.get(reference.repository);
    if (!definition) {
      if (this.unknown() === "run-idle") return { definition: idleImage(reference.repository), reference };
      const host = reference.repository.split("/")[0];
      const why = host === "docker.io" ? "pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed" : `${reference.normalized}: not found`;
      return { error: new CriError(host === "docker.io" ? "Unknown" : "NotFound", `failed to pull and unpack image "${reference.normalized}": failed to resolve reference "${reference.normalized}": ${why}`) };
    }
    if (reference.tag && !definition.tags.includes("*") && !definition.tags.includes(reference.tag)) {
      return { error: new CriError("NotFound", `failed to pull and unpack image "${reference.normalized}": failed to resolve reference "${reference.normalized}": ${reference.normalized}: not found`) };
    }
    if (definition.private && !auth?.hasCredentials) {
      return { error: new CriError("Unknown", `failed to pull and unpack image "${reference.normalized}": failed to resolve reference "${reference.normalized}": pull access denied, repository does not exist or may require authorization: authorization failed: no basic auth credentials`) };
    }
    return { definition, reference };
  }
}

/** An image no registry knows, run under `images.unknown: run-idle`: stays up, listens on the container's declared ports. */
function idleImage(repository: string): ImageDefinition {
  const idle: Program = async (p) => {
    for (const port of (p.env["KUBESIM_CONTAINER_PORTS"] ?? "").split(",").filter(Boolean)) {
      try {
        p.net.listen("TCP", Number(port), (conn) => conn.end());
      } catch {
        /* another container of the pod already listens there */
      }
    }
    await new Promise<void>((resolve) => p.signal.addEventListener("abort", () => resolve(), { once: true }));
    return 0;
  };
  return { repository, tags: ["*"], size: 10_000_000, config: { entrypoint: ["/idle"] }, programs: { idle, sh: idle } };
}

/** A node's image store (containerd's content + image stores, namespace k8s.io). */
export class NodeImageStore {
  private readonly byRef = new Map<string, StoredImage>();
  private readonly byId = new Map<string, StoredImage>();
  private readonly layers = new Set<string>();

  /** Finds a pulled image by reference (`nginx:1.25`, `docker.io/library/nginx:1.25`, an ID or a repo digest). */
  get(image: string): StoredImage | undefined {
    const direct = this.byId.get(image) ?? this.byRef.get(image);
    if (direct) return direct;
    const ref = parseImageReference(image);
    return ref ? this.byRef.get(ref.normalized) : undefined;
  }

  /** Bytes a pull of `definition` still has to fetch (layers already on the node are skipped). */
  missingBytes(definition: ImageDefinition): number {
    const layers = definition.layers ?? [];
    if (layers.length === 0) return definition.size;
    const missing = layers.filter((l) => !this.layers.has(l)).length;
    return Math.round((definition.size * missing) / layers.length);
  }

  add(reference: ImageReference, definition: ImageDefinition, now: number): StoredImage {
    const id = sha256(`${definition.repository}:${reference.tag ?? reference.digest}:config`);
    const repoDigest = `${definition.repository}@${reference.digest ?? sha256(`${definition.repository}:${reference.tag}:manifest`)}`;
    const existing = this.byId.get(id);
    const repoTags = new Set(existing?.image.repoTags ?? []);
    if (reference.tag) repoTags.add(`${definition.repository}:${reference.tag}`);
    const stored: StoredImage = {
      image: { id, repoTags: [...repoTags], repoDigests: [repoDigest], size: definition.size, username: definition.config.user ?? "", pinned: definition.repository === "registry.k8s.io/pause" },
      definition,
      repoDigest,
      pulledAt: existing?.pulledAt ?? now,
    };
    this.byId.set(id, stored);
    this.byRef.set(reference.normalized, stored);
    this.byRef.set(repoDigest, stored);
    for (const l of definition.layers ?? []) this.layers.add(l);
    return stored;
  }

  remove(image: string): boolean {
    const stored = this.get(image);
    if (!stored) return false;
    this.byId.delete(stored.image.id);
    for (const [k, v] of this.byRef) if (v === stored) this.byRef.delete(k);
    return true;
  }

  list(): StoredImage[] {
    return [...this.byId.values()];
  }
}

export { familiarName };
