import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import { serviceAccountAdmission } from "../../core/apiserver/admission/service-account.js";
import { defaultTolerationSeconds } from "../../core/apiserver/admission/default-toleration-seconds.js";
import type { AdmissionContext, AdmissionRequest } from "../../core/apiserver/admission.js";
import type { KubeObject } from "../../core/api/object.js";
import { isStatusError } from "../../core/api/status.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { FakeClient } from "./fake-client.js";
import { PODS } from "./descriptors.js";

function pod(spec: Partial<Pod["spec"]> = {}, annotations?: Record<string, string>): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ns", annotations }, spec: { containers: [{ name: "c", image: "nginx" }], ...spec } };
}

function create(obj: Pod): AdmissionRequest {
  return { operation: "CREATE", resource: PODS, namespace: "ns", name: "p", object: obj as KubeObject, dryRun: false };
}

function ctx(client = new FakeClient()): AdmissionContext {
  return { client, clock: new VirtualClock() };
}

test("ServiceAccount defaults serviceAccountName and copies imagePullSecrets", async () => {
  const client = new FakeClient().add("serviceaccounts", { metadata: { name: "default", namespace: "ns" }, imagePullSecrets: [{ name: "regcred" }] });
  const p = pod();
  await serviceAccountAdmission().admit!(create(p), ctx(client));
  assert.is(p.spec!.serviceAccountName, "default");
  assert.equal(p.spec!.imagePullSecrets, [{ name: "regcred" }]);
  const own = pod({ serviceAccountName: "default", imagePullSecrets: [{ name: "mine" }] });
  await serviceAccountAdmission().admit!(create(own), ctx(client));
  assert.equal(own.spec!.imagePullSecrets, [{ name: "mine" }]);
});

test("ServiceAccount tolerates a missing account unless required", async () => {
  const p = pod({ serviceAccountName: "robot" });
  await serviceAccountAdmission().admit!(create(p), ctx());
  assert.is(p.spec!.serviceAccountName, "robot");
  try {
    await serviceAccountAdmission({ requireServiceAccount: true }).admit!(create(pod()), ctx());
    assert.unreachable();
  } catch (err) {
    assert.ok(isStatusError(err, "Forbidden"));
    assert.is((err as Error).message, 'pods "p" is forbidden: error looking up service account ns/default: serviceaccount "default" not found');
  }
});

test("ServiceAccount names the API access volume from the pod and the time: reproducible, distinct per pod", async () => {
  const client = new FakeClient().add("serviceaccounts", { metadata: { name: "default", namespace: "ns" } });
  const volume = async (name: string, generateName?: string): Promise<string | undefined> => {
    const p = pod();
    p.metadata = { ...p.metadata, name, ...(generateName ? { generateName } : {}) };
    await serviceAccountAdmission().admit!(create(p), ctx(client));
    assert.equal(p.spec!.containers[0]!.volumeMounts, [{ name: p.spec!.volumes![0]!.name, readOnly: true, mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" }]);
    return p.spec!.volumes![0]!.name;
  };
  // Pinned: the suffix is five characters of the generated-name alphabet from SHA-256("ns/name/generateName/now").
  assert.is(await volume("p"), "kube-api-access-vpm5w");
  assert.is(await volume("web-7d4b9c8f5-x2x9z", "web-7d4b9c8f5-"), "kube-api-access-vktrr");
  assert.is.not(await volume("web-7d4b9c8f5-b5h8q", "web-7d4b9c8f5-"), "kube-api-access-vktrr");
});

test("ServiceAccount leaves mirror pods alone", async () => {
  const p = pod({}, { "kubernetes.io/config.mirror": "x" });
  await serviceAccountAdmission().admit!(create(p), ctx());
  assert.is(p.spec!.serviceAccountName, undefined);
});

test("DefaultTolerationSeconds adds not-ready and unreachable for 300s", async () => {
  const p = pod();
  await defaultTolerationSeconds().admit!(create(p), ctx());
  assert.equal(p.spec!.tolerations, [
    { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
    { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
  ]);
});

test("DefaultTolerationSeconds keeps existing matching tolerations", async () => {
  const own = { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 5 };
  const p = pod({ tolerations: [own] });
  await defaultTolerationSeconds().admit!(create(p), ctx());
  assert.equal(p.spec!.tolerations, [own, { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }]);
  const all = pod({ tolerations: [{ operator: "Exists" }] });
  await defaultTolerationSeconds().admit!(create(all), ctx());
  assert.equal(all.spec!.tolerations, [{ operator: "Exists" }]);
});

test.run();
