import type { LabelSelector, LabelSelectorRequirement } from "kubernetes-types/meta/v1.js";
import { fieldError, type FieldError } from "../status.js";
import { validateLabelName, validateLabels } from "./labels.js";
import { isValidLabelValue } from "./names.js";

export interface LabelSelectorValidationOptions {
  /** Skip label-value syntax checks on matchExpressions values (upstream's AllowInvalidLabelValueInSelector). */
  allowInvalidLabelValueInSelector?: boolean;
}

/** A metav1.LabelSelector (object form): matchLabels syntax and each matchExpressions requirement. */
export function validateLabelSelector(selector: LabelSelector | undefined, path: string, opts: LabelSelectorValidationOptions = {}): FieldError[] {
  if (!selector) return [];
  const errs = validateLabels(selector.matchLabels, `${path}.matchLabels`);
  const exprs = selector.matchExpressions;
  if (exprs) for (let i = 0; i < exprs.length; i++) errs.push(...validateLabelSelectorRequirement(exprs[i]!, `${path}.matchExpressions[${i}]`, opts));
  return errs;
}

/** One requirement: a known operator, values required for In/NotIn and forbidden for Exists/DoesNotExist. */
export function validateLabelSelectorRequirement(req: LabelSelectorRequirement, path: string, opts: LabelSelectorValidationOptions = {}): FieldError[] {
  const errs: FieldError[] = [];
  const values = req.values ?? [];
  switch (req.operator) {
    case "In":
    case "NotIn":
      if (values.length === 0) errs.push(fieldError.required(`${path}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case "Exists":
    case "DoesNotExist":
      if (values.length > 0) errs.push(fieldError.forbidden(`${path}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    default:
      errs.push(fieldError.invalid(`${path}.operator`, req.operator, "not a valid selector operator"));
  }
  errs.push(...validateLabelName(req.key, `${path}.key`));
  if (!opts.allowInvalidLabelValueInSelector) {
    for (let i = 0; i < values.length; i++) {
      for (const m of isValidLabelValue(values[i]!)) errs.push(fieldError.invalid(`${path}.values[${i}]`, values[i], m));
    }
  }
  return errs;
}
