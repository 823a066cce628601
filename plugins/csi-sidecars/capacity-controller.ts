import type { Node } from "kubernetes-types/core/v1.js";
import type { CSINode, CSIStorageCapacity, StorageClass } from "kubernetes-types/storage/v1.js";
import type { OwnerReference } from "kubernetes-types/meta/v1.js";
import { controllerFor, isStatusError, type csi, type Controller, type Request } from "../../core/index.js";
import type { SidecarContext } from "./external-provisioner.js";
import { bytesQuantity } from "./quantities.js";
import { DriverSegments, segmentKey } from "./driver-segments.js";

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

/**
 * The external-provisioner's capacity controller (`--enable-capacity`, central mode): for every
 * StorageClass of the driver that binds WaitForFirstConsumer and every topology segment where the
 * driver runs (CSINode topology keys × node labels), one CSIStorageCapacity `csisc-<random>` in
 * the driver's namespace holding GetCapacity's answer for that class's parameters and segment
 * (`capacity`, `maximumVolumeSize`), labelled with the driver and `managed-by:
 * external-provisioner`. Objects are refreshed every minute, right after the provisioner creates
 * or deletes a volume of the class, and when classes or segments change; obsolete and duplicate
 * ones are deleted, deleted ones re-created.
 *
 * Work items are keyed as upstream's are, by (storage class, segment): a request `{ namespace:
 * <class>, name: <segment key> }` refreshes one object, so a node joining costs one GetCapacity and
 * one write, not a pass over every segment and object; a request `{ name: <class> }` (class
 * events, the poll, the provisioner's refresh) passes over the class's segments and objects.
 */
export function capacityController(ctx: SidecarContext, options: CapacityOptions): { refresh(className: string): void } {
  const { mgr, driver, plugin } = ctx;
  const classes = mgr.informers.forResource<StorageClass>("storageclasses.storage.k8s.io").lister();
  const csiNodes = mgr.informers.forResource<CSINode>("csinodes.storage.k8s.io").lister();
  const nodes = mgr.informers.forResource<Node>("Node").lister();
  const ours = (c: CSIStorageCapacity): boolean => c.metadata?.labels?.[CAPACITY_DRIVER_LABEL] === driver && c.metadata?.labels?.[CAPACITY_MANAGED_BY_LABEL] === "external-provisioner";
  /** Our objects by class, and by class and segment (`<class>|<segment key>`; no topology: an empty key). */
  const BY_CLASS = `csi-capacity-class/${driver}`;
  const BY_ITEM = `csi-capacity-item/${driver}`;
  const itemOf = (className: string, key: string): string => `${className}|${key}`;
  const capacityInformer = mgr.informers.forResource<CSIStorageCapacity>(CAPACITIES, { namespace: options.namespace });
  if (!capacityInformer.indexer.indexNames().includes(BY_CLASS)) {
    capacityInformer.addIndexers({
      [BY_CLASS]: (c) => (ours(c) ? [c.storageClassName] : []),
      [BY_ITEM]: (c) => (ours(c) ? [itemOf(c.storageClassName, segmentKey(c.nodeTopology?.matchLabels))] : []),
    });
  }
  const client = mgr.client.resource<CSIStorageCapacity>(CAPACITIES);
  const segments = new DriverSegments(driver, csiNodes, nodes);
  let topology: Promise<boolean> | undefined;

  const wanted = (sc: StorageClass | undefined): sc is StorageClass => !!sc && sc.provisioner === driver && sc.volumeBindingMode === "WaitForFirstConsumer" && !sc.metadata?.deletionTimestamp;
  const classesOfDriver = (): string[] => classes.list().filter(wanted).map((sc) => sc.metadata!.name!);
  /** Oldest first (then by name): the first object of an item is kept, later ones are duplicates. */
  const oldestFirst = (a: CSIStorageCapacity, b: CSIStorageCapacity): number => (a.metadata!.creationTimestamp ?? "").localeCompare(b.metadata!.creationTimestamp ?? "") || a.metadata!.name!.localeCompare(b.metadata!.name!);
  /** Whether an object of ours can stand for the segment (undefined: the driver has no topology). */
  const fits = (c: CSIStorageCapacity, segment: csi.Topology | undefined): boolean => (c.nodeTopology ? !c.nodeTopology.matchExpressions?.length : segment === undefined);

  /** One pass over a class: every segment's object made right, objects of no wanted segment deleted. */
  async function syncClass(className: string): Promise<void> {
    const sc = classes.get(className);
    const existing = capacityInformer.indexer.byIndex(BY_CLASS, className).filter((c) => c.metadata?.namespace === options.namespace);
    const want = new Map<string, csi.Topology | undefined>();
    if (wanted(sc)) {
      if (await (topology ??= hasTopology())) for (const s of segments.list().sort((a, b) => a.key.localeCompare(b.key))) want.set(s.key, s.topology);
      else want.set("", undefined);
    }
    const bySegment = new Map<string, CSIStorageCapacity>();
    const obsolete: CSIStorageCapacity[] = [];
    for (const c of existing.sort(oldestFirst)) {
      const key = segmentKey(c.nodeTopology?.matchLabels);
      if (!want.has(key) || !fits(c, want.get(key)) || bySegment.has(key)) obsolete.push(c);
      else bySegment.set(key, c);
    }
    await remove(obsolete);
    for (const [key, segment] of want) await publish(sc!, segment, bySegment.get(key), { name: className });
  }

  /** One (class, segment) item: its object made right, or deleted when the class or the segment is gone. */
  async function syncItem(className: string, key: string): Promise<void> {
    const sc = classes.get(className);
    const segment = wanted(sc) && (await (topology ??= hasTopology())) ? segments.get(key) : undefined;
    const existing = capacityInformer.indexer.byIndex(BY_ITEM, itemOf(className, key)).filter((c) => c.metadata?.namespace === options.namespace).sort(oldestFirst);
    if (!segment) {
      await remove(existing);
      return;
    }
    const current = existing.find((c) => fits(c, segment));
    await remove(existing.filter((c) => c !== current));
    await publish(sc!, segment, current, { namespace: className, name: key });
  }

  async function remove(objects: readonly CSIStorageCapacity[]): Promise<void> {
    for (const c of objects) {
      try {
        await client.delete(c.metadata!.name!, { namespace: options.namespace });
      } catch (err) {
        if (!isStatusError(err, "NotFound")) throw err;
      }
    }
  }

  /** GetCapacity for the class and segment, then the object created, or updated when it differs; `retry` once more when our cache was behind. */
  async function publish(sc: StorageClass, segment: csi.Topology | undefined, current: CSIStorageCapacity | undefined, retry: Request): Promise<void> {
    const className = sc.metadata!.name!;
    const owner = options.owner?.();
    const request: csi.GetCapacityRequest = { parameters: { ...(sc.parameters ?? {}) }, volumeCapabilities: [{ mount: {}, accessMode: { mode: "UNKNOWN" } }], ...(segment ? { accessibleTopology: { segments: segment.segments } } : {}) };
    const answer = await plugin.controller.getCapacity!(request);
    const capacity = bytesQuantity(answer.availableCapacity);
    const maximumVolumeSize = answer.maximumVolumeSize !== undefined ? bytesQuantity(answer.maximumVolumeSize) : undefined;
    if (!current) {
      await client.create(
        {
          apiVersion: "storage.k8s.io/v1",
          kind: "CSIStorageCapacity",
          metadata: { generateName: "csisc-", namespace: options.namespace, labels: { [CAPACITY_DRIVER_LABEL]: driver, [CAPACITY_MANAGED_BY_LABEL]: "external-provisioner" }, ...(owner ? { ownerReferences: [owner] } : {}) },
          storageClassName: className,
          ...(segment ? { nodeTopology: { matchLabels: { ...segment.segments } } } : {}),
          capacity,
          ...(maximumVolumeSize !== undefined ? { maximumVolumeSize } : {}),
        },
        { namespace: options.namespace },
      );
      return;
    }
    const ownedByUs = !owner || (current.metadata?.ownerReferences ?? []).some((o) => o.controller && o.uid === owner.uid);
    if (current.capacity === capacity && current.maximumVolumeSize === maximumVolumeSize && ownedByUs) return;
    const next: CSIStorageCapacity = { ...current, capacity, metadata: { ...current.metadata, ...(ownedByUs ? {} : { ownerReferences: [...(current.metadata?.ownerReferences ?? []), owner!] }) } };
    if (maximumVolumeSize !== undefined) next.maximumVolumeSize = maximumVolumeSize;
    else delete next.maximumVolumeSize;
    try {
      await client.update(next, { namespace: options.namespace });
    } catch (err) {
      if (!isStatusError(err, "Conflict") && !isStatusError(err, "NotFound")) throw err;
      controller.enqueue(retry); // our cache was behind: once more
    }
  }

  async function hasTopology(): Promise<boolean> {
    const caps = await plugin.identity.getPluginCapabilities();
    return caps.capabilities.some((c) => "service" in c && c.service.type === "VOLUME_ACCESSIBILITY_CONSTRAINTS");
  }

  /** A node's CSINode or labels changed: the items of the segments that appeared or disappeared, for every class. */
  const topologyChanged = (obj: CSINode | Node): Request[] => {
    const { added, removed } = segments.refresh(obj.metadata!.name!);
    if (added.length === 0 && removed.length === 0) return [];
    const out: Request[] = [];
    for (const className of classesOfDriver()) for (const key of [...added, ...removed]) out.push({ namespace: className, name: key });
    return out;
  };
  /** The item an object of ours stands for; one without a plain segment (none, or match expressions) is put right by its class's pass. */
  const itemOfObject = (c: CSIStorageCapacity): Request[] => {
    if (!ours(c)) return [];
    const key = segmentKey(c.nodeTopology?.matchLabels);
    return key && !c.nodeTopology?.matchExpressions?.length ? [{ namespace: c.storageClassName, name: key }] : [{ name: c.storageClassName }];
  };
  const labelsChanged = (o: Node, n: Node): boolean => o.metadata?.labels !== n.metadata?.labels && JSON.stringify(o.metadata?.labels) !== JSON.stringify(n.metadata?.labels);
  const controller: Controller = controllerFor(mgr)
    .named(`${driver}/capacity`)
    .for<StorageClass>("storageclasses.storage.k8s.io", { predicates: [{ create: (sc) => (sc as StorageClass).provisioner === driver, update: (_o, n) => (n as StorageClass).provisioner === driver, delete: (sc) => (sc as StorageClass).provisioner === driver }] })
    // Segments come and go with the nodes where the driver registers and their labels.
    .watches<CSINode>("csinodes.storage.k8s.io", topologyChanged)
    .watches<Node>("Node", topologyChanged, { predicates: [{ update: (o, n) => labelsChanged(o as Node, n as Node) }] })
    // An object of ours changed or deleted by someone else: put its item right.
    .watches<CSIStorageCapacity>(CAPACITIES, itemOfObject, { namespace: options.namespace, predicates: [{ create: () => false, update: () => true, delete: () => true }] })
    .withOptions({ maxConcurrentReconciles: 1 })
    .complete({
      async reconcile(req: Request) {
        if (req.namespace !== undefined) {
          await syncItem(req.namespace, req.name);
          return {};
        }
        await syncClass(req.name);
        return wanted(classes.get(req.name)) ? { requeueAfter: CAPACITY_POLL_INTERVAL_MS } : {};
      },
    });
  return { refresh: (className) => controller.enqueue({ name: className }) };
}
