import type { ContainerStatus, Pod } from "kubernetes-types/core/v1.js";
import { allowedLabels, bool, conditionSamples, family, optional, ownerSamples, unixSeconds, type Sample } from "../family.js";
import type { ResourceMetrics } from "../metrics-store.js";
import { resourceSamples } from "./resources.js";

const STATUS_REASONS: readonly string[] = ["Evicted", "NodeAffinity", "NodeLost", "PreemptionByScheduler", "SchedulingGated", "Shutdown", "TerminationByKubelet", "UnexpectedAdmissionError"];
const PHASES = ["Pending", "Succeeded", "Failed", "Unknown", "Running"] as const;

function perContainer(p: Pod, fn: (cs: ContainerStatus) => Sample | undefined): Sample[] {
  const out: Sample[] = [];
  for (const cs of p.status?.containerStatuses ?? []) {
    const s = fn(cs);
    if (s) out.push(s);
  }
  return out;
}

const c = (cs: ContainerStatus, value: number): Sample => ({ keys: ["container"], values: [cs.name], value });
const withReason = (cs: ContainerStatus, reason: string | undefined): Sample => ({ keys: ["container", "reason"], values: [cs.name, reason ?? ""], value: 1 });

function condition(p: Pod, type: string): Sample[] {
  const cond = p.status?.conditions?.find((x) => x.type === type);
  return cond ? conditionSamples(cond.status) : [];
}

/** kube-state-metrics' pod families (internal/store/pod.go), with `namespace`, `pod`, `uid` on every sample. */
export const podMetrics: ResourceMetrics<Pod> = {
  resource: "pods",
  kind: "Pod",
  defaultKeys: ["namespace", "pod", "uid"],
  defaultValues: (p) => [p.metadata?.namespace ?? "", p.metadata?.name ?? "", p.metadata?.uid ?? ""],
  families: [
    family<Pod>("kube_pod_container_info", "Information about a container in a pod.", (p) =>
      (p.status?.containerStatuses ?? []).map((cs) => ({
        keys: ["container", "image_spec", "image", "image_id", "container_id"],
        values: [cs.name, p.spec?.containers.find((x) => x.name === cs.name)?.image ?? "", cs.image, cs.imageID, cs.containerID ?? ""],
        value: 1,
      })),
    ),
    family<Pod>("kube_pod_container_resource_limits", "The number of requested limit resource by a container. It is recommended to use the kube_pod_resource_limits metric exposed by kube-scheduler instead, as it is more precise.", (p) =>
      (p.spec?.containers ?? []).flatMap((ct) => resourceSamples(ct.resources?.limits, ["container", "node"], [ct.name, p.spec?.nodeName ?? ""])),
    ),
    family<Pod>("kube_pod_container_resource_requests", "The number of requested request resource by a container. It is recommended to use the kube_pod_resource_requests metric exposed by kube-scheduler instead, as it is more precise.", (p) =>
      (p.spec?.containers ?? []).flatMap((ct) => resourceSamples(ct.resources?.requests, ["container", "node"], [ct.name, p.spec?.nodeName ?? ""])),
    ),
    family<Pod>("kube_pod_container_state_started", "Start time in unix timestamp for a pod container.", (p) =>
      perContainer(p, (cs) => {
        const t = unixSeconds(cs.state?.running?.startedAt ?? cs.state?.terminated?.startedAt);
        return t === undefined ? undefined : c(cs, t);
      }),
    ),
    family<Pod>("kube_pod_container_status_last_terminated_reason", "Describes the last reason the container was in terminated state.", (p) => perContainer(p, (cs) => (cs.lastState?.terminated ? withReason(cs, cs.lastState.terminated.reason) : undefined)), { stable: false }),
    family<Pod>("kube_pod_container_status_last_terminated_exitcode", "Describes the exit code for the last container in terminated state.", (p) => perContainer(p, (cs) => (cs.lastState?.terminated ? c(cs, cs.lastState.terminated.exitCode) : undefined)), { stable: false }),
    family<Pod>("kube_pod_container_status_ready", "Describes whether the containers readiness check succeeded.", (p) => perContainer(p, (cs) => c(cs, bool(cs.ready)))),
    family<Pod>("kube_pod_container_status_restarts_total", "The number of container restarts per container.", (p) => perContainer(p, (cs) => c(cs, cs.restartCount)), { type: "counter" }),
    family<Pod>("kube_pod_container_status_running", "Describes whether the container is currently in running state.", (p) => perContainer(p, (cs) => c(cs, bool(!!cs.state?.running)))),
    family<Pod>("kube_pod_container_status_terminated", "Describes whether the container is currently in terminated state.", (p) => perContainer(p, (cs) => c(cs, bool(!!cs.state?.terminated)))),
    family<Pod>("kube_pod_container_status_terminated_reason", "Describes the reason the container is currently in terminated state.", (p) => perContainer(p, (cs) => (cs.state?.terminated ? withReason(cs, cs.state.terminated.reason) : undefined)), { stable: false }),
    family<Pod>("kube_pod_container_status_waiting", "Describes whether the container is currently in waiting state.", (p) => perContainer(p, (cs) => c(cs, bool(!!cs.state?.waiting)))),
    family<Pod>("kube_pod_container_status_waiting_reason", "Describes the reason the container is currently in waiting state.", (p) => perContainer(p, (cs) => (cs.state?.waiting ? withReason(cs, cs.state.waiting.reason) : undefined))),
    family<Pod>("kube_pod_created", "Unix creation timestamp", (p) => optional(unixSeconds(p.metadata?.creationTimestamp))),
    family<Pod>("kube_pod_deletion_timestamp", "Unix deletion timestamp", (p) => optional(unixSeconds(p.metadata?.deletionTimestamp)), { stable: false }),
    family<Pod>("kube_pod_info", "Information about pod.", (p) => {
      const owner = p.metadata?.ownerReferences?.find((o) => o.controller);
      return [{ keys: ["host_ip", "pod_ip", "node", "created_by_kind", "created_by_name", "priority_class", "host_network"], values: [p.status?.hostIP ?? "", p.status?.podIP ?? "", p.spec?.nodeName ?? "", owner?.kind ?? "", owner?.name ?? "", p.spec?.priorityClassName ?? "", String(p.spec?.hostNetwork ?? false)], value: 1 }];
    }),
    family<Pod>("kube_pod_ips", "Pod IP addresses", (p) => (p.status?.podIPs ?? []).map((ip) => ({ keys: ["ip", "ip_family"], values: [ip.ip ?? "", (ip.ip ?? "").includes(":") ? "6" : "4"], value: 1 })), { stable: false }),
    family<Pod>("kube_pod_labels", "Kubernetes labels converted to Prometheus labels.", (p, allow) => allowedLabels(p.metadata?.labels, allow)),
    family<Pod>("kube_pod_owner", "Information about the Pod's owner.", (p) => ownerSamples(p.metadata?.ownerReferences)),
    family<Pod>("kube_pod_restart_policy", "Describes the restart policy in use by this pod.", (p) => [{ keys: ["type"], values: [p.spec?.restartPolicy ?? "Always"], value: 1 }]),
    family<Pod>("kube_pod_start_time", "Start time in unix timestamp for a pod.", (p) => optional(unixSeconds(p.status?.startTime))),
    family<Pod>("kube_pod_status_phase", "The pods current phase.", (p) => {
      const phase = p.status?.phase;
      return phase ? PHASES.map((ph) => ({ keys: ["phase"], values: [ph], value: bool(ph === phase) })) : [];
    }),
    family<Pod>("kube_pod_status_ready", "Describes whether the pod is ready to serve requests.", (p) => condition(p, "Ready")),
    family<Pod>("kube_pod_status_scheduled", "Describes the status of the scheduling process for the pod.", (p) => condition(p, "PodScheduled")),
    family<Pod>(
      "kube_pod_status_reason",
      "The pod status reasons",
      (p) => {
        const out: Sample[] = STATUS_REASONS.filter((r) => p.status?.reason === r || (p.status?.conditions ?? []).some((x) => x.reason === r)).map((r) => ({ keys: ["reason"], values: [r], value: 1 }));
        if (p.status?.reason && !STATUS_REASONS.includes(p.status.reason)) out.push({ keys: ["reason"], values: ["Other"], value: 1 });
        return out;
      },
      { stable: false },
    ),
    family<Pod>("kube_pod_spec_volumes_persistentvolumeclaims_info", "Information about persistentvolumeclaim volumes in a pod.", (p) =>
      (p.spec?.volumes ?? []).filter((v) => v.persistentVolumeClaim).map((v) => ({ keys: ["volume", "persistentvolumeclaim"], values: [v.name, v.persistentVolumeClaim!.claimName], value: 1 })),
    ),
  ],
};

