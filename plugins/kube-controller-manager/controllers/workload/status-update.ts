import { isStatusError, type KubeObject, type ResourceClient } from "../../../../core/index.js";

/** Writes `status` through the status subresource, re-reading once on a conflict; a deleted object is not an error. */
export async function writeStatus<T extends KubeObject>(client: ResourceClient<T>, obj: T, status: unknown): Promise<void> {
  let cur: T = obj;
  for (let attempt = 0; ; attempt++) {
    try {
      await client.updateSubresource(cur.metadata!.name!, "status", { ...cur, status }, { namespace: cur.metadata!.namespace! });
      return;
    } catch (err) {
      if (isStatusError(err, "NotFound")) return;
      if (attempt > 0 || !isStatusError(err, "Conflict")) throw err;
      cur = await client.get(obj.metadata!.name!, { namespace: obj.metadata!.namespace! });
    }
  }
}
