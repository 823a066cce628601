import type { KubeObject } from "../api/object.js";
import type { Client } from "../client/client.js";
import { token } from "../di/token.js";
import { createObjects } from "./create-objects.js";

/**
 * Where a plugin's cluster add-on objects go: its DaemonSet, RBAC, ConfigMaps and CRDs, what
 * `kubectl apply -f <manifest>` or kubeadm's addon phase creates on a real cluster. Plugins call
 * `install` instead of creating the objects themselves, so the host decides:
 * - a cluster (`new Cluster`, `kubesim up`) creates them ({@link clusterAddons}): an object that
 *   exists already (a restarted cluster, or the user's own) is left as it is, and any other failure
 *   is reported to `warn` while the rest are still created;
 * - a node's own process (`kubesim kubelet`, a {@link NodeHost}) installs nothing
 *   ({@link nodeAddons}): on a real cluster a node's agents never apply the cluster's add-ons (they
 *   have neither the right nor the job); whoever creates the cluster does (`kubesim up --split`
 *   applies them as admin).
 */
export interface AddonInstaller {
  install(objects: readonly KubeObject[], warn: (message: string) => void, fieldManager?: string): Promise<void>;
}

/** The host's {@link AddonInstaller} (cluster scope). */
export const Addons = token<AddonInstaller>("Addons");

/** A cluster's installer: creates the objects through `client`. */
export function clusterAddons(client: Client): AddonInstaller {
  return { install: (objects, warn, fieldManager) => createObjects(client, objects, warn, fieldManager) };
}

/** A node process's installer: leaves the cluster's add-ons to whoever installs the cluster; `skipped` hears what was left. */
export function nodeAddons(skipped: (objects: readonly KubeObject[]) => void = () => {}): AddonInstaller {
  return {
    install: async (objects) => skipped(objects),
  };
}
