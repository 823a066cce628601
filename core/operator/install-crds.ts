import type { CustomResourceDefinition } from "kubernetes-types/apiextensions/v1.js";
import { isStatusError } from "../api/status.js";
import type { Clock } from "../clock/clock.js";
import type { Client } from "../client/client.js";

export interface InstallCrdsOptions {
  clock: Clock;
  /** How long to wait for each CRD to be served, in ms of cluster time (default 30 s). */
  timeout?: number;
  /** The field manager of the writes (default "kubesim-operator"). */
  fieldManager?: string;
  signal?: AbortSignal;
}

const POLL_MS = 10;

/**
 * Creates each CRD (or updates it to `crd`'s spec when it exists, as after a restart on a durable
 * store) and resolves once every one is Established and its storage version answers a list — so
 * informers and clients can use it right away. Idempotent. Rejects with the API server's refusal
 * (a non-structural schema, an invalid name) or when a CRD is not served within `timeout`
 * (NamesAccepted False: the message names the conflict).
 */
export async function installCustomResourceDefinitions(client: Client, crds: readonly CustomResourceDefinition[], options: InstallCrdsOptions): Promise<void> {
  const rc = client.resource<CustomResourceDefinition>("CustomResourceDefinition");
  const fieldManager = options.fieldManager ?? "kubesim-operator";
  for (const crd of crds) {
    const name = crd.metadata!.name!;
    try {
      await rc.create(crd, { fieldManager });
    } catch (err) {
      if (!isStatusError(err, "AlreadyExists")) throw err;
      const existing = await rc.get(name);
      if (JSON.stringify(existing.spec) !== JSON.stringify({ ...existing.spec, ...crd.spec })) {
        await rc.update({ ...existing, spec: crd.spec }, { fieldManager });
      }
    }
  }
  for (const crd of crds) await waitServed(client, crd, options);
}

async function waitServed(client: Client, crd: CustomResourceDefinition, options: InstallCrdsOptions): Promise<void> {
  const name = crd.metadata!.name!;
  const storage = crd.spec.versions.find((v) => v.storage) ?? crd.spec.versions[0]!;
  const deadline = options.clock.now() + (options.timeout ?? 30_000);
  const rc = client.resource<CustomResourceDefinition>("CustomResourceDefinition");
  for (;;) {
    const current = await rc.get(name);
    const conditions = current.status?.conditions ?? [];
    const established = conditions.some((c) => c.type === "Established" && c.status === "True");
    if (established) {
      try {
        await client.resource({ apiVersion: `${crd.spec.group}/${storage.name}`, kind: crd.spec.names.kind }).list({ limit: 1 });
        return;
      } catch (err) {
        if (!isStatusError(err, "NotFound") && !/not served|could not find|unknown resource/i.test((err as Error).message)) throw err;
      }
    }
    if (options.clock.now() >= deadline) {
      const names = conditions.find((c) => c.type === "NamesAccepted" && c.status === "False");
      throw new Error(`CustomResourceDefinition ${name} was not served within ${options.timeout ?? 30_000} ms${names ? `: NamesAccepted is False (${names.reason}: ${names.message})` : ""}`);
    }
    await options.clock.sleep(POLL_MS, options.signal);
  }
}
