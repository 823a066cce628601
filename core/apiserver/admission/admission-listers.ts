import type { KubeObject } from "../../api/object.js";
import type { SharedInformerFactory } from "../../informers/shared-informer-factory.js";
import type { AdmissionListedResource, AdmissionListers } from "../admission.js";

/**
 * Admission's listers over the API server's own informer factory (the one authorization runs):
 * LimitRanges, ResourceQuotas, PriorityClasses, Namespaces and ServiceAccounts, registered here so
 * they start with it.
 */
export function admissionListers(factory: SharedInformerFactory): AdmissionListers {
  const informers = {
    limitranges: factory.forResource("limitranges"),
    resourcequotas: factory.forResource("resourcequotas"),
    "priorityclasses.scheduling.k8s.io": factory.forResource("priorityclasses.scheduling.k8s.io"),
    namespaces: factory.forResource("namespaces"),
    serviceaccounts: factory.forResource("serviceaccounts"),
  } satisfies Record<AdmissionListedResource, unknown>;
  return {
    list<T extends KubeObject = KubeObject>(resource: AdmissionListedResource, namespace?: string): readonly T[] | undefined {
      const informer = informers[resource];
      if (!informer.hasSynced() || informer.isStopped()) return undefined;
      return (namespace ? informer.lister().namespace(namespace).list() : informer.lister().list()) as T[];
    },
    get<T = KubeObject>(resource: AdmissionListedResource, name: string, namespace?: string): T | undefined {
      const informer = informers[resource];
      if (!informer.hasSynced() || informer.isStopped()) return undefined;
      return (namespace ? informer.lister().namespace(namespace).get(name) : informer.lister().get(name)) as T | undefined;
    },
  };
}
