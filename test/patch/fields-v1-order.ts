import { fieldsV1Node, type FieldSet } from "../../core/api/patch/field-set.js";

/** The set with every node put in FieldsV1 order one by one (the reference the recorded sets are checked against). */
export function inFieldsV1Order(set: FieldSet): FieldSet {
  const node = fieldsV1Node(set);
  const out: Record<string, FieldSet> = {};
  for (const k in node) out[k] = inFieldsV1Order(node[k]!);
  return out;
}

/** The set's FieldsV1 JSON as upstream would serialise the same set. */
export function fieldsV1Json(set: unknown): string {
  return JSON.stringify(inFieldsV1Order((set ?? {}) as FieldSet));
}
