import { extensionPoint } from "../plugins/extension-point.js";
import { token } from "../di/token.js";
import type { Program } from "./process.js";

/** An image's default process configuration (the OCI image config). */
export interface ImageConfig {
  entrypoint?: readonly string[];
  cmd?: readonly string[];
  env?: readonly string[];
  /** `80/tcp`, `53/udp` */
  exposedPorts?: readonly string[];
  user?: string;
  workingDir?: string;
}

/**
 * An image a registry serves: a repository (`docker.io/library/nginx`) with tags, its size and
 * layers, its config, its files and its programs. The process a container runs is the program named
 * by the basename of `argv[0]` (`/usr/sbin/nginx` → `nginx`); a name the image lacks fails to
 * start as runc does (`exec: "x": executable file not found in $PATH`).
 */
export interface ImageDefinition {
  /** Fully qualified repository, e.g. `docker.io/library/nginx`, `registry.k8s.io/pause`. */
  readonly repository: string;
  /** Tags the registry serves; `*` serves any tag. */
  readonly tags: readonly string[];
  /** Compressed size in bytes (pull time follows from it). */
  readonly size: number;
  /** Layer digests (shared layers are pulled once per node). */
  readonly layers?: readonly string[];
  readonly config: ImageConfig;
  /** Files of the image's root filesystem. */
  readonly files?: Readonly<Record<string, string>>;
  /** Programs on the image's PATH, by name. */
  readonly programs: Readonly<Record<string, Program>>;
  /** The registry needs credentials (imagePullSecrets) to pull it. */
  readonly private?: boolean;
}

/** Images the simulated registries serve, keyed by repository. Any plugin may contribute one. */
export const Images = extensionPoint<ImageDefinition>("images", "an image: repository, tags, config and the programs it runs");

/** What the runtime does with an image no registry serves: fail the pull (default) or run it idle. */
export type UnknownImagePolicy = "fail" | "run-idle";

/** A parsed image reference: `nginx` → `docker.io/library/nginx:latest`. */
export interface ImageReference {
  /** `docker.io/library/nginx` */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
  /** `docker.io/library/nginx:1.25` (or `@sha256:...`) */
  readonly normalized: string;
}

const NAME_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** Parses a reference as the docker reference library does; undefined when it is invalid (kubelet's InvalidImageName). */
export function parseImageReference(image: string): ImageReference | undefined {
  const known = parsedReferences.get(image);
  if (known !== undefined) return known ?? undefined;
  const ref = parse(image);
  if (parsedReferences.size < MAX_PARSED_REFERENCES) parsedReferences.set(image, ref ? Object.freeze(ref) : null);
  return ref;
}

/**
 * References parsed so far (null: invalid), up to {@link MAX_PARSED_REFERENCES}: the kubelet and the
 * image store parse the same few image names for every container a node starts. Frozen: shared by
 * every caller.
 */
const parsedReferences = new Map<string, ImageReference | null>();
const MAX_PARSED_REFERENCES = 1024;

function parse(image: string): ImageReference | undefined {
  if (!image || image !== image.trim()) return undefined;
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return undefined;
  }
  const parts = rest.split("/");
  let domain = "docker.io";
  if (parts.length > 1 && (parts[0]!.includes(".") || parts[0]!.includes(":") || parts[0] === "localhost")) domain = parts.shift()!;
  if (domain === "docker.io" && parts.length === 1) parts.unshift("library");
  if (parts.some((p) => !NAME_COMPONENT.test(p))) return undefined;
  const repository = `${domain}/${parts.join("/")}`;
  if (!tag && !digest) tag = "latest";
  return { repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}), normalized: digest ? `${repository}@${digest}` : `${repository}:${tag}` };
}

/** The short name clients show: `docker.io/library/nginx:1.25` → `nginx:1.25`. */
export function familiarName(normalized: string): string {
  return normalized.replace(/^docker\.io\/library\//, "").replace(/^docker\.io\//, "");
}

/** The cluster's `images.unknown` setting (cluster scope; default `fail`). */
export const UnknownImages = token<UnknownImagePolicy>("UnknownImages");
