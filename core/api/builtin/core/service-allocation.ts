import type { Service, ServiceSpec } from "kubernetes-types/core/v1.js";
import ipaddr from "ipaddr.js";
import { internalError, invalid, type FieldError, type StatusError } from "../../status.js";
import type { StrategyServices } from "../../strategy.js";
import { AllocationError } from "../../../apiserver/allocators/allocation-error.js";

/** Whether a Service of this spec gets a cluster IP (not ExternalName, not headless). */
export function needsClusterIP(spec: ServiceSpec): boolean {
  return spec.type !== "ExternalName" && spec.clusterIP !== "None";
}

/** Whether a Service of this spec gets node ports. */
export function needsNodePorts(spec: ServiceSpec): boolean {
  if (spec.type === "NodePort") return true;
  return spec.type === "LoadBalancer" && spec.allocateLoadBalancerNodePorts !== false;
}

/** Whether a LoadBalancer Service needs a health check node port (externalTrafficPolicy Local). */
export function needsHealthCheckNodePort(spec: ServiceSpec): boolean {
  return spec.type === "LoadBalancer" && spec.externalTrafficPolicy === "Local";
}

/** Go's `%#v` of a []string, as apimachinery prints such values in field errors. */
export function goStringSlice(values: readonly string[]): string {
  return `[]string{${values.map((v) => JSON.stringify(v)).join(", ")}}`;
}

/**
 * Allocates what a Service spec asks for, in place: its cluster IP (the requested one, or a free
 * one), its node ports and health check node port. Everything allocated by this call is released
 * again if a later allocation fails. Throws the StatusError kube-apiserver answers with.
 * On updates, `clusterIP: false` skips the cluster IP (already held) and `keepPorts` lists node
 * ports the Service already holds, which are not allocated again.
 */
export function allocateServiceResources(svc: Service, services: StrategyServices, opts: { clusterIP?: boolean; keepPorts?: ReadonlySet<number> } = {}): void {
  const keepPorts = opts.keepPorts ?? new Set<number>();
  const spec = svc.spec!;
  const name = svc.metadata?.name ?? "";
  const undo: (() => void)[] = [];
  try {
    if (opts.clusterIP !== false && needsClusterIP(spec) && services.allocateClusterIP) {
      const requested = spec.clusterIP || spec.clusterIPs?.[0] || undefined;
      // A malformed request is left for validation to report.
      if (requested === undefined || ipaddr.IPv4.isValidFourPartDecimal(requested)) {
        const ip = allocateIP(services, requested, name, spec);
        undo.push(() => services.releaseClusterIP?.(ip));
        spec.clusterIP = ip;
        spec.clusterIPs = [ip];
      }
    }
    if (services.allocateNodePort) {
      const ports = spec.ports ?? [];
      const taken = new Map<number, number>();
      if (needsNodePorts(spec)) {
        for (let i = 0; i < ports.length; i++) {
          const p = ports[i]!;
          if (p.nodePort && (keepPorts.has(p.nodePort) || taken.has(p.nodePort))) continue;
          const port = allocatePort(services, p.nodePort || undefined, `spec.ports[${i}].nodePort`, name);
          undo.push(() => services.releaseNodePort?.(port));
          taken.set(port, i);
          p.nodePort = port;
        }
      }
      if (needsHealthCheckNodePort(spec) && !(spec.healthCheckNodePort && keepPorts.has(spec.healthCheckNodePort))) {
        const port = allocatePort(services, spec.healthCheckNodePort || undefined, "spec.healthCheckNodePort", name);
        undo.push(() => services.releaseNodePort?.(port));
        spec.healthCheckNodePort = port;
      }
    }
  } catch (err) {
    for (const u of undo.reverse()) u();
    throw err;
  }
}

function allocateIP(services: StrategyServices, requested: string | undefined, name: string, spec: ServiceSpec): string {
  try {
    return services.allocateClusterIP!(requested, "IPv4");
  } catch (err) {
    throw allocationFailure(err, name, "serviceIP", () => ({
      type: "FieldValueInvalid",
      field: "spec.clusterIPs",
      detail: `Invalid value: ${goStringSlice(spec.clusterIPs?.length ? spec.clusterIPs : [requested ?? ""])}: failed to allocate IP ${requested}: ${(err as Error).message}`,
    }));
  }
}

function allocatePort(services: StrategyServices, requested: number | undefined, field: string, name: string): number {
  try {
    return services.allocateNodePort!(requested);
  } catch (err) {
    throw allocationFailure(err, name, "nodePort", () => ({ type: "FieldValueInvalid", field, detail: `Invalid value: ${requested}: ${(err as Error).message}` }));
  }
}

function allocationFailure(err: unknown, name: string, what: string, toFieldError: () => FieldError): StatusError | unknown {
  if (!(err instanceof AllocationError)) return err;
  if (err.failure === "RangeFull") return internalError(`failed to allocate a ${what}: ${err.message}`);
  return invalid("Service", "", name, [toFieldError()]);
}

/** Releases a Service's cluster IPs, node ports and health check node port. */
export function releaseServiceResources(svc: Service, services: StrategyServices): void {
  const spec = svc.spec;
  if (!spec) return;
  for (const ip of spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])) if (ip !== "None") services.releaseClusterIP?.(ip);
  for (const p of spec.ports ?? []) if (p.nodePort) services.releaseNodePort?.(p.nodePort);
  if (spec.healthCheckNodePort) services.releaseNodePort?.(spec.healthCheckNodePort);
}
