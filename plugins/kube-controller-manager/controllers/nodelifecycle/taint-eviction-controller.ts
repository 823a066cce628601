import type { Node, Pod, Taint, Toleration } from "kubernetes-types/core/v1.js";
import { controllerFor, isStatusError, type Controller, type Manager, type Predicate, type SharedInformer, type TimerHandle } from "../../../../core/index.js";
import { tolerates } from "../daemonset/node-eligibility.js";
import { rfc3339Of } from "../workload/time.js";
import { podsByNode } from "./pod-node-index.js";

/** A pod's pending deletion: when the controller first saw it must go, and when it will. */
interface ScheduledEviction {
  createdAt: number;
  fireAt: number;
  timer: TimerHandle;
}

/**
 * The smallest tolerationSeconds among the tolerations that tolerate `taints`: undefined when one
 * of the taints is not tolerated at all (evict now), Infinity when a toleration has no
 * tolerationSeconds (stay forever). Negative seconds count as 0.
 */
export function minTolerationSeconds(taints: readonly Taint[], tolerations: readonly Toleration[]): number | undefined {
  let min = Infinity;
  for (const taint of taints) {
    const used = tolerations.filter((t) => tolerates(t, taint));
    if (used.length === 0) return undefined;
    for (const t of used) if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null) min = Math.min(min, Math.max(0, t.tolerationSeconds));
  }
  return min;
}

/**
 * The taint eviction controller (pkg/controller/tainteviction, formerly the NoExecute taint
 * manager): a pod on a node with NoExecute taints it does not tolerate is deleted at once; one
 * that tolerates them all for a while is deleted `tolerationSeconds` (the smallest that applies)
 * after the controller first saw it must go; a pod that tolerates them forever stays. Deleted pods
 * first get the DisruptionTarget condition (reason DeletionByTaintManager) and a
 * TaintManagerEviction event; a deletion still pending when the taints go away is cancelled.
 */
export function taintEvictionController(mgr: Manager, workers: number): Controller {
  const clock = mgr.clock;
  const podInformer = mgr.informers.forResource<Pod>("Pod") as SharedInformer<Pod>;
  const podsOn = podsByNode(podInformer);
  const nodeLister = mgr.informers.forResource<Node>("Node").lister();
  const pods = mgr.client.resource<Pod>("Pod");
  const recorder = mgr.getEventRecorderFor("taint-eviction-controller");
  const scheduled = new Map<string, ScheduledEviction>();
  let stopped = false;

  const cancel = (key: string, pod: Pod | undefined): void => {
    const s = scheduled.get(key);
    if (!s) return;
    clock.clearTimeout(s.timer);
    scheduled.delete(key);
    if (pod) recorder.eventf(pod, "Normal", "TaintManagerEviction", "Cancelling deletion of Pod %s", key);
  };

  async function evict(namespace: string, name: string): Promise<void> {
    const key = `${namespace}/${name}`;
    scheduled.delete(key);
    const pod = podInformer.lister().namespace(namespace).get(name);
    if (!pod || pod.metadata?.deletionTimestamp || stopped) return;
    recorder.eventf(pod, "Normal", "TaintManagerEviction", "Marking for deletion Pod %s", key);
    try {
      if (!pod.status?.conditions?.some((c) => c.type === "DisruptionTarget" && c.status === "True")) {
        const condition = { type: "DisruptionTarget", status: "True", reason: "DeletionByTaintManager", message: "Taint manager: deleting due to NoExecute taint", lastTransitionTime: rfc3339Of(clock.now()) };
        await pods.patch(name, "strategic", { status: { conditions: [condition] } }, { namespace, subresource: "status" });
      }
      await pods.delete(name, { namespace });
    } catch (err) {
      if (!isStatusError(err, "NotFound")) mgr.log.warn("taint eviction failed", { pod: key, error: err });
    }
  }

  /**
   * Whether a reconcile of `pod` could act: an eviction is pending (a reconcile may cancel one), or
   * the pod's node has NoExecute taints. Otherwise it would only find nothing to cancel, so the pod
   * event is not queued (upstream's handlePodUpdate likewise returns for a node without NoExecute
   * taints): most pods sit on untainted nodes, and each would cost a reconcile when bound. Taints
   * arriving later queue the node's pods through the Node watch.
   */
  const mayAct = (pod: Pod): boolean => scheduled.size > 0 || hasNoExecuteTaint(nodeLister.get(pod.spec?.nodeName ?? ""));
  const podPredicate: Predicate<Pod> = {
    create: (p) => podPlacementChanged.create!(p) && mayAct(p),
    update: (o, n) => podPlacementChanged.update!(o, n) && mayAct(n),
    delete: () => scheduled.size > 0,
  };

  const controller = controllerFor(mgr)
    .named("taint-eviction-controller")
    .for<Pod>("Pod", { predicates: [podPredicate] })
    .watches<Node>("Node", (node) => podsOn(node.metadata!.name!).map((p) => ({ namespace: p.metadata!.namespace!, name: p.metadata!.name! })), { predicates: [noExecuteTaintsChanged] })
    .withOptions({ maxConcurrentReconciles: workers })
    .complete({
      async reconcile(req) {
        const key = `${req.namespace}/${req.name}`;
        const pod = podInformer.lister().namespace(req.namespace!).get(req.name);
        if (!pod || pod.metadata?.deletionTimestamp || !pod.spec?.nodeName) {
          cancel(key, undefined);
          return;
        }
        const node = nodeLister.get(pod.spec.nodeName);
        const taints = (node?.spec?.taints ?? []).filter((t) => t.effect === "NoExecute");
        if (taints.length === 0) {
          cancel(key, pod);
          return;
        }
        const seconds = minTolerationSeconds(taints, pod.spec.tolerations ?? []);
        if (seconds === undefined) {
          cancel(key, undefined);
          await evict(req.namespace!, req.name);
          return;
        }
        if (seconds === Infinity) {
          cancel(key, pod);
          return;
        }
        const existing = scheduled.get(key);
        const createdAt = existing?.createdAt ?? clock.now();
        const fireAt = createdAt + seconds * 1000;
        if (existing && existing.fireAt === fireAt) return;
        if (existing) clock.clearTimeout(existing.timer);
        const timer = clock.setTimeout(() => void evict(req.namespace!, req.name), Math.max(0, fireAt - clock.now()));
        scheduled.set(key, { createdAt, fireAt, timer });
      },
    });

  mgr.add({
    name: "taint-eviction-timers",
    needLeaderElection: false,
    async start(signal) {
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      stopped = true;
      for (const s of scheduled.values()) clock.clearTimeout(s.timer);
      scheduled.clear();
    },
  });
  return controller;
}

/**
 * Pod events that can change its eviction: binding, tolerations (compared by value, as upstream's
 * Semantic.DeepEqual: every write brings new objects), deletion. A new pod counts once bound.
 */
const podPlacementChanged: Predicate<Pod> = {
  create: (p) => !!p.spec?.nodeName,
  update: (o, n) => o.spec?.nodeName !== n.spec?.nodeName || !sameTolerations(o.spec?.tolerations, n.spec?.tolerations) || o.metadata?.deletionTimestamp !== n.metadata?.deletionTimestamp,
};

function sameTolerations(a: readonly Toleration[] | undefined, b: readonly Toleration[] | undefined): boolean {
  if (a === b) return true;
  if ((a?.length ?? 0) !== (b?.length ?? 0)) return false;
  return (a ?? []).every((x, i) => {
    const y = b![i]!;
    return x.key === y.key && x.operator === y.operator && x.value === y.value && x.effect === y.effect && x.tolerationSeconds === y.tolerationSeconds;
  });
}

function hasNoExecuteTaint(node: Node | undefined): boolean {
  const taints = node?.spec?.taints;
  if (!taints) return false;
  for (const t of taints) if (t.effect === "NoExecute") return true;
  return false;
}

function noExecuteKey(node: Node): string {
  return (node.spec?.taints ?? []).filter((t) => t.effect === "NoExecute").map((t) => `${t.key}=${t.value ?? ""}`).join(",");
}

/** Node updates that change its NoExecute taints. */
const noExecuteTaintsChanged: Predicate<Node> = {
  create: (n) => noExecuteKey(n) !== "",
  update: (o, n) => noExecuteKey(o) !== noExecuteKey(n),
};
