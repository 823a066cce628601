import { randomUUID } from "node:crypto";
import type { CustomResourceDefinition } from "kubernetes-types/apiextensions/v1.js";
import type { KubeObject } from "../../api/object.js";
import type { AsyncConversion } from "../../api/strategy.js";
import { StatusError } from "../../api/status.js";
import { postToWebhook, type ServiceResolver } from "../webhooks/webhook-client.js";
import type { ConverterLookup, CustomResourceConversion } from "./custom-resource-converters.js";

/** How long a conversion call may take (the client manager's default webhook timeout). */
const CONVERSION_TIMEOUT_SECONDS = 30;

type Meta = NonNullable<KubeObject["metadata"]>;

/** An error of the conversion path: a 500 `Status` without a reason, as ErrorToAPIStatus makes of a plain error. */
function conversionFailure(message: string): StatusError {
  return new StatusError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason: "", code: 500 });
}

/** apimachinery's GroupVersionKind.String(): `stable.example.com/v1, Kind=CronTab`. */
function gvkString(obj: KubeObject): string {
  return `${obj.apiVersion ?? ""}, Kind=${obj.kind ?? ""}`;
}

interface ConversionResponse {
  uid?: string;
  convertedObjects?: unknown[];
  result?: { status?: string; message?: string };
}

/** getConvertedObjectsFromResponse: the converted objects of a v1 ConversionReview, or what is wrong with it. */
function convertedObjectsOf(uid: string, review: unknown): unknown[] {
  const r = (review ?? {}) as { apiVersion?: string; kind?: string; response?: ConversionResponse };
  if (r.apiVersion !== "apiextensions.k8s.io/v1" || r.kind !== "ConversionReview") {
    throw new Error(`expected webhook response of apiextensions.k8s.io/v1, Kind=ConversionReview, got ${r.apiVersion ?? ""}, Kind=${r.kind ?? ""}`);
  }
  if (!r.response) throw new Error("no response provided");
  if (r.response.uid !== uid) throw new Error(`expected response.uid=${JSON.stringify(uid)}, got ${JSON.stringify(r.response.uid ?? "")}`);
  const result = r.response.result ?? {};
  if (result.status !== "Success") throw new Error(result.message || `response.result.status was '${result.status ?? ""}', not 'Success'`);
  return r.response.convertedObjects ?? [];
}

/** validateConvertedObject: a converted object keeps the kind and identity of the one sent. */
function identityChange(original: KubeObject, converted: KubeObject): string | undefined {
  const a = original.metadata ?? {};
  const b = (converted.metadata ?? {}) as Meta;
  if (original.kind !== converted.kind) return `must have the same kind: ${original.kind} != ${converted.kind}`;
  if ((a.name ?? "") !== (b.name ?? "")) return `must have the same name: ${a.name ?? ""} != ${b.name ?? ""}`;
  if ((a.namespace ?? "") !== (b.namespace ?? "")) return `must have the same namespace: ${a.namespace ?? ""} != ${b.namespace ?? ""}`;
  if ((a.uid ?? "") !== (b.uid ?? "")) return `must have the same UID: ${a.uid ?? ""} != ${b.uid ?? ""}`;
  return undefined;
}

/** Keys and values of labels/annotations a webhook may set (metav1validation's checks, in short). */
function invalidMapEntry(map: unknown, field: string): string | undefined {
  if (map === undefined || map === null) return undefined;
  if (typeof map !== "object" || Array.isArray(map)) return `${field}: Invalid value: must be a map of strings`;
  for (const [k, v] of Object.entries(map)) if (typeof v !== "string") return `${field}: Invalid value: ${JSON.stringify(k)}: must be a string`;
  return undefined;
}

/**
 * restoreObjectMeta: the converted object keeps the original's metadata except labels and
 * annotations, which the webhook may change.
 */
function restoreObjectMeta(original: KubeObject, converted: KubeObject): KubeObject {
  const meta = (converted.metadata ?? {}) as Meta;
  const problem = invalidMapEntry(meta.labels, "metadata.labels") ?? invalidMapEntry(meta.annotations, "metadata.annotations");
  if (problem) throw new Error(problem);
  const restored: Meta = { ...original.metadata };
  if (meta.labels && Object.keys(meta.labels).length) restored.labels = meta.labels;
  else delete restored.labels;
  if (meta.annotations && Object.keys(meta.annotations).length) restored.annotations = meta.annotations;
  else delete restored.annotations;
  return { ...converted, metadata: restored };
}

/** A plugin's conversion function applied to each object, as a webhook converts a ConversionReview's objects. */
async function convertInProcess(convert: CustomResourceConversion, objects: readonly KubeObject[], apiVersion: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const o of objects) out.push(await convert(o, apiVersion));
  return out;
}

/**
 * apiextensions-apiserver's webhook converter for one CRD: objects not already in the desired
 * version are sent in one ConversionReview v1 (the CRD's `conversionReviewVersions` must
 * include v1) to the webhook's URL or Service over HTTPS, trusting its caBundle — or, when a
 * plugin contributed a conversion function for the CRD's group and kind (`inProcess`, asked on
 * every call, so a plugin started after the CRD is served is used), handed to that function.
 * Either way the converted objects must keep kind, name, namespace and uid, may change labels
 * and annotations only in metadata, and come back in the desired version. Every failure reads as
 * upstream's `conversion webhook for <group/version, Kind=kind> failed: ...`, a 500 Status.
 */
export function webhookConverter(crd: CustomResourceDefinition, resolve: ServiceResolver, inProcess?: ConverterLookup): AsyncConversion {
  const webhook = crd.spec.conversion!.webhook!;
  const reviewVersions = webhook.conversionReviewVersions ?? [];
  const group = crd.spec.group;
  const kind = crd.spec.names.kind;
  return async (objects, apiVersion) => {
    const pending: number[] = [];
    objects.forEach((o, i) => {
      if (o.apiVersion !== apiVersion) pending.push(i);
    });
    if (!pending.length) return objects;
    const first = objects[pending[0]!]!;
    const failed = (message: string): StatusError => conversionFailure(`conversion webhook for ${gvkString(first)} failed: ${message}`);
    const local = inProcess?.(group, kind);
    let converted: unknown[];
    if (local) {
      try {
        converted = await convertInProcess(local, pending.map((i) => objects[i]!), apiVersion);
      } catch (err) {
        throw failed(err instanceof Error ? err.message : String(err));
      }
    } else {
      if (!reviewVersions.includes("v1")) {
        // kubesim speaks ConversionReview v1 only (v1beta1 reviews were removed with apiextensions v1beta1).
        throw failed(reviewVersions.includes("v1beta1") ? "ConversionReview v1beta1 is not supported by kubesim; list v1 in conversionReviewVersions" : "no supported conversion review versions");
      }
      const uid = randomUUID();
      const body = { apiVersion: "apiextensions.k8s.io/v1", kind: "ConversionReview", request: { uid, desiredAPIVersion: apiVersion, objects: pending.map((i) => objects[i]) } };
      try {
        converted = convertedObjectsOf(uid, await postToWebhook(webhook.clientConfig!, body, CONVERSION_TIMEOUT_SECONDS, resolve));
      } catch (err) {
        throw failed((err as Error).message);
      }
    }
    if (converted.length !== pending.length) throw conversionFailure(`conversion webhook for ${gvkString(first)} returned ${converted.length} objects, expected ${pending.length}`);
    const out = objects.slice();
    const list = objects.length > 1;
    pending.forEach((at, n) => {
      const original = objects[at]!;
      const c = converted[n] as KubeObject;
      const where = list ? ` at index ${n}` : "";
      const invalid = (msg: string): StatusError => conversionFailure(`conversion webhook for ${gvkString(original)} returned invalid ${list ? "converted object" : "object"}${where}: ${msg}`);
      if (typeof c !== "object" || c === null || Array.isArray(c)) throw invalid("not an object");
      if (c.apiVersion !== apiVersion) throw invalid(`invalid groupVersion (expected ${apiVersion}, received ${c.apiVersion ?? ""})`);
      if (c.kind !== original.kind) throw invalid(`invalid kind (expected ${original.kind}, received ${c.kind ?? ""})`);
      const changed = identityChange(original, c);
      if (changed) throw invalid(changed);
      try {
        out[at] = restoreObjectMeta(original, c);
      } catch (err) {
        throw conversionFailure(`conversion webhook for ${gvkString(original)} returned invalid metadata${list ? ` in object${where}` : ""}: ${(err as Error).message}`);
      }
    });
    return out;
  };
}
