import type { StatefulSet } from "kubernetes-types/apps/v1.js";
import type { ConfigMap, Pod, Service } from "kubernetes-types/core/v1.js";
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1.js";
import type { PodStreams } from "../../core/apiserver/http/pod-streams.js";
import { jsonEqual } from "../../core/api/patch/json-value.js";
import { controllerFor, type Manager, type ReconcileResult, type Request } from "../../core/controller/index.js";
import { createOrUpdate, setControllerReference, setStatusCondition } from "../../core/operator/index.js";
import { EtcdClusterResource, type EtcdCluster, type EtcdClusterStatus, type EtcdMemberStatus } from "./etcd-cluster-crd.js";
import { clientService, headlessService, peerURL, podDisruptionBudget, selectorString, stateConfigMap, statefulSet, clientURL } from "./etcd-resources.js";
import { MemberClient, hexId, type GatewayMember } from "./member-client.js";

const FIELD_MANAGER = "etcd-operator";
/** How soon to look again while a change is in flight, and when all is settled. */
const PROGRESS_REQUEUE_MS = 2_000;
const STEADY_REQUEUE_MS = 30_000;

const isReady = (pod: Pod | undefined): boolean => !!pod && !pod.metadata?.deletionTimestamp && pod.status?.phase === "Running" && (pod.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
const quorum = (n: number): number => Math.floor(n / 2) + 1;

/**
 * The EtcdCluster controller (etcd-io/etcd-operator's reconcile loop): a headless Service, a
 * client Service, a PodDisruptionBudget keeping a quorum, and a StatefulSet whose pods are the
 * members. A new cluster starts as one member; every further member is first added with
 * `member add` (the `<name>-state` ConfigMap then tells the new pod to join the existing
 * cluster) and only then is the StatefulSet scaled up by one; scaling down removes the
 * highest-ordinal member with `member remove` before its pod goes. One change at a time, and only
 * when every member is started and ready. A deleted member pod is recreated by the StatefulSet and
 * rejoins with its member ID. Status reports the members, the leader, a phase and the
 * Available/Progressing/Degraded conditions.
 */
export function etcdClusterController(mgr: Manager, streams: () => PodStreams): void {
  const clusters = EtcdClusterResource.client(mgr.client);
  const ecLister = mgr.informers.forResource<EtcdCluster>(EtcdClusterResource.ref).lister();
  const stsLister = mgr.informers.forResource<StatefulSet>("StatefulSet").lister();
  const podLister = mgr.informers.forResource<Pod>("Pod", { labelSelector: "app.kubernetes.io/managed-by=etcd-operator" }).lister();
  const recorder = mgr.getEventRecorderFor("etcd-operator");
  const statefulSets = mgr.client.resource<StatefulSet>("StatefulSet");

  async function reconcile(req: Request): Promise<void | ReconcileResult> {
    const ec = ecLister.get(`${req.namespace}/${req.name}`);
    if (!ec || ec.metadata?.deletionTimestamp) return; // owned objects go with it (garbage collector)
    const ns = req.namespace!;
    const name = req.name;
    const own = <T extends { metadata?: object }>(obj: T): T => setControllerReference(ec, obj as never) as T;
    const write = { fieldManager: FIELD_MANAGER };
    await createOrUpdate(mgr.client.resource<Service>("Service"), { namespace: ns, name }, (s) => own(headlessService(ec, s)), write);
    await createOrUpdate(mgr.client.resource<Service>("Service"), { namespace: ns, name: `${name}-client` }, (s) => own(clientService(ec, s)), write);
    await createOrUpdate(mgr.client.resource<PodDisruptionBudget>("PodDisruptionBudget"), { namespace: ns, name }, (p) => own(podDisruptionBudget(ec, p)), write);
    const writeState = (members: { name: string; peerURL: string }[], state: "new" | "existing") =>
      createOrUpdate(mgr.client.resource<ConfigMap>("ConfigMap"), { namespace: ns, name: `${name}-state` }, (cm) => own(stateConfigMap(ec, cm, members, state)), write);

    const sts = stsLister.get(`${ns}/${name}`);
    if (!sts) {
      // Bootstrap: a one-member cluster; the others join one by one.
      await writeState([{ name: `${name}-0`, peerURL: peerURL(ec, 0) }], "new");
      await statefulSets.create(own(statefulSet(ec, { metadata: { name, namespace: ns } }, 1)), { namespace: ns, ...write });
      recorder.eventf(ec, "Normal", "Bootstrapping", "bootstrapping a new etcd cluster with member %s", `${name}-0`);
      await writeStatus(ec, { phase: "Creating", size: 0, readyMembers: 0, members: [] }, { available: false, reason: "Bootstrapping", message: "the first member is starting" }, `scaling from 0 to ${ec.spec!.size} members`);
      return { requeueAfter: PROGRESS_REQUEUE_MS };
    }
    const replicas = sts.spec?.replicas ?? 1;
    const pods = new Map<string, Pod>();
    for (const pod of podLister.namespace(ns).list()) if (pod.metadata?.labels?.["app.kubernetes.io/instance"] === name) pods.set(pod.metadata.name!, pod);
    const contact = [...pods.values()].filter(isReady).sort((a, b) => ordinalOf(a.metadata!.name!) - ordinalOf(b.metadata!.name!))[0];
    if (!contact) {
      await writeStatus(ec, { phase: "Creating", readyMembers: 0 }, { available: false, reason: "NoReadyMembers", message: "no member is ready" }, `waiting for member pods`);
      return { requeueAfter: PROGRESS_REQUEUE_MS };
    }
    const client = new MemberClient(streams(), mgr.clock, ns, contact.metadata!.name!);
    const list = await client.memberList();
    const leader = await client.status().then((s) => s.leader, () => undefined);
    const members = list.members;
    const ordinalOfMember = (m: GatewayMember): number => {
      for (let i = 0; i < Math.max(replicas, members.length) + 1; i++) if (m.peerURLs.includes(peerURL(ec, i))) return i;
      return -1;
    };
    const size = ec.spec!.size;
    const allStarted = members.every((m) => !!m.name);
    const allReady = Array.from({ length: replicas }, (_, i) => pods.get(`${name}-${i}`)).every(isReady);
    const memberEnv = (ms: GatewayMember[]) => ms.map((m) => ({ name: `${name}-${ordinalOfMember(m)}`, peerURL: m.peerURLs[0]! })).sort((a, b) => a.name.localeCompare(b.name));
    let progress: string | undefined;

    if (members.length > replicas) {
      // A member was added but its pod not yet asked for (the operator stopped in between): finish the step.
      await statefulSets.patch(name, "merge", { spec: { replicas: members.length } }, { namespace: ns, ...write });
      progress = `scaling from ${replicas} to ${members.length} members`;
    } else if (members.length < replicas) {
      // A member was removed; its pod goes now.
      await statefulSets.patch(name, "merge", { spec: { replicas: members.length } }, { namespace: ns, ...write });
      progress = `scaling from ${replicas} to ${members.length} members`;
    } else if (replicas !== size) {
      progress = `scaling from ${replicas} to ${size} members`;
      if (allStarted && allReady) {
        if (replicas < size) {
          const url = peerURL(ec, replicas);
          const added = await client.memberAdd(url);
          await writeState([...memberEnv(members), { name: `${name}-${replicas}`, peerURL: url }], "existing");
          await statefulSets.patch(name, "merge", { spec: { replicas: replicas + 1 } }, { namespace: ns, ...write });
          recorder.eventf(ec, "Normal", "MemberAdded", "added member %s (%s) to the etcd cluster; scaling to %d", `${name}-${replicas}`, hexId(added.ID), replicas + 1);
        } else {
          const victim = members.find((m) => ordinalOfMember(m) === replicas - 1);
          if (victim) {
            await client.memberRemove(victim.ID);
            recorder.eventf(ec, "Normal", "MemberRemoved", "removed member %s (%s) from the etcd cluster; scaling to %d", `${name}-${replicas - 1}`, hexId(victim.ID), replicas - 1);
          }
          await writeState(memberEnv(members.filter((m) => m !== victim)), "existing");
          await statefulSets.patch(name, "merge", { spec: { replicas: replicas - 1 } }, { namespace: ns, ...write });
        }
      }
    }

    const memberStatus: EtcdMemberStatus[] = members
      .map((m) => {
        const ordinal = ordinalOfMember(m);
        const podName = `${name}-${ordinal}`;
        return { name: m.name || podName, id: hexId(m.ID), peerURL: m.peerURLs[0]!, clientURL: m.clientURLs?.[0] ?? clientURL(ec, ordinal), started: !!m.name, ready: isReady(pods.get(podName)), ...(leader && leader === m.ID ? { isLeader: true } : {}) };
      })
      .sort((a, b) => ordinalOf(a.name) - ordinalOf(b.name));
    const ready = memberStatus.filter((m) => m.ready).length;
    const degraded = memberStatus.filter((m) => !m.ready || !m.started);
    const phase = progress ? "Scaling" : degraded.length ? "Degraded" : "Running";
    await writeStatus(
      ec,
      { phase, size: members.length, readyMembers: ready, members: memberStatus, leader: memberStatus.find((m) => m.isLeader)?.name ?? "", clusterID: hexId(list.header.cluster_id) },
      ready >= quorum(members.length) ? { available: true, reason: "QuorumAvailable", message: `${ready} of ${members.length} members are ready` } : { available: false, reason: "QuorumLost", message: `${ready} of ${members.length} members are ready; a quorum needs ${quorum(members.length)}` },
      progress,
      degraded.length ? `members not ready: ${degraded.map((m) => m.name).join(", ")}` : undefined,
    );
    return { requeueAfter: progress || degraded.length ? PROGRESS_REQUEUE_MS : STEADY_REQUEUE_MS };
  }

  async function writeStatus(ec: EtcdCluster, partial: Partial<EtcdClusterStatus>, available: { available: boolean; reason: string; message: string }, progressing?: string, degraded?: string): Promise<void> {
    const generation = ec.metadata!.generation!;
    const now = mgr.clock.now();
    let conditions = ec.status?.conditions;
    conditions = setStatusCondition(conditions, { type: "Available", status: available.available ? "True" : "False", reason: available.reason, message: available.message, observedGeneration: generation }, now).conditions;
    conditions = setStatusCondition(conditions, progressing ? { type: "Progressing", status: "True", reason: "Scaling", message: progressing, observedGeneration: generation } : { type: "Progressing", status: "False", reason: "Reconciled", message: `the cluster has ${ec.spec!.size} members`, observedGeneration: generation }, now).conditions;
    conditions = setStatusCondition(conditions, degraded ? { type: "Degraded", status: "True", reason: "MembersNotReady", message: degraded, observedGeneration: generation } : { type: "Degraded", status: "False", reason: "AsExpected", message: "", observedGeneration: generation }, now).conditions;
    const status: EtcdClusterStatus = { ...ec.status, ...partial, observedGeneration: generation, currentVersion: ec.spec!.version ?? "3.5.16", selector: selectorString(ec), conditions };
    if (jsonEqual(status, ec.status)) return;
    if (status.phase !== ec.status?.phase && status.phase === "Running") recorder.eventf(ec, "Normal", "Running", "etcd cluster is running with %d members", status.size ?? 0);
    await clusters.updateStatus({ ...ec, status }, { namespace: ec.metadata!.namespace!, fieldManager: FIELD_MANAGER });
  }

  controllerFor(mgr)
    .named("etcdcluster")
    .for(EtcdClusterResource.ref)
    .owns("StatefulSet")
    .owns("Service")
    .owns("ConfigMap")
    .owns("PodDisruptionBudget")
    .watches<Pod>("Pod", (pod) => {
      const instance = pod.metadata?.labels?.["app.kubernetes.io/instance"];
      return instance ? [{ namespace: pod.metadata!.namespace!, name: instance }] : [];
    }, { labelSelector: "app.kubernetes.io/managed-by=etcd-operator" })
    .complete({ reconcile });
}

function ordinalOf(podName: string): number {
  const m = /-(\d+)$/.exec(podName);
  return m ? Number(m[1]) : -1;
}
