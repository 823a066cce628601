import type { KubeObject } from "../api/object.js";
import { isStatusError } from "../api/status.js";
import type { Client } from "../client/client.js";

/**
 * Creates add-on objects the way kubeadm's addon phase and `kind create cluster` do: each object
 * is created; one that exists already (a restarted cluster, or the user's own) is left as it is.
 * Any other failure is reported to `warn` and the rest are still created.
 */
export async function createObjects(client: Client, objects: readonly KubeObject[], warn: (message: string) => void, fieldManager = "kubeadm"): Promise<void> {
  for (const obj of objects) {
    const namespace = obj.metadata?.namespace;
    try {
      await client.resource({ apiVersion: obj.apiVersion!, kind: obj.kind! }).create(obj, { fieldManager, ...(namespace ? { namespace } : {}) });
    } catch (err) {
      if (!isStatusError(err, "AlreadyExists")) warn(`${obj.kind} ${namespace ? namespace + "/" : ""}${obj.metadata?.name}: ${String(err)}`);
    }
  }
}
