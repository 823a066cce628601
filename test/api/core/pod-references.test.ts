import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import type { Pod } from "kubernetes-types/core/v1.js";
import { configMapNames, secretNames } from "../../../core/api/builtin/core/pod-references.js";

// Names from a small alphabet, so repeats (kept, in order, as upstream's visitors report them) happen.
const name = fc.option(fc.constantFrom("a", "b", "c", ""), { nil: undefined });
const ref = name.map((n) => (n === undefined ? undefined : { name: n }));
const envVar = fc.record({ name: fc.constant("E"), valueFrom: fc.option(fc.record({ configMapKeyRef: fc.option(ref.map((r) => r && { ...r, key: "k" }), { nil: undefined }), secretKeyRef: fc.option(ref.map((r) => r && { ...r, key: "k" }), { nil: undefined }) }, { requiredKeys: [] }), { nil: undefined }) }, { requiredKeys: ["name"] });
const envFrom = fc.record({ configMapRef: ref, secretRef: ref }, { requiredKeys: [] });
const container = fc.record({ name: fc.constant("c"), env: fc.array(envVar, { maxLength: 3 }), envFrom: fc.array(envFrom, { maxLength: 2 }) }, { requiredKeys: ["name"] });
const secretRef = fc.record({ secretRef: ref }, { requiredKeys: [] });
const volume = fc.record({
  name: fc.constant("v"),
  configMap: ref,
  secret: name.map((n) => (n === undefined ? undefined : { secretName: n })),
  azureFile: name.map((n) => (n === undefined ? undefined : { secretName: n, shareName: "s" })),
  cephfs: secretRef, cinder: secretRef, flexVolume: secretRef, rbd: secretRef, scaleIO: secretRef, iscsi: secretRef, storageos: secretRef,
  csi: fc.record({ nodePublishSecretRef: ref }, { requiredKeys: [] }),
  projected: fc.record({ sources: fc.array(fc.record({ configMap: ref, secret: ref }, { requiredKeys: [] }), { maxLength: 3 }) }, { requiredKeys: [] }),
}, { requiredKeys: ["name"] });
const pod = fc.record({
  spec: fc.option(fc.record({
    imagePullSecrets: fc.array(ref.map((r) => r ?? {}), { maxLength: 2 }),
    volumes: fc.array(volume, { maxLength: 3 }),
    initContainers: fc.array(container, { maxLength: 2 }),
    containers: fc.array(container, { maxLength: 2 }),
    ephemeralContainers: fc.array(container, { maxLength: 1 }),
  }, { requiredKeys: [] }), { nil: undefined }),
}, { requiredKeys: [] }) as fc.Arbitrary<Pod>;

/** upstream's VisitPodSecretNames order, written plainly: pull secrets, each volume's sources then its projections, then init, regular and ephemeral containers' env and envFrom. */
function expectedSecrets(p: Pod): string[] {
  const out: (string | undefined)[] = [];
  const s = p.spec;
  for (const r of s?.imagePullSecrets ?? []) out.push(r.name);
  for (const v of s?.volumes ?? []) {
    out.push(v.secret?.secretName, v.azureFile?.secretName, v.cephfs?.secretRef?.name, v.cinder?.secretRef?.name, v.flexVolume?.secretRef?.name, v.rbd?.secretRef?.name, v.scaleIO?.secretRef?.name, v.iscsi?.secretRef?.name, v.storageos?.secretRef?.name, v.csi?.nodePublishSecretRef?.name);
    for (const src of v.projected?.sources ?? []) out.push(src.secret?.name);
  }
  for (const c of [...(s?.initContainers ?? []), ...(s?.containers ?? []), ...(s?.ephemeralContainers ?? [])]) {
    for (const e of c.env ?? []) out.push(e.valueFrom?.secretKeyRef?.name);
    for (const f of c.envFrom ?? []) out.push(f.secretRef?.name);
  }
  return out.filter((n): n is string => !!n);
}

function expectedConfigMaps(p: Pod): string[] {
  const out: (string | undefined)[] = [];
  const s = p.spec;
  for (const v of s?.volumes ?? []) {
    out.push(v.configMap?.name);
    for (const src of v.projected?.sources ?? []) out.push(src.configMap?.name);
  }
  for (const c of [...(s?.initContainers ?? []), ...(s?.containers ?? []), ...(s?.ephemeralContainers ?? [])]) {
    for (const e of c.env ?? []) out.push(e.valueFrom?.configMapKeyRef?.name);
    for (const f of c.envFrom ?? []) out.push(f.configMapRef?.name);
  }
  return out.filter((n): n is string => !!n);
}

test("secretNames and configMapNames list every reference in upstream's visiting order, repeats included", () => {
  fc.assert(fc.property(pod, (p) => {
    assert.equal([...secretNames(p)], expectedSecrets(p));
    assert.equal([...configMapNames(p)], expectedConfigMaps(p));
  }), { numRuns: 500 });
});

test("a pod referencing nothing gets the shared empty list, which cannot be written", () => {
  const p: Pod = { spec: { containers: [{ name: "c", image: "i" }] } };
  assert.is(secretNames(p), configMapNames(p));
  assert.equal([...secretNames(p)], []);
  assert.throws(() => (secretNames(p) as string[]).push("x"));
});

test("the kube-api-access projected volume references its root CA ConfigMap, no Secret", () => {
  const p: Pod = {
    spec: {
      containers: [{ name: "c", image: "i", env: [{ name: "A", valueFrom: { secretKeyRef: { name: "s1", key: "k" } } }], envFrom: [{ configMapRef: { name: "cm2" } }] }],
      volumes: [{ name: "kube-api-access-x", projected: { sources: [{ serviceAccountToken: { path: "token" } }, { configMap: { name: "kube-root-ca.crt" } }, { downwardAPI: {} }] } }],
      imagePullSecrets: [{ name: "pull" }],
    },
  };
  assert.equal([...configMapNames(p)], ["kube-root-ca.crt", "cm2"]);
  assert.equal([...secretNames(p)], ["pull", "s1"]);
});

test.run();
