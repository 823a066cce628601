import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ControllerRevision, DaemonSet, StatefulSet } from "kubernetes-types/apps/v1.js";
import type { Pod, PodTemplateSpec } from "kubernetes-types/core/v1.js";
import { hashControllerRevision, revisionPatch, revisionRaw } from "../../plugins/kube-controller-manager/controllers/workload/controller-revision.js";
import { goJsonValue, goMarshalMap } from "../../plugins/kube-controller-manager/controllers/workload/go-json.js";
import { computeHash, safeEncodeString } from "../../plugins/kube-controller-manager/controllers/deployment/pod-template-hash.js";
import { withCluster } from "./helpers.js";

/**
 * A real cluster's StatefulSet revision (kubectl get controllerrevision nginx-sts-6798d68dcd -o yaml):
 * the set `nginx-sts` with template {labels app: nginx-sts, containers [{name: nginx, image: nginx}]}
 * after API defaulting; its data, its name and its controller.kubernetes.io/hash label.
 */
const REAL_STS_DATA =
  '{"spec":{"template":{"$patch":"replace","metadata":{"creationTimestamp":null,"labels":{"app":"nginx-sts"}},"spec":{"containers":[{"image":"nginx","imagePullPolicy":"Always","name":"nginx","resources":{},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],"dnsPolicy":"ClusterFirst","restartPolicy":"Always","schedulerName":"default-scheduler","securityContext":{},"terminationGracePeriodSeconds":30}}}}';

const defaulted = (labels: Record<string, string>, image: string): PodTemplateSpec => ({
  metadata: { labels },
  spec: {
    containers: [{ name: "nginx", image, imagePullPolicy: "Always", terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: "File" }],
    restartPolicy: "Always",
    terminationGracePeriodSeconds: 30,
    dnsPolicy: "ClusterFirst",
    securityContext: {},
    schedulerName: "default-scheduler",
  },
});

test("getPatch marshals the template as Go does: sorted keys, creationTimestamp null, resources {}, $patch replace", () => {
  const patch = revisionPatch(defaulted({ app: "nginx-sts" }, "nginx"));
  assert.is(patch.raw, REAL_STS_DATA);
  assert.is(revisionPatch(defaulted({ app: "nginx-sts" }, "nginx")).raw, REAL_STS_DATA, "a second template object gives the same bytes");
});

test("HashControllerRevision equals a real cluster's: FNV-1 over the data then the collision count in decimal", () => {
  assert.is(hashControllerRevision(REAL_STS_DATA, 0), "6798d68dcd");
  // FNV-1 (Go's fnv.New32), not FNV-1a: the 32-bit FNV-1 of "a" is 0x050c5d7e (FNV-1a gives 0xe40c292c).
  assert.is(hashControllerRevision("a"), safeEncodeString(String(0x050c5d7e)));
  assert.is(hashControllerRevision("", 1), hashControllerRevision("1"), "the probe is hashed as its decimal digits");
  assert.is.not(hashControllerRevision(REAL_STS_DATA, 1), "6798d68dcd");
});

test("Go JSON rules: omitempty zero values dropped, fields without omitempty kept at zero, unknown fields dropped, quantities canonical, HTML escaped", () => {
  const tpl = {
    metadata: { annotations: { note: "a<b>&c" } },
    spec: {
      unknownField: 1,
      volumes: [],
      containers: [
        {
          name: "c",
          image: "i",
          stdin: false,
          ports: [{ containerPort: 80 }],
          resources: { limits: { memory: "1024Mi", cpu: "0.5" } },
          env: [{ name: "LIM", valueFrom: { resourceFieldRef: { resource: "limits.cpu" } } }],
          readinessProbe: { httpGet: { path: "/", port: "http", httpHeaders: [{ name: "X" }] } },
        },
      ],
      affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: {} }] } },
    },
  };
  const v = goJsonValue(tpl, "core.PodTemplateSpec") as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
  assert.equal(v.metadata, { creationTimestamp: null, annotations: { note: "a<b>&c" } });
  assert.not.ok("unknownField" in v.spec);
  assert.not.ok("volumes" in v.spec, "an empty list is nil and omitempty");
  const c = (v.spec["containers"] as Record<string, unknown>[])[0]!;
  assert.not.ok("stdin" in c, "false with omitempty");
  assert.equal(c["ports"], [{ containerPort: 80 }]);
  assert.equal(c["resources"], { limits: { cpu: "500m", memory: "1Gi" } });
  assert.equal(c["env"], [{ name: "LIM", valueFrom: { resourceFieldRef: { divisor: "0", resource: "limits.cpu" } } }], "Quantity is a struct: omitempty keeps it");
  assert.equal(c["readinessProbe"], { httpGet: { path: "/", port: "http", httpHeaders: [{ name: "X", value: "" }] } });
  assert.equal(v.spec["affinity"], { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: {} }] } });
  assert.is(goMarshalMap({ b: 1, a: "x<y>&z\u2028", $p: [true, null] }), '{"$p":[true,null],"a":"x\\u003cy\\u003e\\u0026z\\u2028","b":1}');
  assert.is(revisionRaw({ data: JSON.parse(REAL_STS_DATA) } as ControllerRevision), REAL_STS_DATA, "a stored revision re-marshals to the bytes it was made from");
});

test("a StatefulSet's revision is named and labelled as on a real cluster; its pods carry the revision name", async () => {
  await withCluster(
    async (cluster) => {
      const sts: StatefulSet = {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name: "nginx-sts", namespace: "default", annotations: { team: "web" } },
        spec: { replicas: 1, serviceName: "nginx-sts", selector: { matchLabels: { app: "nginx-sts" } }, template: { metadata: { labels: { app: "nginx-sts" } }, spec: { containers: [{ name: "nginx", image: "nginx" }] } } },
      };
      await cluster.client.resource<StatefulSet>("StatefulSet").create(sts, { namespace: "default" });
      const rev = await cluster.waitFor<ControllerRevision>("ControllerRevision", (r) => r.metadata?.name?.startsWith("nginx-sts-") ?? false, { namespace: "default" });
      assert.is(rev.metadata!.name, "nginx-sts-6798d68dcd");
      assert.equal(rev.metadata!.labels, { app: "nginx-sts", "controller.kubernetes.io/hash": "6798d68dcd" });
      assert.equal(rev.metadata!.annotations, { team: "web" }, "the set's annotations are copied");
      assert.is(JSON.stringify(rev.data), REAL_STS_DATA, "stored with its keys in the bytes' order");
      const pod = await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "nginx-sts-0", { namespace: "default" });
      assert.is(pod.metadata!.labels!["controller-revision-hash"], "nginx-sts-6798d68dcd");
      const set = await cluster.waitFor<StatefulSet>("StatefulSet", (s) => s.status?.updateRevision !== undefined, { namespace: "default" });
      assert.is(set.status!.updateRevision, "nginx-sts-6798d68dcd");
      assert.is(set.status!.collisionCount, 0);
    },
    { plugins: ["kube-controller-manager"] },
  );
});

test("a StatefulSet whose revision name is taken by other data raises its collisionCount and hashes again", async () => {
  await withCluster(
    async (cluster) => {
      const revs = cluster.client.resource<ControllerRevision>("ControllerRevision");
      await revs.create({ apiVersion: "apps/v1", kind: "ControllerRevision", metadata: { name: "nginx-sts-6798d68dcd", namespace: "default" }, data: { other: true }, revision: 1 }, { namespace: "default" });
      const sts: StatefulSet = {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name: "nginx-sts", namespace: "default" },
        spec: { replicas: 0, serviceName: "nginx-sts", selector: { matchLabels: { app: "nginx-sts" } }, template: { metadata: { labels: { app: "nginx-sts" } }, spec: { containers: [{ name: "nginx", image: "nginx" }] } } },
      };
      await cluster.client.resource<StatefulSet>("StatefulSet").create(sts, { namespace: "default" });
      const set = await cluster.waitFor<StatefulSet>("StatefulSet", (s) => s.status?.updateRevision !== undefined, { namespace: "default" });
      assert.is(set.status!.collisionCount, 1);
      assert.is(set.status!.updateRevision, `nginx-sts-${hashControllerRevision(REAL_STS_DATA, 1)}`);
    },
    { plugins: ["kube-controller-manager"] },
  );
});

test("a DaemonSet's revision is <ds>-<ComputeHash(template, collisionCount)> labelled controller-revision-hash, with the set's annotations", async () => {
  await withCluster(
    async (cluster) => {
      const ds: DaemonSet = {
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: { name: "nginx-ds", namespace: "default", annotations: { team: "ops" } },
        spec: { selector: { matchLabels: { app: "nginx" } }, template: { metadata: { labels: { app: "nginx" } }, spec: { containers: [{ name: "nginx", image: "nginx" }] } } },
      };
      const created = (await cluster.client.resource<DaemonSet>("DaemonSet").create(ds, { namespace: "default" })) as DaemonSet;
      const rev = await cluster.waitFor<ControllerRevision>("ControllerRevision", (r) => r.metadata?.name?.startsWith("nginx-ds-") ?? false, { namespace: "default" });
      const hash = computeHash(created.spec!.template);
      assert.is(rev.metadata!.name, `nginx-ds-${hash}`);
      assert.equal(rev.metadata!.labels, { app: "nginx", "controller-revision-hash": hash });
      assert.is(rev.metadata!.annotations!["team"], "ops");
      assert.is(rev.metadata!.annotations!["deprecated.daemonset.template.generation"], "1");
      assert.is(JSON.stringify(rev.data), revisionPatch(created.spec!.template).raw);
      assert.match(JSON.stringify(rev.data), /"creationTimestamp":null/);
    },
    { plugins: ["kube-controller-manager"] },
  );
});

test.run();
