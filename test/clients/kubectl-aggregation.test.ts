/** The aggregation layer's APIServices through kubectl (v1.32): local ones for every served group version, user ones naming a Service. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startFixture } from "../http/fixture.js";
import { kubectlIn } from "./kubectl-runner.js";
import { KUBECTL, requireTool } from "../support/require-tool.js";

requireTool(KUBECTL);

const fx = await startFixture();
const k = kubectlIn(fx.dir, fx.kubeconfig);
const raw = async (path: string): Promise<any> => JSON.parse(await k.ok(["get", "--raw", path]));

const METRICS = `apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: v1beta1.metrics.k8s.io
spec:
  service: {name: metrics-server, namespace: kube-system}
  group: metrics.k8s.io
  version: v1beta1
  insecureSkipTLSVerify: true
  groupPriorityMinimum: 100
  versionPriority: 100
`;

test("a local APIService per served group version, Available with reason Local, as kube-aggregator registers them", async () => {
  const out = await k.ok(["get", "apiservices"]);
  assert.equal(out.split("\n")[0]!.trim().split(/\s{2,}/), ["NAME", "SERVICE", "AVAILABLE", "AGE"]);
  for (const name of ["v1.", "v1.apps", "v1.batch", "v2.autoscaling", "v1.apiregistration.k8s.io", "v1.rbac.authorization.k8s.io"]) {
    assert.match(out, new RegExp(`^${name.replace(/\./g, "\\.")}\\s+Local\\s+True\\s+`, "m"));
  }
  const apps = await raw("/apis/apiregistration.k8s.io/v1/apiservices/v1.apps");
  assert.equal(apps.spec, { group: "apps", version: "v1", groupPriorityMinimum: 17800, versionPriority: 15 });
  assert.is(apps.metadata.labels["kube-aggregator.kubernetes.io/automanaged"], "onstart");
  const [available] = apps.status.conditions;
  assert.equal([available.type, available.status, available.reason, available.message], ["Available", "True", "Local", "Local APIServices are always available"]);
  assert.equal((await raw("/apis/apiregistration.k8s.io/v1/apiservices/v1.")).spec, { group: "", version: "v1", groupPriorityMinimum: 18000, versionPriority: 1 });
});

test("an APIService must be named <version>.<group>", async () => {
  const r = await k.run(["apply", "-f", "-"], METRICS.replace("name: v1beta1.metrics.k8s.io", "name: metrics"));
  assert.is(r.code, 1);
  assert.match(r.stderr, 'The APIService "metrics" is invalid: metadata.name: Invalid value: "metrics": must be `spec.version+"."+spec.group`: "v1beta1.metrics.k8s.io"');
});

test("a user APIService naming a Service: its group is discovered, requests for it answer 503 while the Service has no endpoint", async () => {
  assert.is((await k.ok(["apply", "-f", "-"], METRICS)).trim(), "apiservice.apiregistration.k8s.io/v1beta1.metrics.k8s.io created");
  assert.match(await k.ok(["get", "apiservices", "v1beta1.metrics.k8s.io"]), /v1beta1\.metrics\.k8s\.io\s+kube-system\/metrics-server\s+/);
  const groups = await raw("/apis");
  assert.equal(groups.groups.at(-1), { name: "metrics.k8s.io", versions: [{ groupVersion: "metrics.k8s.io/v1beta1", version: "v1beta1" }], preferredVersion: { groupVersion: "metrics.k8s.io/v1beta1", version: "v1beta1" } });
  assert.is((await raw("/apis/metrics.k8s.io")).preferredVersion.groupVersion, "metrics.k8s.io/v1beta1");
  for (const path of ["/apis/metrics.k8s.io/v1beta1", "/apis/metrics.k8s.io/v1beta1/nodes", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods"]) {
    const r = await k.run(["get", "--raw", path]);
    assert.is(r.code, 1);
    assert.is(r.stderr.trim(), "Error from server (ServiceUnavailable): the server is currently unable to handle the request");
  }
  // Aggregated discovery lists it as stale, so clients report the group version as failed.
  const top = await k.run(["top", "nodes"]);
  assert.is(top.code, 1);
  assert.match(top.stderr, "Metrics API not available");
});

test.after(() => fx.stop());

test.run();
