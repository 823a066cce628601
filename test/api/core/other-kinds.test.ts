import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ConfigMap, Namespace, PersistentVolume, PersistentVolumeClaim, ReplicationController, Secret, LimitRange } from "kubernetes-types/core/v1.js";
import { copy, create, update } from "./helpers.js";
import { CORE_TYPES } from "../../../core/api/builtin/core/index.js";
import { ResourceRegistry } from "../../../core/api/resource-registry.js";

test("descriptors match kubectl api-resources for core/v1", () => {
  const rows = CORE_TYPES.map((t) => `${t.descriptor.plural} ${t.descriptor.shortNames.join(",")} ${t.descriptor.namespaced} ${t.descriptor.kind}`);
  assert.equal(rows, [
    "configmaps cm true ConfigMap",
    "endpoints ep true Endpoints",
    "events ev true Event",
    "limitranges limits true LimitRange",
    "namespaces ns false Namespace",
    "nodes no false Node",
    "persistentvolumeclaims pvc true PersistentVolumeClaim",
    "persistentvolumes pv false PersistentVolume",
    "pods po true Pod",
    "replicationcontrollers rc true ReplicationController",
    "resourcequotas quota true ResourceQuota",
    "secrets  true Secret",
    "serviceaccounts sa true ServiceAccount",
    "services svc true Service",
  ]);
  const registry = new ResourceRegistry(CORE_TYPES);
  assert.is(registry.find("po")?.descriptor.kind, "Pod");
  assert.equal(registry.find("pods")?.descriptor.subresources, ["status", "binding", "eviction", "log", "exec", "attach", "portforward", "proxy", "ephemeralcontainers"]);
  assert.equal(registry.find("rc")?.descriptor.categories, ["all"]);
  assert.equal(registry.find("sa")?.descriptor.subresources, ["token"]);
});

test("namespace: finalizer, phase and name label; label name format", () => {
  const { obj, errors } = create<Namespace>("Namespace", { metadata: { name: "team-a" } });
  assert.equal(errors, []);
  assert.equal(obj.spec!.finalizers, ["kubernetes"]);
  assert.is(obj.status!.phase, "Active");
  assert.is(obj.metadata!.labels!["kubernetes.io/metadata.name"], "team-a");
  assert.equal(create<Namespace>("Namespace", { metadata: { name: "a.b" } }).errors, ['metadata.name: Invalid value: "a.b": must not contain dots']);
  assert.equal(create<Namespace>("Namespace", { metadata: { name: "x" }, spec: { finalizers: ["custom"] } }).errors, [
    'spec.finalizers: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
  ]);
});

test("secret: type Opaque, stringData folded into data, keys checked, immutable", () => {
  const { obj, errors } = create<Secret>("Secret", { metadata: { name: "s", namespace: "default" }, stringData: { password: "hunter2" }, data: { user: "YWRtaW4=" } });
  assert.equal(errors, []);
  assert.is(obj.type, "Opaque");
  assert.equal(obj.data, { user: "YWRtaW4=", password: "aHVudGVyMg==" });
  assert.is(obj.stringData, undefined);
  assert.ok(create<Secret>("Secret", { metadata: { name: "s", namespace: "default" }, data: { "bad/key": "eA==" } }).errors[0]!.startsWith('data[bad/key]: Invalid value: "<secret contents redacted>": a valid config key'));
  assert.equal(create<Secret>("Secret", { metadata: { name: "t", namespace: "default" }, type: "kubernetes.io/tls", data: {} }).errors, ["data[tls.crt]: Required value", "data[tls.key]: Required value"]);
  const old = { ...obj, immutable: true };
  const changed = copy(old);
  changed.data = { user: "eA==" };
  changed.type = "Other";
  const errs = update("Secret", changed, old).errors;
  assert.ok(errs.includes('type: Invalid value: "Other": field is immutable'));
  assert.ok(errs.includes("data: Forbidden: field is immutable when `immutable` is set"));
});

test("configmap: keys and immutability", () => {
  assert.ok(create<ConfigMap>("ConfigMap", { metadata: { name: "c", namespace: "default" }, data: { "a b": "x" } }).errors[0]!.startsWith('data[a b]: Invalid value: "a b": a valid config key'));
  const old: ConfigMap = { metadata: { name: "c", namespace: "default" }, data: { a: "1" }, immutable: true };
  assert.equal(update("ConfigMap", { ...copy(old), data: { a: "2" } }, old).errors, ["data: Forbidden: field is immutable when `immutable` is set"]);
  assert.equal(update("ConfigMap", copy(old), old).errors, []);
});

test("replication controller: selector and labels from template, replicas 1, selector must match", () => {
  const rc: ReplicationController = {
    metadata: { name: "rc", namespace: "default" },
    spec: { template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } },
  };
  const { obj, errors } = create("ReplicationController", rc);
  assert.equal(errors, []);
  assert.equal(obj.spec!.selector, { app: "web" });
  assert.equal(obj.metadata!.labels, { app: "web" });
  assert.is(obj.spec!.replicas, 1);
  assert.is(obj.spec!.template!.spec!.restartPolicy, "Always");
  assert.is(obj.metadata!.generation, 1);
  const mismatch = copy(rc);
  mismatch.spec!.selector = { app: "other" };
  assert.equal(create("ReplicationController", mismatch).errors, ['spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`']);
  const scaled = copy(obj);
  scaled.spec!.replicas = 3;
  assert.is(update("ReplicationController", scaled, obj).obj.metadata!.generation, 2);
});

test("persistent volumes and claims: defaults, required fields, immutable spec", () => {
  const pv = create<PersistentVolume>("PersistentVolume", { metadata: { name: "pv1" }, spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: "/data" } } });
  assert.equal(pv.errors, []);
  assert.is(pv.obj.spec!.persistentVolumeReclaimPolicy, "Retain");
  assert.is(pv.obj.spec!.volumeMode, "Filesystem");
  assert.is(pv.obj.status!.phase, "Pending");
  const claim = create<PersistentVolumeClaim>("PersistentVolumeClaim", { metadata: { name: "c", namespace: "default" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } });
  assert.equal(claim.errors, []);
  assert.is(claim.obj.spec!.volumeMode, "Filesystem");
  assert.equal(create<PersistentVolumeClaim>("PersistentVolumeClaim", { metadata: { name: "c", namespace: "default" }, spec: {} }).errors, ["spec.accessModes: Required value", "spec.resources[storage]: Required value"]);
  const changed = copy(claim.obj);
  changed.spec!.accessModes = ["ReadWriteMany"];
  assert.equal(update("PersistentVolumeClaim", changed, claim.obj).errors, ["spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"]);
  const bound = { ...claim.obj, spec: { ...claim.obj.spec!, volumeName: "pv1" } };
  assert.equal(update("PersistentVolumeClaim", copy(bound), claim.obj).errors, [], "volumeName may be set once");
});

test("limit range: container defaults derived from max and min", () => {
  const { obj, errors } = create<LimitRange>("LimitRange", { metadata: { name: "l", namespace: "default" }, spec: { limits: [{ type: "Container", max: { cpu: "2" }, min: { memory: "64Mi" } }] } });
  assert.equal(errors, []);
  assert.equal(obj.spec!.limits[0]!.default, { cpu: "2" });
  assert.equal(obj.spec!.limits[0]!.defaultRequest, { cpu: "2", memory: "64Mi" });
});

test.run();
