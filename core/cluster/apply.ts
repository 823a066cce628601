import YAML from "yaml";
import type { KubeObject } from "../api/object.js";
import { badRequest, isStatusError } from "../api/status.js";
import type { ResourceRegistry } from "../api/resource-registry.js";
import { createMergePatch } from "../api/patch/merge-patch.js";
import { createThreeWayStrategicMergePatch, LAST_APPLIED_ANNOTATION, withLastAppliedAnnotation } from "../api/patch/strategic-merge-diff.js";
import type { Client } from "../client/client.js";

/** What `apply` did with one object, in kubectl's words. */
export type ApplyAction = "created" | "configured" | "unchanged";

export interface ApplyResult {
  action: ApplyAction;
  object: KubeObject;
}

/** Splits multi-document YAML (or JSON) into objects, unwrapping `kind: List`. Empty documents are skipped. */
export function parseManifests(text: string): KubeObject[] {
  const out: KubeObject[] = [];
  const docs = YAML.parseAllDocuments(text);
  for (const [i, doc] of docs.entries()) {
    if (doc.errors.length) throw badRequest(`error parsing manifest document ${i + 1}: ${doc.errors[0]!.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== "object" || Array.isArray(value)) throw badRequest(`manifest document ${i + 1} is not an object`);
    out.push(...unwrapList(value as KubeObject));
  }
  return out;
}

function unwrapList(obj: KubeObject): KubeObject[] {
  const items = (obj as { items?: unknown }).items;
  if (typeof obj.kind === "string" && obj.kind.endsWith("List") && Array.isArray(items)) return items.flatMap((i) => unwrapList(i as KubeObject));
  return [obj];
}

/**
 * Client-side apply exactly as `kubectl apply` does it: create with the
 * `kubectl.kubernetes.io/last-applied-configuration` annotation when absent; otherwise compute
 * the three-way patch (last applied, new config, live) — strategic merge for built-in kinds, JSON
 * merge for others — and send it only if it changes something.
 */
export async function applyObjects(client: Client, registry: ResourceRegistry, objects: readonly KubeObject[], fieldManager = "kubectl-client-side-apply"): Promise<ApplyResult[]> {
  const results: ApplyResult[] = [];
  for (const obj of objects) {
    if (!obj.apiVersion || !obj.kind) throw badRequest(`apply: every object needs apiVersion and kind (got ${JSON.stringify({ apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata?.name })})`);
    const type = registry.find({ apiVersion: obj.apiVersion, kind: obj.kind });
    if (!type) throw badRequest(`apply: no resource type serves ${obj.kind} in ${obj.apiVersion} (is its CRD installed?)`);
    const name = obj.metadata?.name;
    if (!name) throw badRequest(`apply: ${obj.kind} needs metadata.name`);
    const namespace = type.descriptor.namespaced ? (obj.metadata?.namespace ?? "default") : undefined;
    const resource = client.resource(obj.apiVersion ? { apiVersion: obj.apiVersion, kind: obj.kind } : obj.kind);
    const modified = withLastAppliedAnnotation(namespace ? { ...obj, metadata: { ...obj.metadata, namespace } } : obj);
    let live: KubeObject | undefined;
    try {
      live = await resource.get(name, namespace ? { namespace } : {});
    } catch (err) {
      if (!isStatusError(err, "NotFound")) throw err;
    }
    if (!live) {
      results.push({ action: "created", object: await resource.create(modified, { fieldManager, ...(namespace ? { namespace } : {}) }) });
      continue;
    }
    const lastText = live.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
    const last = lastText ? (JSON.parse(lastText) as KubeObject) : undefined;
    const builtIn = type.descriptor.group === "" || !type.descriptor.group.includes(".") || type.descriptor.group.endsWith(".k8s.io");
    const patch = builtIn
      ? createThreeWayStrategicMergePatch(last, modified, live, obj.kind)
      : threeWayMergePatch(last, modified, live);
    if (Object.keys(patch).length === 0) {
      results.push({ action: "unchanged", object: live });
      continue;
    }
    const patched = await resource.patch(name, builtIn ? "strategic" : "merge", patch, { fieldManager, ...(namespace ? { namespace } : {}) });
    results.push({ action: patched.metadata?.resourceVersion === live.metadata?.resourceVersion ? "unchanged" : "configured", object: patched });
  }
  return results;
}

/** kubectl's three-way JSON merge patch for kinds without patch strategies: deletions from last-applied plus changes against live. */
function threeWayMergePatch(last: KubeObject | undefined, modified: KubeObject, live: KubeObject): Record<string, unknown> {
  const additions = createMergePatch(live, modified);
  const deletions = last ? onlyDeletions(createMergePatch(last, modified)) : {};
  return mergeDeep(deletions, additions);
}

function onlyDeletions(patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) out[k] = null;
    else if (typeof v === "object" && !Array.isArray(v)) {
      const nested = onlyDeletions(v as Record<string, unknown>);
      if (Object.keys(nested).length) out[k] = nested;
    }
  }
  return out;
}

function mergeDeep(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = prev && v && typeof prev === "object" && typeof v === "object" && !Array.isArray(prev) && !Array.isArray(v) ? mergeDeep(prev as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}
