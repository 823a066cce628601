/**
 * End to end on the whole default distribution (scheduler, kubelets, containerd-like runtime,
 * kindnet, kube-proxy, controllers), driven by real kubectl 1.32: a Deployment, a Service, a Job,
 * a DaemonSet and a StatefulSet all become Ready / Complete; rollouts, undo, `kubectl get all`,
 * the Service's Endpoints and EndpointSlice, and orphan / foreground cascades as on a real cluster.
 * Real clock: kubectl talks HTTP to the cluster and waits on wall time.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cluster } from "../../core/cluster/cluster.js";
import { writeKubeconfigFor } from "../../core/apiserver/http/index.js";
import { kubectlIn } from "../clients/kubectl-runner.js";
import { KUBECTL, requireTool } from "../support/require-tool.js";

requireTool(KUBECTL);
const dir = mkdtempSync(join(tmpdir(), "kubesim-e2e-workloads-"));
const cluster = new Cluster({ clock: "real", seed: 12, nodes: 2 });
await cluster.start();
const server = await cluster.serve({ port: 0, stateDir: join(dir, "state") });
const kubeconfig = join(dir, "kubeconfig");
writeKubeconfigFor(server, kubeconfig);
const { ok, run } = kubectlIn(dir, kubeconfig);

const WORKLOADS = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports: [{containerPort: 80, name: http}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: hello}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: hello
        image: busybox:1.36
        command: ["sh", "-c", "echo hello from the job"]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers:
      - name: agent
        image: busybox:1.36
        command: ["sleep", "3600"]
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{port: 6379}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - name: redis
        image: redis:7
        ports: [{containerPort: 6379}]
`;

test("apply: every workload becomes Ready or Complete; rollout status succeeds; kubectl wait and logs for the Job", async () => {
  const applied = await ok(["apply", "-f", "-"], WORKLOADS);
  assert.equal(applied.trim().split("\n"), ["deployment.apps/web created", "service/web created", "job.batch/hello created", "daemonset.apps/agent created", "service/db created", "statefulset.apps/db created"]);
  assert.match(await ok(["rollout", "status", "deployment/web", "--timeout=60s"]), 'deployment "web" successfully rolled out');
  assert.match(await ok(["rollout", "status", "daemonset/agent", "--timeout=60s"]), 'daemon set "agent" successfully rolled out');
  assert.match(await ok(["rollout", "status", "statefulset/db", "--timeout=60s"]), "partitioned roll out complete: 2 new pods have been updated...");
  assert.match(await ok(["wait", "--for=condition=Complete", "job/hello", "--timeout=60s"]), "job.batch/hello condition met");
  assert.is(await ok(["logs", "job/hello"]), "hello from the job\n");
});

test("kubectl get all lists every kind in kubectl's sections and columns; the DaemonSet has a pod per node", async () => {
  // Nodes a DaemonSet pod without tolerations can land on: those without NoSchedule taints (the control plane has one).
  const taints = (await ok(["get", "nodes", "-o", "jsonpath={range .items[*]}{.spec.taints[*].effect}{\"\\n\"}{end}"])).split("\n").slice(0, -1);
  const nodes = taints.filter((t) => !t.includes("NoSchedule")).length;
  assert.ok(nodes >= 1);
  const all = await ok(["get", "all"]);
  const sections = all.trim().split("\n\n");
  const header = (prefix: string): string => sections.find((s) => s.split("\n")[1]?.startsWith(prefix))?.split("\n")[0] ?? `(no ${prefix} section)\n${all}`;
  assert.match(header("pod/"), /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
  assert.match(header("service/"), /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/);
  assert.match(header("daemonset.apps/"), /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE$/);
  assert.match(header("deployment.apps/"), /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/);
  assert.match(header("replicaset.apps/"), /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE$/);
  assert.match(header("statefulset.apps/"), /^NAME\s+READY\s+AGE$/);
  assert.match(header("job.batch/"), /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE$/);
  assert.match(all, new RegExp(`daemonset\\.apps/agent\\s+${nodes}\\s+${nodes}\\s+${nodes}\\s+${nodes}\\s+${nodes}\\s+<none>`));
  assert.match(all, /deployment\.apps\/web\s+2\/2\s+2\s+2\s/);
  assert.match(all, /replicaset\.apps\/web-[a-z0-9]{9,10}\s+2\s+2\s+2\s/);
  assert.match(all, /statefulset\.apps\/db\s+2\/2\s/);
  assert.match(all, /job\.batch\/hello\s+Complete\s+1\/1\s/);
  assert.match(all, /pod\/db-0\s+1\/1\s+Running\s+0\s/);
  assert.match(all, /pod\/hello-[a-z0-9]{5}\s+0\/1\s+Completed\s+0\s/);
  const agentNodes = (await ok(["get", "pods", "-l", "app=agent", "-o", "jsonpath={range .items[*]}{.spec.nodeName}{\"\\n\"}{end}"])).trim().split("\n");
  assert.is(new Set(agentNodes).size, nodes, "one agent pod on every node");
  assert.is(agentNodes.length, nodes);
});

test("the Service's Endpoints and EndpointSlice list the ready pods", async () => {
  const podIPs = (await ok(["get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].status.podIP}"])).trim().split(" ").sort();
  assert.is(podIPs.length, 2);
  const epIPs = (await ok(["get", "endpoints", "web", "-o", "jsonpath={.subsets[*].addresses[*].ip}"])).trim().split(" ").sort();
  assert.equal(epIPs, podIPs);
  const slice = (await ok(["get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o", "jsonpath={range .items[0].endpoints[*]}{.addresses[0]} {.conditions.ready}{\"\\n\"}{end}"])).trim().split("\n").sort();
  assert.equal(slice, podIPs.map((ip) => `${ip} true`));
  const hostnames = (await ok(["get", "endpoints", "db", "-o", "jsonpath={.subsets[*].addresses[*].hostname}"])).trim().split(" ").sort();
  assert.equal(hostnames, ["db-0", "db-1"], "the headless Service's Endpoints name the StatefulSet pods");
});

test("an image change rolls out a new ReplicaSet; rollout undo restores the old one", async () => {
  const rsOf = async (): Promise<string[]> => (await ok(["get", "rs", "-l", "app=web", "-o", "jsonpath={range .items[*]}{.metadata.name} {.spec.replicas} {.spec.template.spec.containers[0].image}{\"\\n\"}{end}"])).trim().split("\n").sort();
  const [first] = await rsOf();
  const firstName = first!.split(" ")[0]!;
  await ok(["set", "image", "deployment/web", "nginx=nginx:1.26"]);
  await ok(["rollout", "status", "deployment/web", "--timeout=60s"]);
  const rolled = await rsOf();
  assert.is(rolled.length, 2);
  assert.ok(rolled.some((l) => l.endsWith(" 2 nginx:1.26") && !l.startsWith(firstName)), rolled.join("\n"));
  assert.ok(rolled.includes(`${firstName} 0 nginx:1.27`), rolled.join("\n"));
  assert.match(await ok(["rollout", "undo", "deployment/web"]), "deployment.apps/web rolled back");
  await ok(["rollout", "status", "deployment/web", "--timeout=60s"]);
  const undone = await rsOf();
  assert.ok(undone.includes(`${firstName} 2 nginx:1.27`), `the first ReplicaSet is back: ${undone.join("\n")}`);
  // The Service follows the rollout: its Endpoints list the restored pods.
  const ready = (await ok(["get", "pods", "-l", `pod-template-hash=${firstName.slice("web-".length)}`, "-o", "jsonpath={.items[*].status.podIP}"])).trim().split(" ").sort();
  await waitUntil(async () => (await ok(["get", "endpoints", "web", "-o", "jsonpath={.subsets[*].addresses[*].ip}"])).trim().split(" ").sort().join() === ready.join());
});

test("kubectl create job --from=cronjob: a manual run of a CronJob's template completes; get cronjob columns", async () => {
  await ok(["create", "cronjob", "tick", "--image=busybox:1.36", "--schedule=0 3 * * *", "--", "sh", "-c", "echo tick"]);
  assert.match(await ok(["get", "cronjob", "tick"]), /^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\ntick\s+0 3 \* \* \*\s+<none>\s+False\s+0\s+<none>\s+/);
  assert.match(await ok(["create", "job", "tick-manual", "--from=cronjob/tick"]), "job.batch/tick-manual created");
  const owner = await ok(["get", "job", "tick-manual", "-o", "jsonpath={.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name} {.metadata.annotations.cronjob\\.kubernetes\\.io/instantiate}"]);
  assert.is(owner, "CronJob/tick manual");
  await ok(["wait", "--for=condition=Complete", "job/tick-manual", "--timeout=60s"]);
  assert.is(await ok(["logs", "job/tick-manual"]), "tick\n");
});

test("cascades: orphan keeps the ReplicaSets and pods, foreground removes the StatefulSet's pods before it", async () => {
  const rsBefore = (await ok(["get", "rs", "-l", "app=web", "-o", "name"])).trim().split("\n");
  await ok(["delete", "deployment", "web", "--cascade=orphan"]);
  const rsAfter = (await ok(["get", "rs", "-l", "app=web", "-o", "name"])).trim().split("\n");
  assert.equal(rsAfter, rsBefore, "orphaned ReplicaSets stay");
  const owners = (await ok(["get", "rs", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.ownerReferences}"])).trim();
  assert.is(owners, "", "and lose their owner reference");
  await ok(["delete", "statefulset", "db", "--cascade=foreground", "--timeout=60s"]);
  await waitUntil(async () => (await run(["get", "pods", "-l", "app=db", "-o", "name"])).stdout.trim() === "");
  const left = await run(["get", "statefulset", "db"]);
  assert.match(left.stderr, 'statefulsets.apps "db" not found');
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 200));
  }
}

test.after(async () => {
  await server.close();
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

test.run();
