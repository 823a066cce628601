import type { Node, Pod, Service, ServicePort } from "kubernetes-types/core/v1.js";
import { isPodReady } from "../workload/pod-state.js";

/** One service port resolved for one pod. */
export interface ResolvedPort {
  name?: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

/** What both endpoint controllers need to know about a pod backing a service. */
export interface PodEndpoint {
  pod: Pod;
  ip: string;
  /** Ready and not terminating, or the service publishes not-ready addresses. */
  ready: boolean;
  /** Ready, whether terminating or not. */
  serving: boolean;
  terminating: boolean;
  nodeName?: string;
  zone?: string;
  hostname?: string;
  ports: ResolvedPort[];
  /** The resolved ports as a key: pods with the same ports share subsets and slices. */
  portsKey: string;
}

/** A service port's target on a pod (podutil.FindPort): a number, or a named container port of the same protocol. */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === "number") return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = sp.protocol ?? "TCP";
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? "TCP") === protocol) return p.containerPort;
  return undefined;
}

/** Whether a pod backs its service's endpoints at all (ShouldPodBeInEndpoints): an IP, not finished; terminating ones only if asked. */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (!pod.status?.podIP && !pod.status?.podIPs?.length) return false;
  const phase = pod.status?.phase;
  if (phase === "Failed" || phase === "Succeeded") return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  return true;
}

/** The endpoint of `pod` for `service` (podToEndpoint, for both Endpoints and EndpointSlices). */
export function podEndpoint(service: Service, pod: Pod, nodes: (name: string) => Node | undefined): PodEndpoint {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata?.deletionTimestamp;
  const ports: ResolvedPort[] = [];
  for (const sp of service.spec?.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    ports.push({ ...(sp.name !== undefined ? { name: sp.name } : {}), port, protocol: sp.protocol ?? "TCP", ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
  }
  const nodeName = pod.spec?.nodeName;
  const zone = nodeName ? nodes(nodeName)?.metadata?.labels?.["topology.kubernetes.io/zone"] : undefined;
  const hostname = pod.spec?.hostname && pod.spec.subdomain === service.metadata?.name ? pod.spec.hostname : undefined;
  return {
    pod,
    ip: pod.status?.podIP ?? pod.status?.podIPs?.[0]?.ip ?? "",
    ready: !!service.spec?.publishNotReadyAddresses || (serving && !terminating),
    serving,
    terminating,
    ...(nodeName ? { nodeName } : {}),
    ...(zone ? { zone } : {}),
    ...(hostname ? { hostname } : {}),
    ports,
    portsKey: ports.map((p) => `${p.name ?? ""}/${p.protocol}/${p.port}/${p.appProtocol ?? ""}`).sort().join(","),
  };
}

/** The labels Endpoints and EndpointSlices take from their Service, with the headless marker (upstream's setEndpointSliceLabels). */
export function serviceLabels(service: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(service.metadata?.labels ?? {}) };
  if (service.spec?.clusterIP === "None") labels["service.kubernetes.io/headless"] = "";
  return labels;
}
