import type { ApiTypeRegistration } from "../../core/api/strategy.js";

/** calico.yaml's CRD group (the Kubernetes datastore's storage of projectcalico.org/v3 resources). */
export const CALICO_GROUP = "crd.projectcalico.org";
export const CALICO_API_VERSION = `${CALICO_GROUP}/v1`;

function type(kind: string, plural: string, namespaced: boolean): ApiTypeRegistration {
  return {
    descriptor: {
      group: CALICO_GROUP,
      version: "v1",
      kind,
      plural,
      singular: kind.toLowerCase(),
      listKind: `${kind}List`,
      namespaced,
      shortNames: [],
      categories: [],
      subresources: [],
      openApiSchema: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
    },
  };
}

/** The resources calico.yaml installs as CRDs in crd.projectcalico.org/v1 (served as API types until CRDs land). */
export const CALICO_TYPES: readonly ApiTypeRegistration[] = [
  type("IPPool", "ippools", false),
  type("IPAMBlock", "ipamblocks", false),
  type("BlockAffinity", "blockaffinities", false),
  type("IPAMHandle", "ipamhandles", false),
  type("BGPConfiguration", "bgpconfigurations", false),
  type("BGPPeer", "bgppeers", false),
  type("FelixConfiguration", "felixconfigurations", false),
  type("NetworkPolicy", "networkpolicies", true),
  type("GlobalNetworkPolicy", "globalnetworkpolicies", false),
  type("HostEndpoint", "hostendpoints", false),
  type("ClusterInformation", "clusterinformations", false),
];

/** A calico resource ref for the client (`{ apiVersion, kind }`), so Calico's NetworkPolicy is not networking.k8s.io's. */
export function calicoRef(kind: string): { apiVersion: string; kind: string } {
  return { apiVersion: CALICO_API_VERSION, kind };
}
