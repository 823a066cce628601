import type { Container } from "kubernetes-types/core/v1.js";
import { definePlugin } from "../../core/plugins/plugin.js";
import { AdmissionPlugins } from "../../core/plugins/extension-points.js";
import type { AdmissionPlugin, AdmissionRequest } from "../../core/apiserver/admission.js";
import { fieldError, fieldErrorText, forbidden, StatusError } from "../../core/api/status.js";

type PodSpecLike = { containers?: Container[]; initContainers?: Container[]; ephemeralContainers?: Container[] };

/** Every container of a pod spec with its field path, in upstream's visiting order (init, regular, ephemeral). */
function* containersOf(spec: PodSpecLike | undefined): Generator<[Container, string]> {
  for (const [field, list] of [["initContainers", spec?.initContainers], ["containers", spec?.containers], ["ephemeralContainers", spec?.ephemeralContainers]] as const) {
    for (const [i, c] of (list ?? []).entries()) yield [c, `spec.${field}[${i}]`];
  }
}

const specOf = (obj: unknown): PodSpecLike | undefined => (obj as { spec?: PodSpecLike } | undefined)?.spec;

/** An update whose every image was already in the old pod: upstream leaves it alone (pull policies are immutable on pods). */
function isUpdateWithNoNewImages(request: AdmissionRequest): boolean {
  if (request.operation !== "UPDATE" || !request.oldObject) return false;
  const old = new Set<string | undefined>();
  for (const [c] of containersOf(specOf(request.oldObject))) old.add(c.image);
  for (const [c] of containersOf(specOf(request.object))) if (!old.has(c.image)) return false;
  return true;
}

/** Pods only (no subresources), and not updates that bring no new image. */
function shouldIgnore(request: AdmissionRequest): boolean {
  if (request.subresource || request.resource.group !== "" || request.resource.plural !== "pods") return true;
  return isUpdateWithNoNewImages(request);
}

/**
 * The AlwaysPullImages admission plugin of kube-apiserver: every container of every new Pod, and
 * of every update that brings a new image, gets `imagePullPolicy: Always`, so a cached image is
 * never used without the registry's say-so; its validation refuses such a pod whose containers a
 * later mutation set back (403, `spec.containers[0].imagePullPolicy: Unsupported value`). Off by
 * default, as in Kubernetes; load it with `cluster.use("admission-always-pull-images")`.
 */
export const alwaysPullImages: AdmissionPlugin = {
  name: "AlwaysPullImages",
  operations: ["CREATE", "UPDATE"],
  resources: ["pods"],
  subresources: [""],
  admit(request) {
    if (shouldIgnore(request)) return;
    for (const [c] of containersOf(specOf(request.object))) c.imagePullPolicy = "Always";
  },
  validate(request) {
    if (shouldIgnore(request)) return;
    const errors: string[] = [];
    for (const [c, path] of containersOf(specOf(request.object))) {
      if (c.imagePullPolicy !== "Always") errors.push(fieldErrorText(fieldError.notSupported(`${path}.imagePullPolicy`, c.imagePullPolicy ?? "", ["Always"])));
    }
    if (!errors.length) return;
    const name = request.name ?? request.object?.metadata?.name ?? "";
    // Upstream aggregates one Forbidden per container; one error reads as itself, several as `[a, b]`.
    const first = forbidden(request.resource, name, errors[0]!);
    if (errors.length === 1) throw first;
    throw new StatusError({ ...first.status, message: `[${errors.map((e) => forbidden(request.resource, name, e).message).join(", ")}]` });
  },
};

export default definePlugin({
  name: "admission-always-pull-images",
  description: "AlwaysPullImages admission: forces imagePullPolicy Always on every new pod container, and validates it",
  setup(ctx) {
    ctx.contribute(AdmissionPlugins, alwaysPullImages.name, alwaysPullImages);
    return () => {
      ctx.extensions(AdmissionPlugins).withdraw(alwaysPullImages.name);
    };
  },
});
