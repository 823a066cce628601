/** kubectl (v1.32) against RBAC: auth can-i (and --list), auth whoami, --as, and a service account token forbidden, then allowed. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cluster } from "../../core/cluster/cluster.js";
import { writeKubeconfigFor } from "../../core/apiserver/http/kubeconfig-for-server.js";
import { kubectlIn } from "./kubectl-runner.js";
import { KUBECTL, requireTool } from "../support/require-tool.js";

requireTool(KUBECTL);

const dir = mkdtempSync(join(tmpdir(), "kubesim-auth-"));
// Virtual time runs on while kubectl works (auto mode fires the controllers' timers), so tokens are
// asked for a year: a test step must not outlive an hour-long token.
const cluster = new Cluster({ clock: "virtual", seed: 3, plugins: ["kube-controller-manager"] });
await cluster.start();
const server = await cluster.serve({ port: 0, stateDir: dir });
const kubeconfig = join(dir, "kubeconfig");
writeKubeconfigFor(server, kubeconfig, "kubesim");
const k = kubectlIn(dir, kubeconfig);
await k.ok(["create", "namespace", "ops"]);
await k.ok(["create", "serviceaccount", "bot", "-n", "ops"]);

/** kubectl with only `token` as credentials. */
function asToken(token: string) {
  const path = join(dir, `kubeconfig-${Math.random().toString(36).slice(2)}`);
  writeFileSync(path, [
    "apiVersion: v1", "kind: Config", "current-context: sa",
    "clusters:", `- name: c`, `  cluster:`, `    server: ${server.url}`, `    certificate-authority-data: ${Buffer.from(server.caData!).toString("base64")}`,
    "users:", `- name: sa`, `  user:`, `    token: ${token}`,
    "contexts:", `- name: sa`, `  context:`, `    cluster: c`, `    user: sa`, `    namespace: ops`, "",
  ].join("\n"));
  return kubectlIn(dir, path);
}

test("a token from kubectl create token is forbidden with kube-apiserver's text, then allowed after a RoleBinding", async () => {
  const bot = asToken((await k.ok(["create", "token", "bot", "-n", "ops", "--duration=8760h"])).trim());
  const denied = await bot.run(["get", "pods"]);
  assert.is(denied.code, 1);
  assert.is(denied.stderr, 'Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:ops:bot" cannot list resource "pods" in API group "" in the namespace "ops"\n');
  const before = await bot.run(["auth", "can-i", "list", "pods"]);
  assert.is(before.stdout, "no\n");
  assert.is(before.code, 1);
  await k.ok(["create", "rolebinding", "bot-view", "--clusterrole=view", "--serviceaccount=ops:bot", "-n", "ops"]);
  const allowed = await bot.run(["get", "pods"]);
  assert.is(allowed.code, 0, allowed.stderr);
  assert.is(allowed.stderr, "No resources found in ops namespace.\n");
  assert.is(await bot.ok(["auth", "can-i", "list", "pods"]), "yes\n");
  // view is read-only, and only in ops.
  const create = await bot.run(["create", "configmap", "x"]);
  assert.is(create.stderr, 'error: failed to create configmap: configmaps is forbidden: User "system:serviceaccount:ops:bot" cannot create resource "configmaps" in API group "" in the namespace "ops"\n');
  const elsewhere = await bot.run(["auth", "can-i", "list", "pods", "-n", "default"]);
  assert.is(elsewhere.stdout, "no\n");
  assert.is(elsewhere.code, 1);
});

test("auth can-i answers for the admin, for --as users, and for subresources and URLs", async () => {
  assert.is(await k.ok(["auth", "can-i", "delete", "nodes"]), "yes\n");
  assert.is(await k.ok(["auth", "can-i", "get", "/metrics"]), "yes\n");
  const jane = await k.run(["auth", "can-i", "get", "pods", "--as", "jane"]);
  assert.is(jane.stdout, "no\n");
  assert.is((await k.run(["auth", "can-i", "get", "/version", "--as", "jane"])).stdout, "yes\n");
  assert.is((await k.run(["auth", "can-i", "create", "pods", "--subresource", "binding", "--as", "system:kube-scheduler"])).stdout, "yes\n");
  assert.is((await k.run(["auth", "can-i", "delete", "pods", "--as", "system:kube-proxy"])).stdout, "no\n");
  assert.is((await k.run(["get", "pods", "--as", "jane"])).stderr, 'Error from server (Forbidden): pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"\n');
  assert.is((await k.run(["get", "pods", "--as", "jane", "--as-group", "system:masters"])).code, 0);
  // bot (edit in ops, not impersonate) cannot act as jane.
  const bot = asToken((await k.ok(["create", "token", "bot", "-n", "ops", "--duration=8760h"])).trim());
  const imp = await bot.run(["get", "pods", "--as", "jane"]);
  assert.is(imp.stderr, 'Error from server (Forbidden): users "jane" is forbidden: User "system:serviceaccount:ops:bot" cannot impersonate resource "users" in API group "" at the cluster scope\n');
});

test("auth can-i --list lists the rules that apply in the namespace", async () => {
  const out = await k.ok(["auth", "can-i", "--list", "--as", "system:serviceaccount:ops:bot", "-n", "ops"]);
  const lines = out.split("\n");
  assert.equal(lines[0]!.trim().split(/\s{2,}/), ["Resources", "Non-Resource URLs", "Resource Names", "Verbs"]);
  assert.ok(lines.some((l) => /^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/.test(l.trim())), out);
  assert.ok(lines.some((l) => /^\s*\[\/api\/\*\]\s+\[\]\s+\[get\]$/.test(l)), out);
  assert.ok(lines.some((l) => /^pods\s+\[\]\s+\[\]\s+\[get list watch\]$/.test(l.trim())), out);
});

test("auth whoami prints the user and groups the server authenticated", async () => {
  const admin = await k.ok(["auth", "whoami"]);
  assert.match(admin, /^ATTRIBUTE\s+VALUE\nUsername\s+kubernetes-admin\nGroups\s+\[system:masters system:authenticated\]\n$/);
  const bot = asToken((await k.ok(["create", "token", "bot", "-n", "ops", "--duration=8760h"])).trim());
  const who = await bot.ok(["auth", "whoami", "-o", "json"]);
  const review = JSON.parse(who) as { kind: string; status: { userInfo: { username: string; groups: string[]; extra?: Record<string, string[]> } } };
  assert.is(review.kind, "SelfSubjectReview");
  assert.is(review.status.userInfo.username, "system:serviceaccount:ops:bot");
  assert.equal(review.status.userInfo.groups, ["system:serviceaccounts", "system:serviceaccounts:ops", "system:authenticated"]);
});

test.after(async () => {
  await server.close();
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

test.run();
