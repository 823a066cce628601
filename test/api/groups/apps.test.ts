import { test } from "uvu";
import * as assert from "uvu/assert";
import { APPS_TYPES } from "../../../core/api/builtin/apps/index.js";
import { DEPLOYMENT } from "../../../core/api/builtin/apps/deployment.js";
import { REPLICA_SET } from "../../../core/api/builtin/apps/replica-set.js";
import { DAEMON_SET } from "../../../core/api/builtin/apps/daemon-set.js";
import { STATEFUL_SET } from "../../../core/api/builtin/apps/stateful-set.js";
import { CONTROLLER_REVISION } from "../../../core/api/builtin/apps/controller-revision.js";
import type { ApiTypeRegistration } from "../../../core/api/strategy.js";
import { create, podTemplate, update } from "./strategy-harness.js";

const meta = { name: "web", namespace: "default" };
const deployment = (spec: Record<string, unknown> = {}) => ({ apiVersion: "apps/v1", kind: "Deployment", metadata: meta, spec: { selector: { matchLabels: { app: "web" } }, template: podTemplate(), ...spec } });

test("descriptors as discovery shows them", () => {
  const byPlural = Object.fromEntries(APPS_TYPES.map((t) => [t.descriptor.plural, t.descriptor]));
  assert.equal(Object.keys(byPlural), ["controllerrevisions", "daemonsets", "deployments", "replicasets", "statefulsets"]);
  assert.equal(byPlural["deployments"]!.shortNames, ["deploy"]);
  assert.equal(byPlural["deployments"]!.subresources, ["status", "scale"]);
  assert.equal(byPlural["daemonsets"]!.subresources, ["status"]);
  assert.equal(byPlural["statefulsets"]!.shortNames, ["sts"]);
  assert.equal(byPlural["replicasets"]!.categories, ["all"]);
  assert.equal(byPlural["controllerrevisions"]!.categories, []);
  for (const d of Object.values(byPlural)) assert.is(d.group, "apps");
});

test("Deployment defaults", () => {
  const { obj, errors } = create(DEPLOYMENT as ApiTypeRegistration, deployment());
  assert.equal(errors, []);
  const spec = obj.spec as Record<string, unknown>;
  assert.is(spec["replicas"], 1);
  assert.equal(spec["strategy"], { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } });
  assert.is(spec["revisionHistoryLimit"], 10);
  assert.is(spec["progressDeadlineSeconds"], 600);
  const podSpec = (spec["template"] as { spec: Record<string, unknown> }).spec;
  assert.is(podSpec["restartPolicy"], "Always");
  assert.is(podSpec["dnsPolicy"], "ClusterFirst");
  assert.equal(obj.status, {});
  assert.is(obj.metadata?.generation, 1);
});

test("Deployment: Recreate keeps no rollingUpdate; user values stay", () => {
  const { obj } = create(DEPLOYMENT as ApiTypeRegistration, deployment({ replicas: 0, strategy: { type: "Recreate" }, revisionHistoryLimit: 2 }));
  const spec = obj.spec as Record<string, unknown>;
  assert.is(spec["replicas"], 0);
  assert.equal(spec["strategy"], { type: "Recreate" });
  assert.is(spec["revisionHistoryLimit"], 2);
});

test("Deployment validation causes", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ template: podTemplate({ app: "other" }) }, 'spec.template.metadata.labels: Invalid value: {"app":"other"}: `selector` does not match template `labels`'],
    [{ selector: undefined }, "spec.selector: Required value"],
    [{ selector: {} }, "spec.selector: Invalid value: {}: empty selector is invalid for deployment"],
    [{ replicas: -1 }, "spec.replicas: Invalid value: -1: must be greater than or equal to 0"],
    [{ strategy: { type: "Recreate", rollingUpdate: {} } }, "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"],
    [{ strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } }, "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0"],
    [{ strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "120%" } } }, 'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "120%": must not be greater than 100%'],
    [{ strategy: { type: "Blue" } }, 'spec.strategy: Unsupported value: "Blue": supported values: "Recreate", "RollingUpdate"'],
    [{ progressDeadlineSeconds: 5, minReadySeconds: 10 }, "spec.progressDeadlineSeconds: Invalid value: 5: must be greater than minReadySeconds"],
    [{ template: podTemplate({ app: "web" }, { restartPolicy: "Never" }) }, 'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
  ];
  for (const [spec, want] of cases) {
    const { errors } = create(DEPLOYMENT as ApiTypeRegistration, deployment(spec));
    assert.ok(errors.includes(want), `${JSON.stringify(spec)} → ${JSON.stringify(errors)}`);
  }
});

test("Deployment update: selector immutable, generation bumps on spec or annotation change only, status kept", () => {
  const { obj: created } = create(DEPLOYMENT as ApiTypeRegistration, deployment());
  const old = { ...created, status: { replicas: 1 } };
  const scaled = update(DEPLOYMENT as ApiTypeRegistration, { ...old, spec: { ...(old.spec as object), replicas: 3 }, status: {} }, old);
  assert.equal(scaled.errors, []);
  assert.is(scaled.obj.metadata?.generation, 2);
  assert.equal(scaled.obj.status, { replicas: 1 });
  const labelled = update(DEPLOYMENT as ApiTypeRegistration, { ...old, metadata: { ...old.metadata, labels: { x: "y" } } }, old);
  assert.is(labelled.obj.metadata?.generation, 1);
  const annotated = update(DEPLOYMENT as ApiTypeRegistration, { ...old, metadata: { ...old.metadata, annotations: { x: "y" } } }, old);
  assert.is(annotated.obj.metadata?.generation, 2);
  const moved = update(DEPLOYMENT as ApiTypeRegistration, deployment({ selector: { matchLabels: { app: "web", tier: "x" } }, template: podTemplate({ app: "web", tier: "x" }) }), old);
  assert.ok(moved.errors.includes('spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"x"}}: field is immutable'), moved.errors.join("\n"));
});

test("ReplicaSet defaults and selector check", () => {
  const rs = { metadata: meta, spec: { selector: { matchExpressions: [{ key: "app", operator: "In", values: ["web", "api"] }] }, template: podTemplate() } };
  const { obj, errors } = create(REPLICA_SET as ApiTypeRegistration, rs);
  assert.equal(errors, []);
  assert.is((obj.spec as { replicas: number }).replicas, 1);
  const bad = create(REPLICA_SET as ApiTypeRegistration, { ...rs, spec: { ...rs.spec, template: podTemplate({ app: "db" }) } });
  assert.equal(bad.errors, ['spec.template.metadata.labels: Invalid value: {"app":"db"}: `selector` does not match template `labels`']);
});

test("DaemonSet defaults and rolling update rules", () => {
  const ds = { metadata: meta, spec: { selector: { matchLabels: { app: "web" } }, template: podTemplate() } };
  const { obj, errors } = create(DAEMON_SET as ApiTypeRegistration, ds);
  assert.equal(errors, []);
  assert.equal((obj.spec as Record<string, unknown>)["updateStrategy"], { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.is((obj.spec as Record<string, unknown>)["revisionHistoryLimit"], 10);
  const both = create(DAEMON_SET as ApiTypeRegistration, { ...ds, spec: { ...ds.spec, updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } } } });
  assert.equal(both.errors, ["spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero"]);
  const none = create(DAEMON_SET as ApiTypeRegistration, { ...ds, spec: { ...ds.spec, updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } } });
  assert.equal(none.errors, ["spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0"]);
});

test("StatefulSet defaults, DNS-label names and forbidden spec updates", () => {
  const sts = {
    metadata: meta,
    spec: { serviceName: "web", selector: { matchLabels: { app: "web" } }, template: podTemplate(), volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }] },
  };
  const { obj, errors } = create(STATEFUL_SET as ApiTypeRegistration, sts);
  assert.equal(errors, []);
  const spec = obj.spec as Record<string, unknown>;
  assert.is(spec["replicas"], 1);
  assert.is(spec["podManagementPolicy"], "OrderedReady");
  assert.equal(spec["updateStrategy"], { type: "RollingUpdate", rollingUpdate: { partition: 0 } });
  assert.equal(spec["persistentVolumeClaimRetentionPolicy"], { whenDeleted: "Retain", whenScaled: "Retain" });
  assert.is(spec["revisionHistoryLimit"], 10);
  const claim = (spec["volumeClaimTemplates"] as Record<string, unknown>[])[0]!;
  assert.is(claim["kind"], "PersistentVolumeClaim");
  assert.equal(claim["status"], { phase: "Pending" });
  assert.is((claim["spec"] as Record<string, unknown>)["volumeMode"], "Filesystem");
  const dotted = create(STATEFUL_SET as ApiTypeRegistration, { ...sts, metadata: { name: "web.v1", namespace: "default" } });
  assert.ok(dotted.errors[0]!.startsWith('metadata.name: Invalid value: "web.v1": '), dotted.errors.join());
  const renamed = update(STATEFUL_SET as ApiTypeRegistration, { ...obj, spec: { ...spec, serviceName: "other", replicas: 5 } }, obj);
  assert.equal(renamed.errors, ["spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"]);
  const scaled = update(STATEFUL_SET as ApiTypeRegistration, { ...obj, spec: { ...spec, replicas: 5 } }, obj);
  assert.equal(scaled.errors, []);
});

test("ControllerRevision: data required and immutable", () => {
  const cr = { metadata: meta, revision: 1, data: { spec: {} } };
  assert.equal(create(CONTROLLER_REVISION as ApiTypeRegistration, { metadata: meta, revision: 1 }).errors, ["data: Required value: data is mandatory"]);
  const { obj } = create(CONTROLLER_REVISION as ApiTypeRegistration, cr);
  assert.equal(update(CONTROLLER_REVISION as ApiTypeRegistration, { ...obj, data: { spec: { x: 1 } } }, obj).errors, ['data: Invalid value: {"spec":{"x":1}}: field is immutable']);
});

test.run();
