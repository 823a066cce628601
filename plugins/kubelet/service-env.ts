import type { Service } from "kubernetes-types/core/v1.js";
import type { KeyValue } from "../../core/cri/runtime-service.js";
import type { Lister } from "../../core/informers/lister.js";

/** Services whose variables every pod gets, from the default namespace, even without service links. */
const MASTER_SERVICES = new Set(["kubernetes"]);

/** A Service name as an environment variable prefix: upper case, `-` → `_`. */
function envName(name: string): string {
  return name.toUpperCase().replace(/-/g, "_");
}

function hasClusterIP(svc: Service): boolean {
  const ip = svc.spec?.clusterIP;
  return !!ip && ip !== "None";
}

const byService = new WeakMap<Service, readonly KeyValue[]>();

/**
 * One Service's variables as the kubelet makes them (pkg/kubelet/envvars FromServices):
 * `<SVC>_SERVICE_HOST`, `<SVC>_SERVICE_PORT` (the first port) and `<SVC>_SERVICE_PORT_<NAME>` per
 * named port, then Docker's link variables — `<SVC>_PORT` (the first port's URL) and per port
 * `<SVC>_PORT_<port>_<PROTO>`, `..._PROTO`, `..._PORT`, `..._ADDR`. Frozen and kept per (immutable)
 * Service object: every container of every pod shares them.
 */
export function serviceVariables(svc: Service): readonly KeyValue[] {
  let vars = byService.get(svc);
  if (vars) return vars;
  const out: KeyValue[] = [];
  const ip = svc.spec!.clusterIP!;
  const ports = svc.spec?.ports ?? [];
  const prefix = envName(svc.metadata?.name ?? "");
  out.push({ key: `${prefix}_SERVICE_HOST`, value: ip });
  if (ports.length) out.push({ key: `${prefix}_SERVICE_PORT`, value: String(ports[0]!.port) });
  for (const p of ports) if (p.name) out.push({ key: `${prefix}_SERVICE_PORT_${envName(p.name)}`, value: String(p.port) });
  ports.forEach((p, i) => {
    const proto = (p.protocol ?? "TCP").toLowerCase();
    const url = `${proto}://${ip}:${p.port}`;
    if (i === 0) out.push({ key: `${prefix}_PORT`, value: url });
    const portPrefix = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
    out.push({ key: portPrefix, value: url }, { key: `${portPrefix}_PROTO`, value: proto }, { key: `${portPrefix}_PORT`, value: String(p.port) }, { key: `${portPrefix}_ADDR`, value: ip });
  });
  vars = Object.freeze(out.map((kv) => Object.freeze(kv)));
  byService.set(svc, vars);
  return vars;
}

/**
 * The service variables of a pod's containers, as the kubelet's getServiceEnvVarMap picks the
 * Services: the master `kubernetes` Service of the default namespace always, and with
 * `enableServiceLinks` (the default) every Service of the pod's namespace that has a cluster IP
 * (a same-named Service there wins over the master one). Services are read from the kubelet's
 * Service informer, so a pod started before a Service does not see it, as on a real node. The
 * list per (namespace, links) is kept until a Service changes.
 */
/** A pod's service variables: as CRI key-values, and by name for `$(VAR)` expansion. */
export interface PodServiceVariables {
  readonly list: readonly KeyValue[];
  readonly byName: Readonly<Record<string, string>>;
}

export class ServiceEnvironment {
  private readonly cache = new Map<string, PodServiceVariables>();

  constructor(private readonly services: Lister<Service>) {}

  /** Forgets every computed list (a Service was added, changed or deleted). */
  invalidate(): void {
    this.cache.clear();
  }

  forPod(namespace: string, enableServiceLinks: boolean): PodServiceVariables {
    const key = `${namespace}\0${enableServiceLinks}`;
    let vars = this.cache.get(key);
    if (vars) return vars;
    const picked = new Map<string, Service>();
    for (const name of MASTER_SERVICES) {
      const svc = this.services.namespace("default").get(name);
      if (svc && hasClusterIP(svc)) picked.set(name, svc);
    }
    if (enableServiceLinks) {
      for (const svc of this.services.namespace(namespace).list()) if (hasClusterIP(svc)) picked.set(svc.metadata!.name!, svc);
    }
    const names = [...picked.keys()].sort();
    const list = Object.freeze(names.flatMap((n) => serviceVariables(picked.get(n)!)));
    const byName: Record<string, string> = {};
    for (const kv of list) byName[kv.key] = kv.value;
    vars = { list, byName: Object.freeze(byName) };
    this.cache.set(key, vars);
    return vars;
  }
}
