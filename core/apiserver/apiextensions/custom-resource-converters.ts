import type { KubeObject } from "../../api/object.js";
import { extensionPoint } from "../../plugins/extension-point.js";

/**
 * Converts one custom resource to `desiredAPIVersion` (`<group>/<version>`): what a conversion
 * webhook does for each object of a ConversionReview. `object` is in another served version of
 * the same kind and is frozen: return a new object (apiVersion set to `desiredAPIVersion`, kind,
 * name, namespace and uid kept; labels and annotations may change, the rest of metadata is
 * restored from `object`). May be async. Throw to fail the conversion: the request gets upstream's
 * `conversion webhook for <gvk> failed: <your message>` (a 500 Status).
 */
export type CustomResourceConversion = (object: KubeObject, desiredAPIVersion: string) => KubeObject | Promise<KubeObject>;

/** A conversion function for one CRD, named by the CRD's `spec.group` and `spec.names.kind`. */
export interface CustomResourceConverter {
  readonly group: string;
  readonly kind: string;
  readonly convert: CustomResourceConversion;
}

/**
 * Conversion functions contributed in process by plugins (an operator's conversion webhook,
 * without the HTTPS round trip). A CRD whose `spec.conversion.strategy` is `Webhook` is converted
 * by the function contributed for its group and kind, when there is one, instead of calling its
 * `clientConfig` — through the same path (which objects are sent, how the answer is checked,
 * upstream's error messages) on get, list, watch, create, update, patch and delete. A CRD with
 * strategy `None` ignores it, as kube-apiserver would. Contribute under the name
 * {@link customResourceConverterName}`(group, kind)` (so two plugins cannot both convert a kind).
 */
export const CustomResourceConverters = extensionPoint<CustomResourceConverter>("custom-resource-converters", "a custom resource conversion function (a CRD's Webhook conversion, served in process)");

/** The name a converter is contributed under: `<kind>.<group>` (`WebApp.apps.kubesim.dev`). */
export function customResourceConverterName(group: string, kind: string): string {
  return `${kind}.${group}`;
}

/** Finds the conversion function contributed for a CRD's group and kind, if any. */
export type ConverterLookup = (group: string, kind: string) => CustomResourceConversion | undefined;
