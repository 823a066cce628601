/**
 * The workload controllers' pod indices return the values their definitions give, whatever order
 * pods come in: the values an index function remembers from the last pod are reused only when
 * the controller, state and labels are the same.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import type { Pod } from "kubernetes-types/core/v1.js";
import type { IndexFunc, SharedInformer } from "../../core/index.js";
import { sameStringMap } from "../../core/collections/same-string-map.js";
import { POD_CONTROLLER_INDEX, POD_OWNER_STATE_INDEX, ensureControllerIndex, ensureOwnerStateIndex, labelsKey, orphanKey, sameLabels, type OwnedPodState } from "../../plugins/kube-controller-manager/controllers/workload/pod-index.js";

/** The index functions `ensure` registers on a stand-in informer. */
function indexFuncs(ensure: (informer: SharedInformer<Pod>) => void): Record<string, IndexFunc<Pod>> {
  let funcs: Record<string, IndexFunc<Pod>> = {};
  ensure({ indexer: { indexNames: () => [] }, addIndexers: (f: Record<string, IndexFunc<Pod>>) => void (funcs = { ...funcs, ...f }) } as unknown as SharedInformer<Pod>);
  return funcs;
}

const LABELS: (Record<string, string> | undefined)[] = [undefined, {}, { app: "web" }, { app: "web", "pod-template-hash": "a" }, { "pod-template-hash": "a", app: "web" }, { app: "db", "pod-template-hash": "a" }, { app: "web", tier: "a" }];
const STATES: OwnedPodState[] = ["ready", "active", "inactive"];
const pod = fc.record({ owner: fc.constantFrom<string | undefined>(undefined, "u1", "u2"), labels: fc.constantFrom(...LABELS), copyLabels: fc.boolean(), state: fc.constantFrom(...STATES), ns: fc.constantFrom("default", "other") }).map(
  ({ owner, labels, copyLabels, state, ns }): Pod & { state: OwnedPodState } => ({
    metadata: { name: "p", namespace: ns, labels: labels && copyLabels ? { ...labels } : labels, ownerReferences: owner ? [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: owner, uid: owner, controller: true }] : [] },
    state,
  }),
);

test("POD_OWNER_STATE_INDEX and POD_CONTROLLER_INDEX give each pod its own values in any sequence", () => {
  fc.assert(
    fc.property(fc.array(pod, { maxLength: 30 }), (pods) => {
      const ownerState = indexFuncs((i) => ensureOwnerStateIndex(i, (p) => (p as Pod & { state: OwnedPodState }).state))[POD_OWNER_STATE_INDEX]!;
      const controller = indexFuncs((i) => ensureControllerIndex(i))[POD_CONTROLLER_INDEX]!;
      for (const p of pods) {
        const uid = p.metadata!.ownerReferences![0]?.uid;
        assert.equal([...ownerState(p)], uid ? [`${uid}/${p.state}/${labelsKey(p.metadata!.labels)}`] : []);
        assert.equal([...controller(p)], [uid ?? orphanKey(p.metadata!.namespace!)]);
      }
    }),
  );
});

test("sameLabels agrees with sameStringMap", () => {
  const labels = fc.option(fc.dictionary(fc.constantFrom("a", "b", "c", "toString", "__proto__x"), fc.constantFrom("", "1", "2")), { nil: undefined });
  fc.assert(fc.property(labels, labels, (a, b) => sameLabels(a, b) === sameStringMap(a, b) && sameLabels(b, a) === sameStringMap(b, a)));
});

test.run();
