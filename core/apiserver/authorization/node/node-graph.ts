import type { PersistentVolume, PersistentVolumeClaim, Pod } from "kubernetes-types/core/v1.js";
import type { VolumeAttachment } from "kubernetes-types/storage/v1.js";
import type { SharedInformer } from "../../../informers/shared-informer.js";
import type { SharedInformerFactory } from "../../../informers/shared-informer-factory.js";
import { objectOrTombstoneObject } from "../../../informers/tombstone.js";
import { configMapNames, secretNames } from "../../../api/builtin/core/pod-references.js";

/** The object kinds a node reaches through its pods (upstream's vertex types). */
export type NodeObjectType = "secret" | "configmap" | "pvc" | "pv" | "serviceaccount" | "volumeattachment";

function podReferences(pod: Pod): string[] {
  const ns = pod.metadata?.namespace ?? "";
  const refs = new Set<string>();
  const add = (type: NodeObjectType, name: string | undefined): void => {
    if (name) refs.add(`${type}/${ns}/${name}`);
  };
  const spec = pod.spec;
  if (!spec) return [];
  add("serviceaccount", spec.serviceAccountName || "default");
  for (const name of secretNames(pod)) add("secret", name);
  for (const name of configMapNames(pod)) add("configmap", name);
  for (const v of spec.volumes ?? []) {
    add("pvc", v.persistentVolumeClaim?.claimName);
    if (v.ephemeral) add("pvc", `${pod.metadata?.name}-${v.name}`);
  }
  return [...refs];
}

/** A list of references (`type/namespace/name`) and how many pods hold it. */
interface SharedRefs {
  readonly text: string;
  readonly refs: readonly string[];
  pods: number;
}

/**
 * The Node authorizer's graph (plugin/pkg/auth/authorizer/node/graph.go), kept from the API
 * server's informers: which secrets, configmaps, claims and service accounts each node's pods
 * reference, which volume each claim is bound to, and which VolumeAttachments name each node.
 * Pods are counted per reference, so a secret stays reachable while any pod on the node uses it.
 */
export class NodeGraph {
  /** Bound pods by namespace, then name: the object's own strings are the keys (no key string is built per pod event). */
  private readonly byPod = new Map<string, Map<string, { node: string; uid: string | undefined; ephemeral: number; refs: SharedRefs }>>();
  /**
   * Reference lists by their text, shared by every pod whose spec references the same objects (a
   * Deployment's pods all name one service account and one root-CA ConfigMap): a pod holds the
   * list, not strings of its own. A list goes with the last pod holding it.
   */
  private readonly refLists = new Map<string, SharedRefs>();
  private readonly byNode = new Map<string, Map<string, number>>();
  private readonly pvcs: SharedInformer<PersistentVolumeClaim>;
  private readonly attachments: SharedInformer<VolumeAttachment>;
  private readonly informers: { hasSynced(): boolean }[];

  constructor(factory: SharedInformerFactory) {
    const pods = factory.forResource<Pod>("Pod");
    this.pvcs = factory.forResource<PersistentVolumeClaim>("PersistentVolumeClaim");
    this.attachments = factory.forResource<VolumeAttachment>({ group: "storage.k8s.io", version: "v1", resource: "volumeattachments" });
    const pvs = factory.forResource<PersistentVolume>("PersistentVolume");
    this.informers = [pods, this.pvcs, this.attachments, pvs];
    pods.addEventHandler({
      onAdd: (p) => this.setPod(p),
      onUpdate: (_old, p) => this.setPod(p),
      onDelete: (p) => {
        const pod = objectOrTombstoneObject(p);
        this.removePod(String(pod.metadata?.namespace), String(pod.metadata?.name));
      },
    });
  }

  hasSynced(): boolean {
    return this.informers.every((i) => i.hasSynced());
  }

  private setPod(pod: Pod): void {
    const node = pod.spec?.nodeName;
    const namespace = String(pod.metadata?.namespace);
    const name = String(pod.metadata?.name);
    let pods = this.byPod.get(namespace);
    const before = pods?.get(name);
    const uid = pod.metadata?.uid;
    const ephemeral = pod.spec?.ephemeralContainers?.length ?? 0;
    // A bound pod's references change only with ephemeral containers (appended, never changed);
    // the rest of its spec is immutable after binding (upstream's graph_populator updatePod).
    if (before && before.node === node && before.uid === uid && before.ephemeral === ephemeral) return;
    if (before) {
      this.removePod(namespace, name);
      pods = this.byPod.get(namespace); // dropped when it held only this pod
    }
    if (!node) return;
    const list = podReferences(pod);
    const text = list.join("\n");
    let refs = this.refLists.get(text);
    if (!refs) this.refLists.set(text, (refs = { text, refs: list, pods: 0 }));
    refs.pods++;
    if (!pods) this.byPod.set(namespace, (pods = new Map()));
    pods.set(name, { node, uid, ephemeral, refs });
    let counts = this.byNode.get(node);
    if (!counts) this.byNode.set(node, (counts = new Map()));
    for (const r of refs.refs) counts.set(r, (counts.get(r) ?? 0) + 1);
  }

  private removePod(namespace: string, name: string): void {
    const pods = this.byPod.get(namespace);
    const before = pods?.get(name);
    if (!before) return;
    pods!.delete(name);
    if (!pods!.size) this.byPod.delete(namespace);
    if (--before.refs.pods === 0) this.refLists.delete(before.refs.text);
    const counts = this.byNode.get(before.node);
    if (!counts) return;
    for (const r of before.refs.refs) {
      const n = (counts.get(r) ?? 0) - 1;
      if (n > 0) counts.set(r, n);
      else counts.delete(r);
    }
    if (!counts.size) this.byNode.delete(before.node);
  }

  /** Whether `node` reaches the object (upstream's `hasPathFrom`): through a pod, a pod's claim (for its volume), or a VolumeAttachment. */
  hasPathFrom(node: string, type: NodeObjectType, namespace: string, name: string): boolean {
    const refs = this.byNode.get(node);
    if (type === "volumeattachment") return this.attachments.lister().get(name)?.spec?.nodeName === node;
    if (type === "pv") {
      if (!refs) return false;
      for (const r of refs.keys()) {
        if (!r.startsWith("pvc/")) continue;
        const [, ns, claim] = r.split("/");
        if (this.pvcs.lister().namespace(ns!).get(claim!)?.spec?.volumeName === name) return true;
      }
      return false;
    }
    return refs?.has(`${type}/${namespace}/${name}`) === true;
  }
}
