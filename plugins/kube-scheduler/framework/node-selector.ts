/** Node selector matching lives in the core (PersistentVolume node affinity uses it too). */
export { nodeMatchesSelectorTerms, nodeMatchesTerm, podMatchesNodeSelectorAndAffinity, preferredNodeAffinityScore } from "../../../core/api/selectors/node-selector.js";
