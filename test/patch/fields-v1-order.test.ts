/**
 * FieldsV1 as upstream serialises a set (structured-merge-diff fieldpath/serialize.go): `.` first
 * on a member with children, then the children in PathElement order — field names (Go string
 * order), then list-map keys (field by field, values by value.Compare: ports numerically), then
 * set values, then indices. Checked against fieldsV1 JSON that real API servers served.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { comparePathElements, compareGoStrings } from "../../core/api/patch/path-element-order.js";
import { fieldsV1Node, isFieldsV1Node, members, pathString, type FieldSet } from "../../core/api/patch/field-set.js";
import { encodeManagedFields, managedFieldsAfterUpdate, updateManagedFields } from "../../core/api/patch/managed-fields.js";
import type { KubeObject } from "../../core/api/object.js";
import { fieldsV1Json } from "./fields-v1-order.js";

/**
 * fieldsV1 JSON as API servers served it, byte for byte: a DaemonSet created through client-go (its
 * response body), a ReplicaSet's pod (an admission review's object), a kubelet's status entry, a
 * Deployment's status by kube-controller-manager, two Services' ports applied by Argo CD (ports
 * keyed by port and protocol: 80 before 443, 6379 before 26379), a Flux Kustomization (finalizers
 * as set values).
 */
const SAMPLES: Record<string, string> = {
  daemonSet: String.raw`{"f:metadata":{"f:annotations":{".":{},"f:deprecated.daemonset.template.generation":{}},"f:labels":{".":{},"f:k8s-app":{}}},"f:spec":{"f:revisionHistoryLimit":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{".":{},"f:k8s-app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"cdk-backdoor-pod\"}":{".":{},"f:args":{},"f:image":{},"f:imagePullPolicy":{},"f:name":{},"f:resources":{},"f:securityContext":{".":{},"f:capabilities":{".":{},"f:add":{}},"f:privileged":{}},"f:terminationMessagePath":{},"f:terminationMessagePolicy":{},"f:volumeMounts":{".":{},"k:{\"mountPath\":\"/host-root\"}":{".":{},"f:mountPath":{},"f:name":{}}}}},"f:dnsPolicy":{},"f:hostNetwork":{},"f:hostPID":{},"f:restartPolicy":{},"f:schedulerName":{},"f:securityContext":{},"f:terminationGracePeriodSeconds":{},"f:volumes":{".":{},"k:{\"name\":\"host-volume\"}":{".":{},"f:hostPath":{".":{},"f:path":{},"f:type":{}},"f:name":{}}}}},"f:updateStrategy":{"f:rollingUpdate":{".":{},"f:maxSurge":{},"f:maxUnavailable":{}},"f:type":{}}}}`,
  replicaSetPod: String.raw`{"f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/restartedAt":{}},"f:generateName":{},"f:labels":{".":{},"f:appSelector":{},"f:costCenter":{},"f:custom-webhook.edcelvista.com/validate-always-allow":{},"f:pod-template-hash":{},"f:supportEmail":{},"f:tenantName":{}},"f:ownerReferences":{".":{},"k:{\"uid\":\"ee15fb57-668f-4d47-b710-29e8c37fbc7b\"}":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"demo-crd-resource\"}":{".":{},"f:command":{},"f:image":{},"f:imagePullPolicy":{},"f:name":{},"f:resources":{},"f:terminationMessagePath":{},"f:terminationMessagePolicy":{}}},"f:dnsPolicy":{},"f:enableServiceLinks":{},"f:restartPolicy":{},"f:schedulerName":{},"f:securityContext":{},"f:terminationGracePeriodSeconds":{}}}`,
  kubeletStatus: String.raw`{"f:status":{"f:conditions":{"k:{\"type\":\"ContainersReady\"}":{".":{},"f:lastProbeTime":{},"f:lastTransitionTime":{},"f:status":{},"f:type":{}},"k:{\"type\":\"Initialized\"}":{".":{},"f:lastProbeTime":{},"f:lastTransitionTime":{},"f:status":{},"f:type":{}},"k:{\"type\":\"Ready\"}":{".":{},"f:lastProbeTime":{},"f:lastTransitionTime":{},"f:status":{},"f:type":{}}},"f:containerStatuses":{},"f:hostIP":{},"f:phase":{},"f:podIP":{},"f:podIPs":{".":{},"k:{\"ip\":\"10.244.0.8\"}":{".":{},"f:ip":{}}},"f:startTime":{}}}`,
  deploymentStatus: String.raw`{"f:metadata":{"f:annotations":{".":{},"f:deployment.kubernetes.io/revision":{}}},"f:status":{"f:availableReplicas":{},"f:conditions":{".":{},"k:{\"type\":\"Available\"}":{".":{},"f:lastTransitionTime":{},"f:lastUpdateTime":{},"f:message":{},"f:reason":{},"f:status":{},"f:type":{}},"k:{\"type\":\"Progressing\"}":{".":{},"f:lastTransitionTime":{},"f:lastUpdateTime":{},"f:message":{},"f:reason":{},"f:status":{},"f:type":{}}},"f:observedGeneration":{},"f:readyReplicas":{},"f:replicas":{},"f:updatedReplicas":{}}}`,
  serviceHttpHttps: String.raw`{"f:metadata":{"f:labels":{"f:app.kubernetes.io/component":{},"f:app.kubernetes.io/instance":{},"f:app.kubernetes.io/managed-by":{},"f:app.kubernetes.io/name":{},"f:app.kubernetes.io/part-of":{},"f:app.kubernetes.io/version":{},"f:argocd.argoproj.io/instance-edp":{},"f:helm.sh/chart":{}}},"f:spec":{"f:ports":{"k:{\"port\":80,\"protocol\":\"TCP\"}":{".":{},"f:name":{},"f:port":{},"f:protocol":{},"f:targetPort":{}},"k:{\"port\":443,\"protocol\":\"TCP\"}":{".":{},"f:name":{},"f:port":{},"f:protocol":{},"f:targetPort":{}}},"f:selector":{},"f:sessionAffinity":{},"f:type":{}}}`,
  serviceRedis: String.raw`{"f:metadata":{"f:annotations":{},"f:labels":{"f:app":{},"f:argocd.argoproj.io/instance-edp":{},"f:chart":{},"f:heritage":{},"f:release":{}}},"f:spec":{"f:clusterIP":{},"f:ports":{"k:{\"port\":6379,\"protocol\":\"TCP\"}":{".":{},"f:name":{},"f:port":{},"f:protocol":{},"f:targetPort":{}},"k:{\"port\":26379,\"protocol\":\"TCP\"}":{".":{},"f:name":{},"f:port":{},"f:protocol":{},"f:targetPort":{}}},"f:selector":{},"f:type":{}}}`,
  kustomization: String.raw`{"f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{},"f:kustomize.toolkit.fluxcd.io/checksum":{}},"f:finalizers":{".":{},"v:\"finalizers.fluxcd.io\"":{}},"f:labels":{".":{},"f:kustomize.toolkit.fluxcd.io/name":{},"f:kustomize.toolkit.fluxcd.io/namespace":{}}},"f:spec":{".":{},"f:force":{},"f:interval":{},"f:path":{},"f:prune":{},"f:sourceRef":{".":{},"f:kind":{},"f:name":{}},"f:validation":{}},"f:status":{".":{},"f:conditions":{},"f:lastAppliedRevision":{},"f:lastAttemptedRevision":{},"f:lastHandledReconcileAt":{},"f:observedGeneration":{},"f:snapshot":{".":{},"f:checksum":{},"f:entries":{}}}}`,
};

/** The set with every node's keys reversed (`.` last): what a write in another order could build. */
function reversed(set: FieldSet): FieldSet {
  const out: Record<string, FieldSet> = {};
  for (const k of Object.keys(set).reverse()) out[k] = reversed(set[k]!);
  return out;
}

/** The set with every node's keys in Go's byte order, as `kubectl get -o json` prints them (a client sending them back). */
function byteOrdered(set: FieldSet): FieldSet {
  const out: Record<string, FieldSet> = {};
  for (const k of Object.keys(set).sort(compareGoStrings)) out[k] = byteOrdered(set[k]!);
  return out;
}

const now = new Date(Date.UTC(2026, 0, 1));

test("upstream's fieldsV1 comes out byte for byte, whatever order the set was built in", () => {
  for (const [name, json] of Object.entries(SAMPLES)) {
    for (const fields of [JSON.parse(json) as FieldSet, reversed(JSON.parse(json) as FieldSet), byteOrdered(JSON.parse(json) as FieldSet)]) {
      const [entry] = encodeManagedFields([{ manager: name, operation: "Update", apiVersion: "v1", time: "2026-01-01T00:00:00Z", fields }]);
      assert.is(JSON.stringify(entry!.fieldsV1), json, name);
    }
  }
});

test("a DaemonSet created through the API records upstream's set for its object, in its order", () => {
  // The object as the API server answered the create (defaults applied), in its field order.
  const ds = JSON.parse(String.raw`{"kind":"DaemonSet","apiVersion":"apps/v1","metadata":{"name":"cdk-backdoor-daemonset","namespace":"kube-system","labels":{"k8s-app":"kube-proxy"},"annotations":{"deprecated.daemonset.template.generation":"1"}},"spec":{"selector":{"matchLabels":{"k8s-app":"kube-proxy"}},"template":{"metadata":{"labels":{"k8s-app":"kube-proxy"}},"spec":{"volumes":[{"name":"host-volume","hostPath":{"path":"/","type":""}}],"containers":[{"name":"cdk-backdoor-pod","image":"ubuntu","args":["/bin/sh","-c","touch /tmp/awesome_poc ; sleep 10000"],"resources":{},"volumeMounts":[{"name":"host-volume","mountPath":"/host-root"}],"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent","securityContext":{"capabilities":{"add":["NET_ADMIN","SYS_ADMIN","SYS_PTRACE","AUDIT_CONTROL","MKNOD","SETFCAP"]},"privileged":true}}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","hostNetwork":true,"hostPID":true,"securityContext":{},"schedulerName":"default-scheduler"}},"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":1,"maxSurge":0}},"revisionHistoryLimit":10}}`) as KubeObject;
  const [entry] = managedFieldsAfterUpdate(undefined, ds, { manager: "Go-http-client", now });
  assert.is(JSON.stringify(entry!.fieldsV1), SAMPLES["daemonSet"]);
});

test("a ReplicaSet's pod and a kubelet's first status write record upstream's sets: `.` on what each write added", () => {
  // The pod as kube-controller-manager created it (defaults applied), from the admission review the sample came with.
  const pod = JSON.parse(String.raw`{"kind":"Pod","apiVersion":"v1","metadata":{"generateName":"demo-crd-resource-7d6c8b9f4-","namespace":"d","labels":{"appSelector":"demo","costCenter":"c1","custom-webhook.edcelvista.com/validate-always-allow":"true","pod-template-hash":"7d6c8b9f4","supportEmail":"a@b.c","tenantName":"t"},"annotations":{"kubectl.kubernetes.io/restartedAt":"2024-01-01T00:00:00Z"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"demo-crd-resource-7d6c8b9f4","uid":"ee15fb57-668f-4d47-b710-29e8c37fbc7b","controller":true,"blockOwnerDeletion":true}]},"spec":{"containers":[{"name":"demo-crd-resource","image":"busybox","command":["sleep","3600"],"resources":{},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"Always"}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","securityContext":{},"schedulerName":"default-scheduler","enableServiceLinks":true}}`) as KubeObject;
  const [created] = managedFieldsAfterUpdate(undefined, pod, { manager: "kube-controller-manager", now });
  assert.is(JSON.stringify(created!.fieldsV1), SAMPLES["replicaSetPod"]);
  // The kubelet's first status: the scheduler's condition was there (no `.` on conditions), the pod IPs were not.
  const scheduled = { ...pod, spec: { ...(pod as { spec: object }).spec, nodeName: "n1" }, status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: "2024-01-01T00:00:00Z" }], qosClass: "BestEffort" } } as KubeObject;
  const condition = (type: string) => ({ type, status: "True", lastProbeTime: null, lastTransitionTime: "2024-01-01T00:00:01Z" });
  const running = { ...scheduled, status: { phase: "Running", conditions: [condition("Initialized"), condition("Ready"), condition("ContainersReady"), { type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: "2024-01-01T00:00:00Z" }], hostIP: "172.18.0.2", podIP: "10.244.0.8", podIPs: [{ ip: "10.244.0.8" }], startTime: "2024-01-01T00:00:00Z", containerStatuses: [{ name: "demo-crd-resource", ready: true, restartCount: 0, image: "busybox", imageID: "", started: true, state: { running: { startedAt: "2024-01-01T00:00:01Z" } }, lastState: {}, containerID: "containerd://1" }], qosClass: "BestEffort" } } as KubeObject;
  const entries = managedFieldsAfterUpdate(scheduled, running, { manager: "kubelet", subresource: "status", now });
  const kubelet = entries.find((e) => e.manager === "kubelet")!;
  assert.is(JSON.stringify(kubelet.fieldsV1), SAMPLES["kubeletStatus"]);
});

test("managed fields a client sends back in another order are stored in upstream's order", () => {
  const svc = { apiVersion: "v1", kind: "Service", metadata: { name: "s", namespace: "d" }, spec: { ports: [{ port: 443, protocol: "TCP" }, { port: 80, protocol: "TCP" }] } } as KubeObject;
  const created = updateManagedFields(undefined, svc, { manager: "m", now });
  const ports = (o: KubeObject) => Object.keys(((o.metadata!.managedFields![0]!.fieldsV1 as Record<string, Record<string, FieldSet>>)["f:spec"]!["f:ports"]!));
  // The create added the list: it owns the list itself too (`.` first).
  assert.equal(ports(created), [".", 'k:{"port":80,"protocol":"TCP"}', 'k:{"port":443,"protocol":"TCP"}']);
  // kubectl prints (and a replace sends back) keys in byte order: 443 before 80.
  const sent = { ...created, metadata: { ...created.metadata, managedFields: [{ ...created.metadata!.managedFields![0]!, manager: "other", fieldsV1: byteOrdered(created.metadata!.managedFields![0]!.fieldsV1 as FieldSet) as object }] } } as KubeObject;
  assert.equal(Object.keys((sent.metadata!.managedFields![0]!.fieldsV1 as Record<string, Record<string, FieldSet>>)["f:spec"]!["f:ports"]!), [".", 'k:{"port":443,"protocol":"TCP"}', 'k:{"port":80,"protocol":"TCP"}']);
  const replaced = updateManagedFields(created, sent, { manager: "kubectl-replace", now });
  assert.is(replaced.metadata!.managedFields![0]!.manager, "other");
  assert.equal(ports(replaced), [".", 'k:{"port":80,"protocol":"TCP"}', 'k:{"port":443,"protocol":"TCP"}']);
});

test("path element order: kinds, Go string order, keys and values by value", () => {
  // Each row in ascending order.
  const rows: string[][] = [
    ["f:Z", "f:a", "f:image", "f:name"],
    // Go compares UTF-8 bytes: U+FFFD before U+1F600 (UTF-16 code units say the opposite).
    ["f:\uFFFD", "f:\u{1F600}"],
    ["f:zzz", 'k:{"a":1}', 'v:"a"', "i:0"],
    ['k:{"port":80,"protocol":"TCP"}', 'k:{"port":443,"protocol":"TCP"}', 'k:{"port":443,"protocol":"UDP"}'],
    ['k:{"port":6379,"protocol":"TCP"}', 'k:{"port":26379,"protocol":"TCP"}'],
    // "a" before "a b" (the JSON text would sort `"a b"` first: a space is below the quote).
    ['k:{"name":"a"}', 'k:{"name":"a b"}', 'k:{"name":"b"}'],
    // Fewer key fields first; names before values.
    ['k:{"a":"z"}', 'k:{"a":"z","b":"a"}', 'k:{"b":"a"}'],
    // value.Compare: numbers, strings, booleans, lists, maps, null.
    ["v:2", "v:10", 'v:"10"', 'v:"a"', "v:false", "v:true", "v:[1]", "v:[1,2]", 'v:{"a":1}', "v:null"],
    ["i:2", "i:10"],
  ];
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      for (let j = 0; j < row.length; j++) {
        const c = comparePathElements(row[i]!, row[j]!);
        assert.is(Math.sign(c), Math.sign(i - j), `${row[i]} vs ${row[j]}`);
      }
    }
  }
  // A key's fields are compared by name whatever order its JSON has them in.
  assert.is(comparePathElements('k:{"protocol":"TCP","port":80}', 'k:{"port":80,"protocol":"TCP"}'), 0);
});

test("a node in FieldsV1 form: `.` first only with children, children in order, unknown kinds dropped", () => {
  assert.ok(isFieldsV1Node({}));
  assert.ok(isFieldsV1Node({ ".": {}, "f:a": {}, "f:b": {} }));
  assert.not.ok(isFieldsV1Node({ "f:a": {}, ".": {} }));
  assert.not.ok(isFieldsV1Node({ ".": {} }));
  assert.not.ok(isFieldsV1Node({ "f:b": {}, "f:a": {} }));
  assert.not.ok(isFieldsV1Node({ "x:y": {} }));
  assert.is(JSON.stringify(fieldsV1Node({ "f:b": {}, ".": {}, 'k:{"n":1}': {}, "f:a": {} })), '{".":{},"f:a":{},"f:b":{},"k:{\\"n\\":1}":{}}');
  assert.is(JSON.stringify(fieldsV1Node({ ".": {} })), "{}");
  assert.is(JSON.stringify(fieldsV1Node({ "x:y": {}, "f:a": {} })), '{"f:a":{}}');
});

test("a key's or value's JSON escapes `<`, `>`, `&` as structured-merge-diff's jsoniter writes it", () => {
  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "d", finalizers: ["a&b"] }, spec: { containers: [{ name: "c", env: [{ name: "A<B>", value: "x" }], ports: [{ containerPort: 80, name: "<p>" }] }] } } as KubeObject;
  const json = JSON.stringify(managedFieldsAfterUpdate(undefined, pod, { manager: "m", now })[0]!.fieldsV1);
  assert.ok(json.includes(String.raw`"k:{\"name\":\"A\\u003cB\\u003e\"}"`), json);
  assert.ok(json.includes(String.raw`"v:\"a\\u0026b\""`), json);
});

test("members come in Set.Iterate order: a node's members, then below each child", () => {
  const set: FieldSet = { "f:c": { "f:y": {} }, "f:b": {}, "f:a": { ".": {}, "f:x": {} }, "f:ports": { 'k:{"port":443}': {}, 'k:{"port":80}': {} } };
  assert.equal(members(set).map(pathString), [".a", ".b", ".a.x", ".c.y", ".ports[port=80]", ".ports[port=443]"]);
});

const keys = ["f:a", "f:B", "f:image", "f:name", 'k:{"port":80}', 'k:{"port":443}', 'k:{"name":"a b"}', 'k:{"name":"a"}', "v:10", "v:2", 'v:"x"', "i:10", "i:2"];
/** Sets in any key order, `.` anywhere on members with children. */
const { set } = fc.letrec<{ set: FieldSet; node: FieldSet }>((tie) => ({
  set: fc.array(fc.tuple(fc.constantFrom(...keys), tie("node")), { maxLength: 5 }).map((entries) => Object.fromEntries(entries) as FieldSet),
  node: fc.oneof({ depthSize: "small" }, fc.constant({}), fc.tuple(fc.boolean(), fc.nat(), tie("set")).map(([member, at, children]) => {
    const ks = Object.keys(children);
    if (!member || ks.length === 0) return children;
    const i = at % (ks.length + 1);
    return Object.fromEntries([...ks.slice(0, i).map((k) => [k, children[k]!]), [".", {}], ...ks.slice(i).map((k) => [k, children[k]!])]) as FieldSet;
  })),
}));

test("property: a recorded set is in FieldsV1 order at every node, the same whatever order it was built in", () => {
  fc.assert(fc.property(set, (s) => {
    const json = (fields: FieldSet) => JSON.stringify(encodeManagedFields([{ manager: "m", operation: "Update", apiVersion: "v1", fields }])[0]?.fieldsV1 ?? {});
    const recorded = json(s);
    assert.is(recorded, fieldsV1Json(s));
    assert.is(json(reversed(s)), recorded);
  }), { numRuns: 5000 });
});

test.run();
