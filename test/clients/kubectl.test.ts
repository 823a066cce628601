/** kubectl (v1.32, on PATH) against kubesim over HTTPS with a generated kubeconfig. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually, startFixture } from "../http/fixture.js";
import { kubectlIn } from "./kubectl-runner.js";
import { KUBECTL, requireTool } from "../support/require-tool.js";

requireTool(KUBECTL);

const fx = await startFixture();
const k = kubectlIn(fx.dir, fx.kubeconfig);
const ok = async (args: string[], stdin?: string): Promise<string> => {
  const r = await k.run(args, stdin);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
};
const headerOf = (out: string): string[] => out.split("\n")[0]!.trim().split(/\s{2,}/);

const MANIFEST = (value: string): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: "${value}"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports: [{containerPort: 80}]
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
---
apiVersion: v1
kind: Pod
metadata:
  name: solo
  labels: {app: solo}
spec:
  containers: [{name: c, image: busybox}]
`;

test("apply -f (default validation) of a multi-document manifest, re-apply unchanged, then configured", async () => {
  assert.equal((await ok(["apply", "-f", "-"], MANIFEST("a"))).trim().split("\n"), ["configmap/settings created", "deployment.apps/web created", "service/web created", "pod/solo created"]);
  assert.equal((await ok(["apply", "-f", "-"], MANIFEST("a"))).trim().split("\n"), ["configmap/settings unchanged", "deployment.apps/web unchanged", "service/web unchanged", "pod/solo unchanged"]);
  assert.match(await ok(["apply", "-f", "-"], MANIFEST("b")), "configmap/settings configured");
  assert.match(await ok(["get", "cm", "settings", "-o", "jsonpath={.data.mode}"]), /^b$/);
});

test("get prints the server's columns; -o wide, -o yaml, -o json", async () => {
  assert.equal(headerOf(await ok(["get", "pods"])), ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
  assert.equal(headerOf(await ok(["get", "pods", "-o", "wide"])), ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"]);
  assert.equal(headerOf(await ok(["get", "deployments"])), ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]);
  assert.equal(headerOf(await ok(["get", "services"])), ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]);
  assert.match(await ok(["get", "pods"]), /solo\s+0\/1\s+Pending\s+0/);
  assert.match(await ok(["get", "pod", "solo", "-o", "yaml"]), /kind: Pod\n[\s\S]*name: solo/);
  const json = JSON.parse(await ok(["get", "deploy", "web", "-o", "json"])) as { spec: { replicas: number } };
  assert.is(json.spec.replicas, 2);
  assert.match(await ok(["get", "ns"]), /kube-system\s+Active/);
});

test("get -w sees an update: the new row carries the changed label", async () => {
  const child = k.spawn(["get", "pods", "solo", "-w", "-o", "custom-columns=NAME:.metadata.name,WATCHED:.metadata.labels.watched"]);
  let out = "";
  child.stdout!.on("data", (d) => (out += d.toString()));
  const rows = (): string[][] => out.trim().split("\n").map((l) => l.trim().split(/\s+/));
  try {
    await eventually(() => rows().length >= 2, 10000, "the initial row");
    await ok(["label", "pod", "solo", "watched=yes"]);
    await eventually(() => rows().length >= 3, 10000, "the updated row");
    assert.equal(rows(), [["NAME", "WATCHED"], ["solo", "<none>"], ["solo", "yes"]]);
  } finally {
    child.kill();
  }
});

test("describe, label, annotate", async () => {
  assert.match(await ok(["label", "deploy", "web", "tier=front"]), "deployment.apps/web labeled");
  assert.match(await ok(["annotate", "deploy", "web", "note=hello"]), "deployment.apps/web annotated");
  const d = await ok(["describe", "deployment", "web"]);
  assert.match(d, /Name:\s+web/);
  assert.match(d, /tier=front/);
  assert.match(d, /note: hello/);
  assert.match(d, /Replicas:\s+2 desired/);
});

test("patch with each --type, scale", async () => {
  await ok(["patch", "deploy", "web", "--type=merge", "-p", '{"spec":{"replicas":3}}']);
  await ok(["patch", "deploy", "web", "--type=json", "-p", '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"nginx:1.28"}]']);
  await ok(["patch", "deploy", "web", "--type=strategic", "-p", '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox"}]}}}}']);
  assert.match(await ok(["scale", "deploy", "web", "--replicas=5"]), "deployment.apps/web scaled");
  const out = await ok(["get", "deploy", "web", "-o", "jsonpath={.spec.replicas} {.spec.template.spec.containers[*].image}"]);
  assert.is(out, "5 busybox nginx:1.28");
});

test("replace with a stale object: the conflict message", async () => {
  const stale = await ok(["get", "cm", "settings", "-o", "yaml"]);
  await ok(["annotate", "cm", "settings", "bump=1"]);
  const r = await k.run(["replace", "-f", "-"], stale);
  assert.is.not(r.code, 0);
  assert.match(r.stderr, 'Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on configmaps "settings": the object has been modified; please apply your changes to the latest version and try again');
});

test("apply --server-side: a conflict between field managers, then --force-conflicts", async () => {
  const doc = (v: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\ndata:\n  owner: "${v}"\n`;
  // Created first by another manager: an apply that creates records the creating call's manager
  // as kubesim's API server does today (reported), which is not what this test is about.
  await ok(["apply", "-f", "-"], "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\ndata:\n  other: x\n");
  assert.match(await ok(["apply", "--server-side", "--field-manager=team-a", "-f", "-"], doc("a")), "configmap/shared serverside-applied");
  const clash = await k.run(["apply", "--server-side", "--field-manager=team-b", "-f", "-"], doc("b"));
  assert.is.not(clash.code, 0);
  assert.match(clash.stderr, 'conflict with "team-a"');
  assert.match(clash.stderr, ".data.owner");
  await ok(["apply", "--server-side", "--field-manager=team-b", "--force-conflicts", "-f", "-"], doc("b"));
  assert.is(await ok(["get", "cm", "shared", "-o", "jsonpath={.data.owner}"]), "b");
});

test("invalid objects: kubectl shows the field errors; unknown fields are refused by strict validation", async () => {
  const r = await k.run(["apply", "-f", "-"], "apiVersion: v1\nkind: Pod\nmetadata:\n  name: Bad_Name\nspec:\n  containers: [{name: c}]\n");
  assert.is.not(r.code, 0);
  assert.match(r.stderr, /The Pod "Bad_Name" is invalid: \n?.*metadata.name: Invalid value: "Bad_Name"/);
  assert.match(r.stderr, "spec.containers[0].image: Required value");
  const unknown = await k.run(["apply", "-f", "-"], "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: u\nspec:\n  foo: 1\n");
  assert.match(unknown.stderr, 'strict decoding error: unknown field "spec"');
});

test("api-resources and explain", async () => {
  const res = await ok(["api-resources"]);
  assert.match(res, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
  assert.match(res, /^pods\s+po\s+v1\s+true\s+Pod$/m);
  const ex = await ok(["explain", "deployment.spec.replicas"]);
  assert.match(ex, /FIELD:\s+replicas <integer>/);
});

test("logs and exec answer with a clear error, not a hang", async () => {
  const logs = await k.run(["logs", "solo"]);
  assert.match(logs.stderr, "no container runtime");
  const exec = await k.run(["exec", "solo", "--", "ls"]);
  assert.is.not(exec.code, 0);
  assert.match(exec.stderr, /not available|not running|no container/i);
});

test("delete", async () => {
  assert.match(await ok(["delete", "deploy", "web"]), 'deployment.apps "web" deleted');
  assert.match(await ok(["delete", "pod", "solo"]), 'pod "solo" deleted');
  const gone = await k.run(["get", "deploy", "web"]);
  assert.match(gone.stderr, 'Error from server (NotFound): deployments.apps "web" not found');
});

test.after(() => fx.stop());

test.run();
