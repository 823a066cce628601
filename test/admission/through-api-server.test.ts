import { test } from "uvu";
import * as assert from "uvu/assert";
import { testControlPlane, statusOf } from "../support/control-plane.js";

const template = (labels: Record<string, string>, restartPolicy?: string) => ({ metadata: { labels }, spec: { containers: [{ name: "app", image: "nginx" }], ...(restartPolicy ? { restartPolicy } : {}) } });

test("a Deployment is defaulted and validated by its strategy through the API server", async () => {
  const { client } = await testControlPlane();
  const d = await client.resource("deployments.apps").create({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "default" }, spec: { selector: { matchLabels: { app: "web" } }, template: template({ app: "web" }) } });
  assert.is((d["spec"] as { replicas: number }).replicas, 1);
  assert.is(d.metadata?.generation, 1);
  const err = await statusOf(client.resource("deployments.apps").create({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "bad", namespace: "default" }, spec: { selector: { matchLabels: { app: "web" } }, template: template({ app: "db" }) } }));
  assert.is(err.code, 422);
  // (kube-apiserver says `Deployment.apps "bad" is invalid`; the kind prefix is status.ts's business.)
  assert.ok(err.message.endsWith('"bad" is invalid: spec.template.metadata.labels: Invalid value: {"app":"db"}: `selector` does not match template `labels`'), err.message);
  assert.equal(err.status.details?.causes?.[0]?.field, "spec.template.metadata.labels");
});

test("a Job gets its generated selector from its uid", async () => {
  const { client } = await testControlPlane();
  const job = await client.resource("Job").create({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "pi", namespace: "default" }, spec: { template: template({}, "Never") } });
  const spec = job["spec"] as { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> } } };
  assert.equal(spec.selector.matchLabels, { "batch.kubernetes.io/controller-uid": job.metadata!.uid! });
  assert.is(spec.template.metadata.labels["batch.kubernetes.io/job-name"], "pi");
});

test("a create's managedFields are the writer's fields before mutating admission and PrepareForCreate, as apiserver's create handler records them", async () => {
  const { client } = await testControlPlane();
  const pod = await client.resource("Pod").create({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default", labels: { app: "p" } }, spec: { containers: [{ name: "app", image: "nginx" }] } }, { fieldManager: "maker" });
  const spec = pod["spec"] as Record<string, unknown>;
  // Admission did mutate the pod (DefaultTolerationSeconds, ServiceAccount, Priority)...
  assert.ok(Array.isArray(spec["tolerations"]) && spec["serviceAccountName"] === "default" && spec["priority"] === 0, JSON.stringify(spec));
  // ...and none of it is the writer's: defaulted fields are, admitted ones are not.
  const entries = pod.metadata!.managedFields!;
  assert.is(entries.length, 1);
  assert.is(entries[0]!.manager, "maker");
  const fields = entries[0]!.fieldsV1 as Record<string, Record<string, unknown>>;
  for (const admitted of ["f:tolerations", "f:serviceAccountName", "f:priority", "f:preemptionPolicy", "f:volumes"]) assert.not.ok(admitted in fields["f:spec"]!, admitted);
  assert.ok("f:dnsPolicy" in fields["f:spec"]! && "f:containers" in fields["f:spec"]!);
  // Metadata keeps its key order: generation before managedFields.
  const keys = Object.keys(pod.metadata!);
  assert.ok(keys.indexOf("creationTimestamp") < keys.indexOf("managedFields"), keys.join());

  const job = await client.resource("Job").create({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "pi", namespace: "default" }, spec: { template: template({}, "Never") } }, { fieldManager: "maker" });
  const jobFields = job.metadata!.managedFields![0]!.fieldsV1 as { "f:spec": Record<string, Record<string, Record<string, unknown>>> };
  // PrepareForCreate's generated selector and template labels are the server's, not the writer's.
  assert.not.ok("f:selector" in jobFields["f:spec"], JSON.stringify(jobFields));
  const templateLabels = (jobFields["f:spec"]["f:template"]?.["f:metadata"]?.["f:labels"] ?? {}) as Record<string, unknown>;
  assert.equal(Object.keys(templateLabels), [], JSON.stringify(jobFields));
  assert.ok("f:template" in jobFields["f:spec"]);
});

test("admission: missing namespace, then quota", async () => {
  const { client } = await testControlPlane();
  const missing = await statusOf(client.resource("ConfigMap").create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "ghost" } }));
  assert.is(missing.message, 'namespaces "ghost" not found');
  await client.resource("ResourceQuota").create({ apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "q", namespace: "default" }, spec: { hard: { configmaps: "2" } } });
  const existing = (await client.resource("ConfigMap").list({ namespace: "default" })).items.length;
  for (let i = existing; i < 2; i++) await client.resource("ConfigMap").create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `c${i}`, namespace: "default" } });
  const over = await statusOf(client.resource("ConfigMap").create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "one-too-many", namespace: "default" } }));
  assert.is(over.code, 403);
  assert.is(over.message, 'configmaps "one-too-many" is forbidden: exceeded quota: q, requested: configmaps=1, used: configmaps=2, limited: configmaps=2');
});

test.run();
