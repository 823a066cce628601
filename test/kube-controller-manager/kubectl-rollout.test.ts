/** kubectl 1.32 rollout status / history / undo / restart / pause / resume against the deployment controller. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Deployment, ReplicaSet } from "kubernetes-types/apps/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { startHttpServer, writeKubeconfigFor } from "../../core/apiserver/http/index.js";
import { createLogger } from "../../core/log/logger.js";
import { kubectlIn } from "../clients/kubectl-runner.js";
import { fakeKubelet } from "./helpers.js";
import { KUBECTL, requireTool } from "../support/require-tool.js";

requireTool(KUBECTL);

// The controllers alone: the fake kubelet below binds and runs the pods.
const cluster = new Cluster({ clock: "real", seed: 5, nodes: 2, plugins: ["kube-controller-manager"] });
await cluster.start();
const stopKubelet = fakeKubelet(cluster);
const dir = mkdtempSync(join(tmpdir(), "kubesim-rollout-"));
const server = await startHttpServer({ apiServer: cluster.apiServer, clock: cluster.clock, log: createLogger("http", { level: "silent" }), port: 0, stateDir: join(dir, "state") });
const kubeconfig = join(dir, "kubeconfig");
writeKubeconfigFor(server, kubeconfig);
const k = kubectlIn(dir, kubeconfig);
const ok = k.ok;

const MANIFEST = (image: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: ${image}
`;

const imageOf = async (): Promise<string> => (await ok(["get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"])).trim();

test("rollout status waits for the rollout and reports success", async () => {
  await ok(["apply", "-f", "-"], MANIFEST("nginx:1.27"));
  const out = await ok(["rollout", "status", "deployment/web", "--timeout=30s"]);
  assert.match(out, 'deployment "web" successfully rolled out');
  const get = await ok(["get", "deploy", "web"]);
  assert.match(get, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+3\/3\s+3\s+3\s+/);
});

test("an image change rolls out a new ReplicaSet; history lists revisions with change-cause", async () => {
  await ok(["set", "image", "deployment/web", "nginx=nginx:1.28"]);
  await ok(["annotate", "deployment/web", "kubernetes.io/change-cause=image 1.28", "--overwrite"]);
  await ok(["rollout", "status", "deployment/web", "--timeout=30s"]);
  const rs = await ok(["get", "rs", "-l", "app=web", "-o", "jsonpath={range .items[*]}{.metadata.annotations.deployment\\.kubernetes\\.io/revision} {.spec.replicas} {.spec.template.spec.containers[0].image}{\"\\n\"}{end}"]);
  assert.equal(rs.trim().split("\n").sort(), ["1 0 nginx:1.27", "2 3 nginx:1.28"]);
  const history = await ok(["rollout", "history", "deployment/web"]);
  assert.match(history, /^deployment\.apps\/web \nREVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+image 1\.28\n/);
  const rev1 = await ok(["rollout", "history", "deployment/web", "--revision=1"]);
  assert.match(rev1, /Image:\s+nginx:1\.27/);
});

test("rollout undo restores the previous template (revision 1 becomes 3); --to-revision picks one", async () => {
  assert.match(await ok(["rollout", "undo", "deployment/web"]), "deployment.apps/web rolled back");
  await ok(["rollout", "status", "deployment/web", "--timeout=30s"]);
  assert.is(await imageOf(), "nginx:1.27");
  const revs = await ok(["get", "rs", "-l", "app=web", "-o", "jsonpath={range .items[*]}{.metadata.annotations.deployment\\.kubernetes\\.io/revision}={.spec.template.spec.containers[0].image} {end}"]);
  assert.equal(revs.trim().split(" ").sort(), ["2=nginx:1.28", "3=nginx:1.27"]);
  assert.match(await ok(["rollout", "history", "deployment/web"]), /\n2\s+image 1\.28\n3\s+<none>\n/);
  await ok(["rollout", "undo", "deployment/web", "--to-revision=2"]);
  await ok(["rollout", "status", "deployment/web", "--timeout=30s"]);
  assert.is(await imageOf(), "nginx:1.28");
});

test("rollout pause / resume / restart", async () => {
  assert.match(await ok(["rollout", "pause", "deployment/web"]), "deployment.apps/web paused");
  await ok(["set", "image", "deployment/web", "nginx=nginx:1.29"]);
  await new Promise((r) => setTimeout(r, 300));
  const paused = (await cluster.client.resource<Deployment>("deployments.apps").get("web", { namespace: "default" })) as Deployment;
  assert.ok(paused.status!.conditions!.some((c) => c.reason === "DeploymentPaused"));
  const sets = (await cluster.client.resource<ReplicaSet>("replicasets.apps").list({ namespace: "default" })).items as ReplicaSet[];
  assert.not.ok(sets.some((r) => r.spec!.template!.spec!.containers[0]!.image === "nginx:1.29"), "paused: no rollout");
  const undoPaused = await k.run(["rollout", "undo", "deployment/web"]);
  assert.is.not(undoPaused.code, 0);
  assert.match(undoPaused.stderr, "you cannot rollback a paused deployment; resume it first");
  assert.match(await ok(["rollout", "resume", "deployment/web"]), "deployment.apps/web resumed");
  await ok(["rollout", "status", "deployment/web", "--timeout=30s"]);
  assert.is(await imageOf(), "nginx:1.29");
  assert.match(await ok(["rollout", "restart", "deployment/web"]), "deployment.apps/web restarted");
  await ok(["rollout", "status", "deployment/web", "--timeout=30s"]);
  const restarted = (await cluster.client.resource<Deployment>("deployments.apps").get("web", { namespace: "default" })) as Deployment;
  assert.ok(restarted.spec!.template!.metadata!.annotations!["kubectl.kubernetes.io/restartedAt"]);
  assert.is(restarted.metadata!.annotations!["deployment.kubernetes.io/revision"], "6");
});

test("get deploy,rs columns match kubectl's", async () => {
  const out = await ok(["get", "deploy,rs", "-o", "wide"]);
  assert.match(out, /NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\n/);
  assert.match(out, /NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\n/);
  assert.match(out, /replicaset\.apps\/web-\w+\s+3\s+3\s+3\s+/);
});

test("describe deployment, replicaset, job and cronjob show kubectl's sections", async () => {
  const deploy = await ok(["describe", "deployment", "web"]);
  for (const line of [/^Name:\s+web$/m, /^Selector:\s+app=web$/m, /^Replicas:\s+3 desired \| 3 updated \| 3 total \| 3 available \| 0 unavailable$/m, /^StrategyType:\s+RollingUpdate$/m, /^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$/m, /^Pod Template:$/m, /^\s+Image:\s+nginx:1\.29$/m, /^Conditions:\n\s+Type\s+Status\s+Reason\n/m, /^\s+Available\s+True\s+MinimumReplicasAvailable$/m, /^\s+Progressing\s+True\s+NewReplicaSetAvailable$/m, /^NewReplicaSet:\s+web-\w+ \(3\/3 replicas created\)$/m, /^Events:\n\s+Type\s+Reason\s+Age\s+From\s+Message\n/m, /Normal\s+ScalingReplicaSet\s+.*deployment-controller\s+Scaled (up|down) replica set web-\w+ to \d+/]) assert.match(deploy, line);
  const rsName = /^NewReplicaSet:\s+(web-\w+)/m.exec(deploy)![1]!;
  const rs = await ok(["describe", "rs", rsName]);
  for (const line of [new RegExp(`^Name:\\s+${rsName}$`, "m"), /^Controlled By:\s+Deployment\/web$/m, /^Replicas:\s+3 current \/ 3 desired$/m, /^Pods Status:\s+3 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m, /Normal\s+SuccessfulCreate\s+.*replicaset-controller\s+Created pod: web-\w+-\w+/]) assert.match(rs, line);
  await ok(["create", "job", "once", "--image=busybox:1.36", "--", "true"]);
  await ok(["create", "cronjob", "nightly", "--image=busybox:1.36", "--schedule=0 3 * * *", "--", "true"]);
  await cluster.waitFor("Pod", (p: { metadata?: { labels?: Record<string, string> } }) => p.metadata?.labels?.["job-name"] === "once", { namespace: "default" });
  const job = await ok(["describe", "job", "once"]);
  for (const line of [/^Name:\s+once$/m, /^Parallelism:\s+1$/m, /^Completions:\s+1$/m, /^Completion Mode:\s+NonIndexed$/m, /^Pods Statuses:\s+\d+ Active \(\d+ Ready\) \/ 0 Succeeded \/ 0 Failed$/m, /^Pod Template:$/m, /Normal\s+SuccessfulCreate\s+.*job-controller\s+Created pod: once-\w+/]) assert.match(job, line);
  const cron = await ok(["describe", "cronjob", "nightly"]);
  for (const line of [/^Name:\s+nightly$/m, /^Schedule:\s+0 3 \* \* \*$/m, /^Concurrency Policy:\s+Allow$/m, /^Suspend:\s+False$/m, /^Successful Job History Limit:\s+3$/m, /^Failed Job History Limit:\s+1$/m, /^Last Schedule Time:\s+<unset>$/m, /^Active Jobs:\s+<none>$/m]) assert.match(cron, line);
});

test.after(async () => {
  stopKubelet();
  await server.close();
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

test.run();
