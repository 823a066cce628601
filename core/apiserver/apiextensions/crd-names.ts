import type { CustomResourceDefinition, CustomResourceDefinitionCondition, CustomResourceDefinitionNames } from "kubernetes-types/apiextensions/v1.js";
import type { ResourceDescriptor } from "../../api/resource.js";
import { findCrdCondition } from "./crd-conditions.js";

type Condition = Omit<CustomResourceDefinitionCondition, "lastTransitionTime">;

/** The outcome of the naming controller for one CRD: the names to accept and its two conditions. */
export interface NamingResult {
  acceptedNames: CustomResourceDefinitionNames;
  namesAccepted: Condition;
  established: Condition;
}

/** The resource and kind names already taken in a group, by other CRDs' accepted names and built-in types. */
export interface TakenNames {
  resources: Set<string>;
  kinds: Set<string>;
}

/**
 * Names claimed in `group` by every CRD but `self` (their accepted names, as the naming controller
 * reads them) and by types the API server serves natively in that group.
 */
export function takenNames(group: string, self: string, crds: Iterable<CustomResourceDefinition>, builtIns: Iterable<ResourceDescriptor>): TakenNames {
  const resources = new Set<string>();
  const kinds = new Set<string>();
  for (const crd of crds) {
    if (crd.metadata?.name === self || crd.spec?.group !== group) continue;
    const a = crd.status?.acceptedNames;
    if (!a) continue;
    for (const n of [a.plural, a.singular ?? "", ...(a.shortNames ?? [])]) if (n) resources.add(n);
    for (const n of [a.kind, a.listKind ?? ""]) if (n) kinds.add(n);
  }
  for (const d of builtIns) {
    if (d.group !== group) continue;
    for (const n of [d.plural, d.singular, ...d.shortNames]) if (n) resources.add(n);
    for (const n of [d.kind, d.listKind]) if (n) kinds.add(n);
  }
  return { resources, kinds };
}

/** equalToAcceptedOrFresh: a name may be kept if already accepted, or taken if nobody else uses it. */
function conflict(requested: string | undefined, accepted: string | undefined, used: Set<string>): string | undefined {
  const r = requested ?? "";
  if (r === (accepted ?? "")) return undefined;
  if (!used.has(r)) return undefined;
  return `"${r}" is already in use`;
}

/**
 * apiextensions-apiserver's naming controller (calculateNamesAndConditions): each requested name
 * that is fresh or already ours is accepted; a conflicting one keeps the previously accepted name
 * and sets NamesAccepted False with PluralConflict, SingularConflict, ShortNamesConflict,
 * KindConflict or ListKindConflict (the last conflict found wins). Established starts False
 * (NotAccepted, or Installing once the names are accepted) until the establishing controller sets it.
 */
export function calculateNames(crd: CustomResourceDefinition, taken: TakenNames): NamingResult {
  const requested = crd.spec.names;
  const accepted: CustomResourceDefinitionNames = crd.status?.acceptedNames ?? { kind: "", plural: "" };
  const names: CustomResourceDefinitionNames = { ...accepted };
  let namesAccepted: Condition = { type: "NamesAccepted", status: "Unknown" };
  const refuse = (reason: string, message: string): void => {
    namesAccepted = { type: "NamesAccepted", status: "False", reason, message };
  };

  let err = conflict(requested.plural, accepted.plural, taken.resources);
  if (err) refuse("PluralConflict", err);
  else names.plural = requested.plural;
  err = conflict(requested.singular, accepted.singular, taken.resources);
  if (err) refuse("SingularConflict", err);
  else if (requested.singular !== undefined) names.singular = requested.singular;
  const wantShort = requested.shortNames ?? [];
  const haveShort = accepted.shortNames ?? [];
  if (wantShort.join("\u0000") !== haveShort.join("\u0000") || wantShort.length !== haveShort.length) {
    const errs = wantShort.filter((s) => !haveShort.includes(s)).map((s) => conflict(s, "", taken.resources)).filter((e): e is string => !!e);
    if (errs.length) refuse("ShortNamesConflict", errs.length === 1 ? errs[0]! : `[${errs.join(", ")}]`);
    else if (wantShort.length) names.shortNames = [...wantShort];
    else delete names.shortNames;
  }
  err = conflict(requested.kind, accepted.kind, taken.kinds);
  if (err) refuse("KindConflict", err);
  else names.kind = requested.kind;
  err = conflict(requested.listKind, accepted.listKind, taken.kinds);
  if (err) refuse("ListKindConflict", err);
  else if (requested.listKind !== undefined) names.listKind = requested.listKind;
  if (requested.categories?.length) names.categories = [...requested.categories];
  else delete names.categories;

  if (namesAccepted.status === "Unknown") namesAccepted = { type: "NamesAccepted", status: "True", reason: "NoConflicts", message: "no conflicts found" };

  const old = findCrdCondition(crd, "Established");
  let established: Condition = old ? stripTime(old) : { type: "Established", status: "False", reason: "NotAccepted", message: "not all names are accepted" };
  if (established.status !== "True" && namesAccepted.status === "True") {
    established = { type: "Established", status: "False", reason: "Installing", message: "the initial names have been accepted" };
  }
  return { acceptedNames: names, namesAccepted, established };
}

function stripTime(c: CustomResourceDefinitionCondition): Condition {
  const { lastTransitionTime: _t, ...rest } = c;
  return rest;
}
