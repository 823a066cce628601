import type { Pod, PodStatus } from "kubernetes-types/core/v1.js";
import { createStrategicMergePatch } from "../../core/api/patch/index.js";
import { jsonEqualIgnoringNulls, type JsonObject } from "../../core/api/patch/json-value.js";
import { patchStructFor, type PatchStruct } from "../../core/api/patch/patch-strategy.js";
import { DIRECTIVE, SET_ELEMENT_ORDER } from "../../core/api/patch/patch-directives.js";

/**
 * The strategic merge patch a kubelet sends to `pods/<name>/status` (upstream's
 * statusutil.PatchPodStatus): the two-way diff from the pod's status as last read to the new one
 * — only what changed, conditions merged by type with `$setElementOrder/conditions`, container
 * statuses whole when they changed — with `metadata.uid` as a precondition, so the patch never
 * lands on another pod of the same name. Undefined when nothing changed: upstream skips that
 * write (its patch would be only the uid). `uid` undefined: no precondition (a static pod's
 * mirror, whose uid the pod worker does not track). `current` undefined: the whole status.
 */
export function podStatusPatch(uid: string | undefined, current: PodStatus | undefined, status: PodStatus): Pod | undefined {
  let diff: JsonObject | undefined;
  if (current === undefined || current === null) diff = status as JsonObject;
  else {
    const fast = statusDiff(current as JsonObject, status as JsonObject);
    diff = fast !== GENERIC ? fast : (createStrategicMergePatch({ status: current }, { status }, "Pod", { nullIsUnset: true }) as Pod).status as JsonObject | undefined;
    if (diff && isEmpty(diff)) diff = undefined;
  }
  if (!diff) return undefined;
  return uid === undefined ? { status: diff as PodStatus } : { metadata: { uid }, status: diff as PodStatus };
}

/** What {@link statusDiff} answers for a status outside what it handles: the generic diff decides. */
const GENERIC = Symbol("generic");

/** PodStatus's patch strategies (read once). */
let statusMeta: PatchStruct | undefined;

/**
 * The generic two-way diff (createStrategicMergePatch with nullIsUnset) of two pod statuses, for
 * what a kubelet's statuses hold: scalar fields, lists replaced whole (container statuses), and
 * merge lists of flat items (conditions by type, pod and host IPs by ip). Anything else — a nested
 * object, a merge list of nested items or with repeated keys, a directive — is left to the
 * generic diff ({@link GENERIC}). Same members in the same order as the generic diff makes.
 */
function statusDiff(current: JsonObject, status: JsonObject): JsonObject | typeof GENERIC {
  const meta = (statusMeta ??= patchStructFor("Pod")?.fields.get("status")?.type);
  if (!meta) return GENERIC;
  const patch: JsonObject = {};
  for (const key in status) {
    const mod = status[key];
    const orig = current[key];
    if (orig === null || orig === undefined || mod === null || mod === undefined) {
      if (orig !== null && orig !== undefined) patch[key] = null;
      else if (mod !== null && mod !== undefined) patch[key] = mod;
      continue;
    }
    if (key.charCodeAt(0) === DOLLAR) return GENERIC;
    if (typeof orig !== "object") {
      if (orig !== mod) patch[key] = mod;
      continue;
    }
    if (typeof mod !== "object" || Array.isArray(orig) !== Array.isArray(mod)) {
      patch[key] = mod;
      continue;
    }
    if (!Array.isArray(orig)) return GENERIC;
    const fm = meta.fields.get(key);
    if (!fm?.merge) {
      if (!jsonEqualIgnoringNulls(orig, mod)) patch[key] = mod;
      continue;
    }
    if (fm.type || fm.retainKeys || !mergeListDiff(key, orig, mod as unknown[], fm.mergeKey, patch)) return GENERIC;
  }
  for (const key in current) {
    if (status[key] !== undefined || key in status) continue;
    const orig = current[key];
    if (orig !== null && orig !== undefined) patch[key] = null;
  }
  return patch;
}

const DOLLAR = 36;
/** Merge lists longer than this go to the generic diff (it indexes them). */
const SHORT_LIST = 16;

/**
 * Adds a merge list's part of the patch (changed and new items, `$patch: delete` for items gone,
 * `$setElementOrder/<key>` when anything changed or moved); false when the lists are not short
 * lists of flat objects with distinct keys (the generic diff's case then).
 */
function mergeListDiff(key: string, original: unknown[], modified: unknown[], mergeKey: string, patch: JsonObject): boolean {
  if (original.length === 0) {
    if (modified.length > 0) patch[key] = modified;
    return true;
  }
  if (original.length > SHORT_LIST || modified.length > SHORT_LIST || !flatItems(original) || !flatItems(modified)) return false;
  const before = original as JsonObject[];
  const after = modified as JsonObject[];
  for (let i = 1; i < after.length; i++) for (let j = 0; j < i; j++) if (String(after[i]![mergeKey]) === String(after[j]![mergeKey])) return false;
  let list: JsonObject[] | undefined;
  for (const mod of after) {
    const orig = lastWithKey(before, mergeKey, String(mod[mergeKey]));
    if (!orig) {
      (list ??= []).push(mod);
      continue;
    }
    const sub = itemDiff(orig, mod);
    if (sub === undefined) continue;
    sub[mergeKey] = mod[mergeKey];
    (list ??= []).push(sub);
  }
  let gone: JsonObject[] | undefined;
  for (const orig of before) if (!lastWithKey(after, mergeKey, String(orig[mergeKey]))) (gone ??= []).push(orig);
  if (gone) {
    if (gone.length > 1) gone.sort((a, b) => byString(a[mergeKey], b[mergeKey]));
    for (const orig of gone) (list ??= []).push({ [DIRECTIVE]: "delete", [mergeKey]: orig[mergeKey] });
  }
  let orderSame = before.length === after.length;
  for (let i = 0; orderSame && i < before.length; i++) orderSame = before[i]![mergeKey] === after[i]![mergeKey];
  if (list) patch[key] = list;
  if (list || !orderSame) patch[SET_ELEMENT_ORDER + key] = after.map((m) => ({ [mergeKey]: m[mergeKey] }));
  return true;
}

/** Every item an object whose members are scalars or null (a condition, an IP), none a directive. */
function flatItems(list: unknown[]): boolean {
  for (const item of list) {
    if (typeof item !== "object" || item === null || Array.isArray(item)) return false;
    for (const k in item) {
      const v = (item as JsonObject)[k];
      if ((typeof v === "object" && v !== null) || k.charCodeAt(0) === DOLLAR) return false;
    }
  }
  return true;
}

/** The diff of two flat items: changed and new members, null for members gone (nulls as unset); undefined when none. */
function itemDiff(orig: JsonObject, mod: JsonObject): JsonObject | undefined {
  let sub: JsonObject | undefined;
  for (const k in mod) {
    const m = mod[k];
    const o = orig[k];
    if (o === null || o === undefined || m === null || m === undefined) {
      if (o !== null && o !== undefined) (sub ??= {})[k] = null;
      else if (m !== null && m !== undefined) (sub ??= {})[k] = m;
    } else if (o !== m) (sub ??= {})[k] = m;
  }
  for (const k in orig) {
    if (mod[k] !== undefined || k in mod) continue;
    const o = orig[k];
    if (o !== null && o !== undefined) (sub ??= {})[k] = null;
  }
  return sub;
}

/** The last item whose merge key reads `key`. */
function lastWithKey(list: JsonObject[], mergeKey: string, key: string): JsonObject | undefined {
  for (let i = list.length - 1; i >= 0; i--) if (String(list[i]![mergeKey]) === key) return list[i];
  return undefined;
}

function byString(a: unknown, b: unknown): number {
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function isEmpty(obj: JsonObject): boolean {
  for (const _ in obj) return false;
  return true;
}
