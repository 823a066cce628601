import type { Node } from "kubernetes-types/core/v1.js";
import type { CSINode, CSIStorageCapacity, StorageClass } from "kubernetes-types/storage/v1.js";
import type { OwnerReference } from "kubernetes-types/meta/v1.js";
import { controllerFor, isStatusError, type csi, type Controller, type Request } from "../../core/index.js";
import type { SidecarContext } from "./external-provisioner.js";
import { bytesQuantity } from "./quantities.js";
import { clusterSegments } from "./topology.js";

/** Labels on every CSIStorageCapacity the external-provisioner publishes (`kubectl delete csistoragecapacities -l ...`). */
export const CAPACITY_DRIVER_LABEL = "csi.storage.k8s.io/drivername";
export const CAPACITY_MANAGED_BY_LABEL = "csi.storage.k8s.io/managed-by";
/** `--capacity-poll-interval` (default 1m): how often each object is refreshed with GetCapacity. */
export const CAPACITY_POLL_INTERVAL_MS = 60_000;

const CAPACITIES = "csistoragecapacities.storage.k8s.io";

/** What the capacity controller is told about where it runs. */
export interface CapacityOptions {
  /** The namespace of the driver's deployment (`NAMESPACE`), where the objects are created. */
  readonly namespace: string;
  /** `--capacity-ownerref-level`'s owner (the driver's controller workload), when there is one. */
  readonly owner?: () => OwnerReference | undefined;
}

const segmentKey = (segments: Readonly<Record<string, string>> | undefined): string => JSON.stringify(Object.entries(segments ?? {}).sort());

/**
 * The external-provisioner's capacity controller (`--enable-capacity`, central mode): for every
 * StorageClass of the driver that binds WaitForFirstConsumer and every topology segment where the
 * driver runs (CSINode topology keys × node labels), one CSIStorageCapacity `csisc-<random>` in
 * the driver's namespace holding GetCapacity's answer for that class's parameters and segment
 * (`capacity`, `maximumVolumeSize`), labelled with the driver and `managed-by:
 * external-provisioner`. Objects are refreshed every minute, right after the provisioner creates
 * or deletes a volume of the class, and when classes or segments change; obsolete and duplicate
 * ones are deleted, deleted ones re-created.
 */
export function capacityController(ctx: SidecarContext, options: CapacityOptions): { refresh(className: string): void } {
  const { mgr, driver, plugin } = ctx;
  const classes = mgr.informers.forResource<StorageClass>("storageclasses.storage.k8s.io").lister();
  const csiNodes = mgr.informers.forResource<CSINode>("csinodes.storage.k8s.io").lister();
  const nodes = mgr.informers.forResource<Node>("Node").lister();
  const capacities = mgr.informers.forResource<CSIStorageCapacity>(CAPACITIES, { namespace: options.namespace }).lister();
  const client = mgr.client.resource<CSIStorageCapacity>(CAPACITIES);
  let topology: Promise<boolean> | undefined;

  const ours = (c: CSIStorageCapacity): boolean => c.metadata?.labels?.[CAPACITY_DRIVER_LABEL] === driver && c.metadata?.labels?.[CAPACITY_MANAGED_BY_LABEL] === "external-provisioner";
  const wanted = (sc: StorageClass | undefined): sc is StorageClass => !!sc && sc.provisioner === driver && sc.volumeBindingMode === "WaitForFirstConsumer" && !sc.metadata?.deletionTimestamp;
  const classesOfDriver = (): string[] => classes.list().filter(wanted).map((sc) => sc.metadata!.name!);

  async function sync(className: string): Promise<void> {
    const sc = classes.get(className);
    const existing = capacities.namespace(options.namespace).list().filter((c) => ours(c) && c.storageClassName === className);
    const segments: (Record<string, string> | undefined)[] = !wanted(sc) ? [] : (await (topology ??= hasTopology())) ? clusterSegments(driver, csiNodes, nodes).map((t) => t.segments) : [undefined];
    const bySegment = new Map<string, CSIStorageCapacity>();
    const obsolete: CSIStorageCapacity[] = [];
    for (const c of existing.sort((a, b) => (a.metadata!.creationTimestamp ?? "").localeCompare(b.metadata!.creationTimestamp ?? "") || a.metadata!.name!.localeCompare(b.metadata!.name!))) {
      const key = segmentKey(c.nodeTopology?.matchLabels ?? undefined);
      const matches = segments.some((s) => segmentKey(s) === key) && (c.nodeTopology ? !c.nodeTopology.matchExpressions?.length : segments[0] === undefined);
      if (!matches || bySegment.has(key)) obsolete.push(c);
      else bySegment.set(key, c);
    }
    for (const c of obsolete) {
      try {
        await client.delete(c.metadata!.name!, { namespace: options.namespace });
      } catch (err) {
        if (!isStatusError(err, "NotFound")) throw err;
      }
    }
    const owner = options.owner?.();
    for (const segments0 of segments) {
      const request: csi.GetCapacityRequest = { parameters: { ...(sc!.parameters ?? {}) }, volumeCapabilities: [{ mount: {}, accessMode: { mode: "UNKNOWN" } }], ...(segments0 ? { accessibleTopology: { segments: segments0 } } : {}) };
      const answer = await plugin.controller.getCapacity!(request);
      const capacity = bytesQuantity(answer.availableCapacity);
      const maximumVolumeSize = answer.maximumVolumeSize !== undefined ? bytesQuantity(answer.maximumVolumeSize) : undefined;
      const current = bySegment.get(segmentKey(segments0));
      if (!current) {
        await client.create(
          {
            apiVersion: "storage.k8s.io/v1",
            kind: "CSIStorageCapacity",
            metadata: { generateName: "csisc-", namespace: options.namespace, labels: { [CAPACITY_DRIVER_LABEL]: driver, [CAPACITY_MANAGED_BY_LABEL]: "external-provisioner" }, ...(owner ? { ownerReferences: [owner] } : {}) },
            storageClassName: className,
            ...(segments0 ? { nodeTopology: { matchLabels: { ...segments0 } } } : {}),
            capacity,
            ...(maximumVolumeSize !== undefined ? { maximumVolumeSize } : {}),
          },
          { namespace: options.namespace },
        );
        continue;
      }
      const ownedByUs = !owner || (current.metadata?.ownerReferences ?? []).some((o) => o.controller && o.uid === owner.uid);
      if (current.capacity === capacity && current.maximumVolumeSize === maximumVolumeSize && ownedByUs) continue;
      const next: CSIStorageCapacity = { ...current, capacity, metadata: { ...current.metadata, ...(ownedByUs ? {} : { ownerReferences: [...(current.metadata?.ownerReferences ?? []), owner!] }) } };
      if (maximumVolumeSize !== undefined) next.maximumVolumeSize = maximumVolumeSize;
      else delete next.maximumVolumeSize;
      try {
        await client.update(next, { namespace: options.namespace });
      } catch (err) {
        if (!isStatusError(err, "Conflict") && !isStatusError(err, "NotFound")) throw err;
        controller.enqueue({ name: className }); // our cache was behind: once more
      }
    }
  }

  async function hasTopology(): Promise<boolean> {
    const caps = await plugin.identity.getPluginCapabilities();
    return caps.capabilities.some((c) => "service" in c && c.service.type === "VOLUME_ACCESSIBILITY_CONSTRAINTS");
  }

  const everyClass = (): Request[] => classesOfDriver().map((name) => ({ name }));
  const controller: Controller = controllerFor(mgr)
    .named(`${driver}/capacity`)
    .for<StorageClass>("storageclasses.storage.k8s.io", { predicates: [{ create: (sc) => (sc as StorageClass).provisioner === driver, update: (_o, n) => (n as StorageClass).provisioner === driver, delete: (sc) => (sc as StorageClass).provisioner === driver }] })
    // Segments come and go with the nodes where the driver registers and their labels.
    .watches<CSINode>("csinodes.storage.k8s.io", everyClass)
    .watches<Node>("Node", everyClass, { predicates: [{ create: () => false, update: (o, n) => JSON.stringify((o as Node).metadata?.labels) !== JSON.stringify((n as Node).metadata?.labels), delete: () => true }] })
    // An object of ours changed or deleted by someone else: put it right.
    .watches<CSIStorageCapacity>(CAPACITIES, (c) => (ours(c) ? [{ name: c.storageClassName }] : []), { namespace: options.namespace, predicates: [{ create: () => false, update: () => true, delete: () => true }] })
    .withOptions({ maxConcurrentReconciles: 1 })
    .complete({
      async reconcile(req: Request) {
        await sync(req.name);
        return wanted(classes.get(req.name)) ? { requeueAfter: CAPACITY_POLL_INTERVAL_MS } : {};
      },
    });
  return { refresh: (className) => controller.enqueue({ name: className }) };
}
