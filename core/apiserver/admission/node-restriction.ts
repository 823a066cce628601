import type { Node, Pod } from "kubernetes-types/core/v1.js";
import type { AdmissionContext, AdmissionPlugin, AdmissionRequest } from "../admission.js";
import { nodeIdentity } from "../authorization/node/node-authorizer.js";
import { admissionForbidden } from "./admission-forbidden.js";

const MIRROR_ANNOTATION = "kubernetes.io/config.mirror";
const RESTRICTED_LABEL_PREFIX = "node-restriction.kubernetes.io/";

function podRefs(pod: Pod): { secrets: boolean; configmaps: boolean; claims: boolean; serviceAccount: boolean } {
  const spec = pod.spec ?? { containers: [] };
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
  const env = containers.flatMap((c) => c.env ?? []);
  const envFrom = containers.flatMap((c) => c.envFrom ?? []);
  const volumes = spec.volumes ?? [];
  return {
    secrets: !!spec.imagePullSecrets?.length || volumes.some((v) => v.secret || v.projected?.sources?.some((s) => s.secret)) || env.some((e) => e.valueFrom?.secretKeyRef) || envFrom.some((e) => e.secretRef),
    configmaps: volumes.some((v) => v.configMap || v.projected?.sources?.some((s) => s.configMap)) || env.some((e) => e.valueFrom?.configMapKeyRef) || envFrom.some((e) => e.configMapRef),
    claims: volumes.some((v) => v.persistentVolumeClaim || v.ephemeral),
    serviceAccount: !!spec.serviceAccountName,
  };
}

/**
 * kube-apiserver's NodeRestriction admission plugin: a kubelet (`system:node:<name>` in
 * `system:nodes`) may change only its own Node (not its taints, nor `node-restriction.kubernetes.io/`
 * labels), only the status of pods bound to it, create only mirror pods bound to it that reference
 * no secrets, configmaps, claims or service account, delete or evict only pods bound to it, and
 * create only its own Lease. Other users pass untouched. Refusals are worded as upstream's.
 */
export const nodeRestriction: AdmissionPlugin = {
  name: "NodeRestriction",
  validate(req, ctx) {
    if (!req.user) return;
    const node = nodeIdentity(req.user);
    if (node === undefined) return;
    if (!node) throw admissionForbidden(req, `could not determine node from user "${req.user.username}"`);
    const { group, plural } = req.resource;
    // By plural, then group: no `group/plural` string is built per kubelet request.
    switch (plural) {
      case "pods":
        if (group !== "") return;
        return pods(req, node, ctx);
      case "nodes":
        if (group !== "") return;
        return nodes(req, node);
      case "leases":
        if (group !== "coordination.k8s.io") return;
        if (req.operation === "CREATE" || req.operation === "UPDATE") if ((req.object?.metadata?.name ?? req.name) !== node) throw admissionForbidden(req, "can only access node lease with the same name as the requesting node");
        return;
      case "csinodes":
        if (group !== "storage.k8s.io") return;
        if ((req.object?.metadata?.name ?? req.name) !== node) throw admissionForbidden(req, `node "${node}" is not allowed to modify object "${req.name ?? req.object?.metadata?.name}"`);
        return;
      case "serviceaccounts":
        if (group !== "") return;
        if (req.subresource === "token" && req.operation === "CREATE") {
          const ref = (req.object as { spec?: { boundObjectRef?: { kind?: string } } } | undefined)?.spec?.boundObjectRef;
          if (!ref) throw admissionForbidden(req, "node requested token not bound to a pod");
          if (ref.kind !== "Pod") throw admissionForbidden(req, `node requested token bound to a ${ref.kind}, only a pod is allowed`);
        }
        return;
    }
  },
};

/** The pod a request names as stored now (undefined when it cannot be read). */
function currentPod(req: AdmissionRequest, ctx: AdmissionContext): Promise<Pod | undefined> {
  return ctx.client.resource<Pod>("Pod").get(req.name!, { namespace: req.namespace! }).then((pod) => pod ?? undefined, () => undefined);
}

/** Pods: what a kubelet may do to them (the stored pod is read only for evictions and deletes that did not bring it). */
function pods(req: AdmissionRequest, node: string, ctx: AdmissionContext): void | Promise<void> {
  switch (req.operation) {
    case "CREATE": {
      if (req.subresource === "eviction") {
        return currentPod(req, ctx).then((pod) => {
          if (pod && pod.spec?.nodeName !== node) throw admissionForbidden(req, `node "${node}" can only evict pods with spec.nodeName set to itself`);
        });
      }
      if (req.subresource) return;
      const pod = req.object as Pod;
      if (!pod.metadata?.annotations?.[MIRROR_ANNOTATION]) throw admissionForbidden(req, `pod does not have "${MIRROR_ANNOTATION}" annotation, node "${node}" can only create mirror pods`);
      if (pod.spec?.nodeName !== node) throw admissionForbidden(req, `node "${node}" can only create pods with spec.nodeName set to itself`);
      const refs = podRefs(pod);
      if (refs.serviceAccount) throw admissionForbidden(req, `node "${node}" can not create pods that reference a service account`);
      if (refs.secrets) throw admissionForbidden(req, `node "${node}" can not create pods that reference secrets`);
      if (refs.configmaps) throw admissionForbidden(req, `node "${node}" can not create pods that reference configmaps`);
      if (refs.claims) throw admissionForbidden(req, `node "${node}" can not create pods that reference persistentvolumeclaims`);
      return;
    }
    case "UPDATE":
      if (req.subresource !== "status") throw admissionForbidden(req, `node "${node}" can only update pod status`);
      if ((req.oldObject as Pod | undefined)?.spec?.nodeName !== node) throw admissionForbidden(req, `node "${node}" can only update pod status for pods with spec.nodeName set to itself`);
      return;
    case "DELETE": {
      const refuse = (pod: Pod | undefined): void => {
        if (pod && pod.spec?.nodeName !== node) throw admissionForbidden(req, `node "${node}" can only delete pods with spec.nodeName set to itself`);
      };
      const old = req.oldObject as Pod | undefined;
      return old ? refuse(old) : currentPod(req, ctx).then(refuse);
    }
  }
}

function nodes(req: AdmissionRequest, node: string): void {
  const name = req.name ?? req.object?.metadata?.name;
  if (name !== node) throw admissionForbidden(req, `node "${node}" is not allowed to modify node "${name}"`);
  if (req.operation === "CREATE" || (req.operation === "UPDATE" && !req.subresource)) {
    const obj = req.object as Node;
    const old = req.oldObject as Node | undefined;
    const forbiddenLabels = Object.keys(obj.metadata?.labels ?? {}).filter((k) => (k.startsWith(RESTRICTED_LABEL_PREFIX) || k.split("/")[0]!.endsWith("." + RESTRICTED_LABEL_PREFIX.slice(0, -1))) && old?.metadata?.labels?.[k] !== obj.metadata?.labels?.[k]);
    if (forbiddenLabels.length) throw admissionForbidden(req, `is not allowed to modify labels: ${forbiddenLabels.sort().join(", ")}`);
    if (req.operation === "UPDATE" && JSON.stringify(old?.spec?.taints ?? []) !== JSON.stringify(obj.spec?.taints ?? [])) throw admissionForbidden(req, `node "${node}" is not allowed to modify taints`);
  }
}
