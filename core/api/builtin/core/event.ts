import type { Event } from "kubernetes-types/core/v1.js";
import { fieldError, type FieldError } from "../../status.js";
import { nameIsDNSSubdomain } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { coreDescriptor, typeRegistration } from "./core-descriptor.js";
import { shareEventParts } from "./event-parts.js";

export const EVENT_DESCRIPTOR = coreDescriptor({ kind: "Event", plural: "events", namespaced: true, shortNames: ["ev"] });

function validateEventFields(ev: Event): FieldError[] {
  const errs: FieldError[] = [];
  const ns = ev.metadata?.namespace ?? "";
  const involvedNs = ev.involvedObject?.namespace ?? "";
  if (involvedNs && involvedNs !== ns) errs.push(fieldError.invalid("involvedObject.namespace", involvedNs, "does not match event.namespace"));
  if (ev.reportingComponent !== undefined && ev.reportingComponent.length > 128) errs.push(fieldError.invalid("reportingController", ev.reportingComponent, "can have at most 128 characters"));
  if (ev.reason !== undefined && ev.reason.length > 128) errs.push(fieldError.invalid("reason", ev.reason, "can have at most 128 characters"));
  if (ev.message !== undefined && ev.message.length > 4096) errs.push(fieldError.invalid("message", ev.message, "can have at most 4096 characters"));
  return errs;
}

/** core/v1 Events: ValidateEventCreate/Update (legacy rules) of pkg/apis/core/validation/events.go; equal sources and references shared between stored Events. */
export const EVENT_TYPE = typeRegistration<Event>(EVENT_DESCRIPTOR, {
  // Not upstream's (Events have no PrepareForCreate): what the API serves is unchanged, each stored Event keeps less.
  prepareForCreate: shareEventParts,
  validate(ev) {
    const errs = validateObjectMeta(ev.metadata, { namespaced: true, nameValidator: nameIsDNSSubdomain });
    errs.push(...validateEventFields(ev));
    return errs;
  },
  validateUpdate(ev, old) {
    const errs = validateObjectMetaUpdate(ev.metadata, old.metadata);
    errs.push(...validateEventFields(ev));
    return errs;
  },
  fieldSelectors: {
    "involvedObject.kind": (e) => e.involvedObject?.kind ?? "",
    "involvedObject.namespace": (e) => e.involvedObject?.namespace ?? "",
    "involvedObject.name": (e) => e.involvedObject?.name ?? "",
    "involvedObject.uid": (e) => e.involvedObject?.uid ?? "",
    "involvedObject.apiVersion": (e) => e.involvedObject?.apiVersion ?? "",
    "involvedObject.resourceVersion": (e) => e.involvedObject?.resourceVersion ?? "",
    "involvedObject.fieldPath": (e) => e.involvedObject?.fieldPath ?? "",
    reason: (e) => e.reason ?? "",
    reportingComponent: (e) => e.reportingComponent ?? "",
    source: (e) => e.source?.component || e.reportingComponent || "",
    type: (e) => e.type ?? "",
  },
});
