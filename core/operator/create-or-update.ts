import type { ObjectLike } from "../api/object.js";
import { isStatusError } from "../api/status.js";
import { cloneJson } from "../api/clone.js";
import { jsonEqual } from "../api/patch/json-value.js";
import type { ResourceClient } from "../client/client.js";

export type OperationResult = "created" | "updated" | "unchanged";

/**
 * Makes the object `namespace/name` what `mutate` says (`controllerutil.CreateOrUpdate`): reads
 * it, hands `mutate` a private copy (or, when it does not exist, `{ metadata: { name, namespace } }`)
 * and writes the result — create, or update guarded by the read resourceVersion — only when it
 * differs from what is stored. `mutate` changes the fields it owns and leaves the others (those
 * defaulted by the API server) alone; it must not change name or namespace. A Conflict rejects:
 * the reconcile is retried on fresh state.
 */
export async function createOrUpdate<T extends ObjectLike>(
  client: ResourceClient<T>,
  key: { namespace?: string; name: string },
  mutate: (obj: T) => T | void,
  options: { fieldManager?: string } = {},
): Promise<{ result: OperationResult; object: T }> {
  const ns = key.namespace ? { namespace: key.namespace } : {};
  let existing: T | undefined;
  try {
    existing = await client.get(key.name, ns);
  } catch (err) {
    if (!isStatusError(err, "NotFound")) throw err;
  }
  if (!existing) {
    const fresh = { metadata: { name: key.name, ...ns } } as T;
    const desired = mutate(fresh) ?? fresh;
    checkKey(desired, key);
    return { result: "created", object: await client.create(desired, { ...options, ...ns }) };
  }
  const copy = cloneJson(existing);
  const desired = mutate(copy) ?? copy;
  checkKey(desired, key);
  if (jsonEqual(desired, existing)) return { result: "unchanged", object: existing };
  return { result: "updated", object: await client.update(desired, { ...options, ...ns }) };
}

function checkKey(obj: ObjectLike, key: { namespace?: string; name: string }): void {
  if (obj.metadata?.name !== key.name || (obj.metadata?.namespace ?? undefined) !== (key.namespace ?? undefined)) {
    throw new Error(`createOrUpdate: mutate must not change the name or namespace of ${key.namespace ? key.namespace + "/" : ""}${key.name}`);
  }
}
