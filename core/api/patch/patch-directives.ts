/**
 * The directive keys of strategic merge patch, as apimachinery's strategicpatch package spells them:
 * `$patch` (replace / merge / delete), `$retainKeys`, and the `$setElementOrder/<field>` and
 * `$deleteFromPrimitiveList/<field>` prefixes.
 */
export const DIRECTIVE = "$patch";
export const RETAIN_KEYS = "$retainKeys";
export const SET_ELEMENT_ORDER = "$setElementOrder/";
export const DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/";
