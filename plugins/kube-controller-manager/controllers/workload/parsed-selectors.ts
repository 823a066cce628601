import type { LabelSelector as LabelSelectorObject } from "kubernetes-types/meta/v1.js";
import { labelSelectorFromObject, type LabelSelector } from "../../../../core/index.js";

/**
 * A `metav1.LabelSelector` parser that parses each selector object once: objects from an informer
 * are immutable and a status write keeps the spec's selector object, so a controller matching
 * every pod event against its objects' selectors parses a selector per object version, not per
 * event. An absent selector matches nothing (as `labelSelectorFromObject`); an invalid one throws
 * on every call (nothing is remembered).
 */
export function parsedSelectors(): (selector: LabelSelectorObject | null | undefined) => LabelSelector {
  const parsed = new WeakMap<object, LabelSelector>();
  return (selector) => {
    if (!selector) return labelSelectorFromObject(selector);
    let s = parsed.get(selector);
    if (!s) parsed.set(selector, (s = labelSelectorFromObject(selector)));
    return s;
  };
}
