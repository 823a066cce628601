import type { KubeObject } from "../api/object.js";
import type { RegisteredType } from "../api/resource-registry.js";
import { parseLabelSelector, type LabelSelector } from "../api/selectors/label-selector.js";
import { assertFieldsSupported, parseFieldSelector } from "../api/selectors/field-selector.js";
import type { WatchTrigger } from "../store/store.js";

/** A request's selectors, each undefined when absent or empty. */
export interface RequestSelectors {
  labels?: LabelSelector;
  fields?: (obj: KubeObject) => boolean;
}

/**
 * Parses a request's label and field selectors (400 on bad syntax); field selectors may use
 * metadata.name, metadata.namespace and the kind's own field labels, anything else is
 * `field label not supported: <name>`.
 */
export function requestSelectors(type: RegisteredType, labelSelector?: string, fieldSelector?: string): RequestSelectors {
  const labels = labelSelector ? parseLabelSelector(labelSelector) : undefined;
  const parsedFields = fieldSelector ? parseFieldSelector(fieldSelector) : undefined;
  const out: RequestSelectors = {};
  if (labels && !labels.empty) out.labels = labels;
  if (parsedFields && !parsedFields.empty) {
    const custom = type.strategy.fieldSelectors ?? {};
    assertFieldsSupported(parsedFields, (f) => f === "metadata.name" || f === "metadata.namespace" || f in custom);
    out.fields = (obj) =>
      parsedFields.matches((field) => {
        if (field === "metadata.name") return obj.metadata?.name;
        if (field === "metadata.namespace") return obj.metadata?.namespace ?? "";
        return custom[field]!(obj);
      });
  }
  return out;
}

/**
 * The watch cache's trigger for a field selector requiring one of the kind's own field labels to
 * equal a value (`spec.nodeName=node-1`: each kubelet's pod watch), so the store offers the watch
 * only the events of objects with that value instead of every event of the kind.
 */
export function requestTrigger(type: RegisteredType, fieldSelector?: string): WatchTrigger | undefined {
  if (!fieldSelector) return undefined;
  const custom = type.strategy.fieldSelectors ?? {};
  const parsed = parseFieldSelector(fieldSelector);
  for (const field of parsed.fields()) {
    const value = parsed.requiresExactMatch(field);
    if (value !== undefined && field in custom) return { field, value, of: custom[field]! };
  }
  return undefined;
}

/** One predicate for both selectors (watch filtering), or undefined when there are none. */
export function requestMatcher(type: RegisteredType, labelSelector?: string, fieldSelector?: string): ((obj: KubeObject) => boolean) | undefined {
  const { labels, fields } = requestSelectors(type, labelSelector, fieldSelector);
  if (!labels && !fields) return undefined;
  return (obj) => (!labels || labels.matches(obj.metadata?.labels)) && (!fields || fields(obj));
}
