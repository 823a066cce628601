import type { CustomResourceDefinition, JSONSchemaProps } from "kubernetes-types/apiextensions/v1.js";
import type { ControlPlane } from "../../core/apiserver/control-plane.js";
import type { KubeObject } from "../../core/api/object.js";

/** A namespaced CRD `widgets.example.com` (kind Widget, v1) with the given schema and version extras. */
export function widgetCrd(schema: JSONSchemaProps, version: Record<string, unknown> = {}, names: Record<string, unknown> = {}): CustomResourceDefinition & KubeObject {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${(names["plural"] as string | undefined) ?? "widgets"}.example.com` },
    spec: {
      group: "example.com",
      scope: "Namespaced",
      names: { plural: "widgets", kind: "Widget", ...names },
      versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: schema }, ...version }],
    },
  } as CustomResourceDefinition & KubeObject;
}

/** Settles the CRD controller: every status write and its echo handled. */
export async function settle(cp: ControlPlane): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await cp.crds.idle();
    await new Promise((r) => setImmediate(r));
  }
}
