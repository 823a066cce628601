import type { KubeObject } from "../api/object.js";
import type { RegisteredType } from "../api/resource-registry.js";
import { parseLabelSelector, type LabelSelector } from "../api/selectors/label-selector.js";
import { assertFieldsSupported, parseFieldSelector, type FieldSelector } from "../api/selectors/field-selector.js";
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
    out.fields = fieldPredicate(parsedFields, custom);
  }
  return out;
}

const metadataName = (obj: KubeObject): string | undefined => obj.metadata?.name;
const metadataNamespace = (obj: KubeObject): string | undefined => obj.metadata?.namespace ?? "";

/**
 * `selector.matches` over an object's fields, with each term's reader chosen once: a watch filter
 * runs it on every event it is offered (twice for a change), so no reader closure is made per call.
 */
function fieldPredicate(selector: FieldSelector, custom: Readonly<Record<string, (obj: KubeObject) => string | undefined>>): (obj: KubeObject) => boolean {
  const terms = selector.requirements.map((r) => ({
    read: r.field === "metadata.name" ? metadataName : r.field === "metadata.namespace" ? metadataNamespace : custom[r.field]!,
    negated: r.operator === "!=",
    value: r.value,
  }));
  if (terms.length === 1) {
    const { read, negated, value } = terms[0]!;
    return (obj) => ((read(obj) ?? "") === value) !== negated;
  }
  return (obj) => {
    for (let i = 0; i < terms.length; i++) {
      const t = terms[i]!;
      if (((t.read(obj) ?? "") === t.value) === t.negated) return false;
    }
    return true;
  };
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
  if (!labels) return fields;
  if (!fields) return (obj) => labels.matches(obj.metadata?.labels);
  return (obj) => labels.matches(obj.metadata?.labels) && fields(obj);
}
