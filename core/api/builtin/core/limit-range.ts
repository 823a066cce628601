import type { LimitRange, LimitRangeItem } from "kubernetes-types/core/v1.js";
import { fieldError, type FieldError } from "../../status.js";
import { validateLimitRangeName } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { coreDescriptor, typeRegistration } from "./core-descriptor.js";
import { parseQuantity, quantityText } from "./quantity.js";
import { validateResourceList } from "./resource-quota.js";

export const LIMIT_RANGE_DESCRIPTOR = coreDescriptor({ kind: "LimitRange", plural: "limitranges", namespaced: true, shortNames: ["limits"] });

const SUPPORTED_LIMIT_TYPES = ["Container", "PersistentVolumeClaim", "Pod"] as const;

/** SetDefaults_LimitRangeItem: for Container items, default ← max, defaultRequest ← default, then ← min. */
function defaultLimitRangeItem(item: LimitRangeItem): void {
  if (item.type !== "Container") return;
  const def = (item.default ??= {});
  const defReq = (item.defaultRequest ??= {});
  for (const k in item.max ?? {}) if (def[k] === undefined) def[k] = item.max![k]!;
  for (const k in def) if (defReq[k] === undefined) defReq[k] = def[k]!;
  for (const k in item.min ?? {}) if (defReq[k] === undefined) defReq[k] = item.min![k]!;
}

function validateLimits(lr: LimitRange): FieldError[] {
  const errs: FieldError[] = [];
  const limits = lr.spec?.limits ?? [];
  for (let i = 0; i < limits.length; i++) {
    const item = limits[i]!;
    const p = `spec.limits[${i}]`;
    if (!item.type) errs.push(fieldError.required(`${p}.type`));
    else if (!(SUPPORTED_LIMIT_TYPES as readonly string[]).includes(item.type)) errs.push(fieldError.notSupported(`${p}.type`, item.type, SUPPORTED_LIMIT_TYPES));
    for (const f of ["max", "min", "default", "defaultRequest", "maxLimitRequestRatio"] as const) errs.push(...validateResourceList(item[f], `${p}.${f}`));
    if (item.type === "Pod" && (item.default || item.defaultRequest)) {
      errs.push(fieldError.forbidden(`${p}.${item.default ? "default" : "defaultRequest"}`, "may not be specified when `type` is 'Pod'"));
    }
    for (const k in item.min ?? {}) {
      const min = parseQuantity(item.min![k]);
      const max = parseQuantity(item.max?.[k]);
      if (min !== undefined && max !== undefined && min > max) {
        errs.push(fieldError.invalid(`${p}.min[${k}]`, quantityText(item.min![k]!), `min value ${quantityText(item.min![k]!)} is greater than max value ${quantityText(item.max![k]!)}`));
      }
    }
    for (const f of ["default", "defaultRequest"] as const) {
      for (const k in item[f] ?? {}) {
        const v = parseQuantity(item[f]![k]);
        const max = parseQuantity(item.max?.[k]);
        const min = parseQuantity(item.min?.[k]);
        const text = quantityText(item[f]![k]!);
        if (v !== undefined && max !== undefined && v > max) errs.push(fieldError.invalid(`${p}.${f}[${k}]`, text, `must be less than or equal to max value ${quantityText(item.max![k]!)}`));
        if (v !== undefined && min !== undefined && v < min) errs.push(fieldError.invalid(`${p}.${f}[${k}]`, text, `must be greater than or equal to min value ${quantityText(item.min![k]!)}`));
      }
    }
  }
  return errs;
}

/** LimitRanges: SetDefaults_LimitRangeItem and limitrangeStrategy. */
export const LIMIT_RANGE_TYPE = typeRegistration<LimitRange>(LIMIT_RANGE_DESCRIPTOR, {
  defaults(lr) {
    for (const item of lr.spec?.limits ?? []) defaultLimitRangeItem(item);
  },
  validate(lr) {
    const errs = validateObjectMeta(lr.metadata, { namespaced: true, nameValidator: validateLimitRangeName });
    errs.push(...validateLimits(lr));
    return errs;
  },
  validateUpdate(lr, old) {
    const errs = validateObjectMetaUpdate(lr.metadata, old.metadata);
    errs.push(...validateLimits(lr));
    return errs;
  },
});
