import type { KubeObject } from "../../core/index.js";

export const SNAPSHOT_GROUP = "snapshot.storage.k8s.io";

type Schema = Record<string, unknown>;
const open: Schema = { type: "object", "x-kubernetes-preserve-unknown-fields": true };

interface Column {
  name: string;
  jsonPath: string;
  type: string;
  description?: string;
}

function crd(kind: string, plural: string, shortNames: string[], namespaced: boolean, columns: Column[], withSpec: boolean): KubeObject {
  const properties: Schema = { apiVersion: { type: "string" }, kind: { type: "string" }, metadata: { type: "object" }, ...(withSpec ? { spec: open, status: open } : { driver: { type: "string" }, deletionPolicy: { type: "string", enum: ["Delete", "Retain"] }, parameters: { type: "object", additionalProperties: { type: "string" } } }) };
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${plural}.${SNAPSHOT_GROUP}`,
      annotations: { "api-approved.kubernetes.io": "https://github.com/kubernetes-csi/external-snapshotter/pull/814", "controller-gen.kubebuilder.io/version": "v0.15.0" },
    },
    spec: {
      group: SNAPSHOT_GROUP,
      names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase(), shortNames },
      scope: namespaced ? "Namespaced" : "Cluster",
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: "object", required: withSpec ? ["spec"] : ["deletionPolicy", "driver"], properties } },
          additionalPrinterColumns: [...columns, { jsonPath: ".metadata.creationTimestamp", name: "Age", type: "date" }],
          ...(withSpec ? { subresources: { status: {} } } : {}),
        },
      ],
    },
  } as KubeObject;
}

/**
 * The external-snapshotter's CRDs (client/config/crd, snapshot.storage.k8s.io/v1) with their
 * short names, scopes, status subresources and printer columns; schemas keep the fields open.
 */
export function snapshotCrds(): KubeObject[] {
  return [
    crd("VolumeSnapshotClass", "volumesnapshotclasses", ["vsclass", "vsclasses"], false, [
      { name: "Driver", type: "string", jsonPath: ".driver" },
      { name: "DeletionPolicy", type: "string", jsonPath: ".deletionPolicy", description: "Determines whether a VolumeSnapshotContent created through the VolumeSnapshotClass should be deleted when its bound VolumeSnapshot is deleted." },
    ], false),
    crd("VolumeSnapshotContent", "volumesnapshotcontents", ["vsc", "vscs"], false, [
      { name: "ReadyToUse", type: "boolean", jsonPath: ".status.readyToUse", description: "Indicates if a snapshot is ready to be used to restore a volume." },
      { name: "RestoreSize", type: "integer", jsonPath: ".status.restoreSize", description: "Represents the complete size of the snapshot in bytes" },
      { name: "DeletionPolicy", type: "string", jsonPath: ".spec.deletionPolicy" },
      { name: "Driver", type: "string", jsonPath: ".spec.driver" },
      { name: "VolumeSnapshotClass", type: "string", jsonPath: ".spec.volumeSnapshotClassName" },
      { name: "VolumeSnapshot", type: "string", jsonPath: ".spec.volumeSnapshotRef.name" },
      { name: "VolumeSnapshotNamespace", type: "string", jsonPath: ".spec.volumeSnapshotRef.namespace" },
    ], true),
    crd("VolumeSnapshot", "volumesnapshots", ["vs"], true, [
      { name: "ReadyToUse", type: "boolean", jsonPath: ".status.readyToUse" },
      { name: "SourcePVC", type: "string", jsonPath: ".spec.source.persistentVolumeClaimName" },
      { name: "SourceSnapshotContent", type: "string", jsonPath: ".spec.source.volumeSnapshotContentName" },
      { name: "RestoreSize", type: "string", jsonPath: ".status.restoreSize" },
      { name: "SnapshotClass", type: "string", jsonPath: ".spec.volumeSnapshotClassName" },
      { name: "SnapshotContent", type: "string", jsonPath: ".status.boundVolumeSnapshotContentName" },
      { name: "CreationTime", type: "date", jsonPath: ".status.creationTime" },
    ], true),
  ];
}
