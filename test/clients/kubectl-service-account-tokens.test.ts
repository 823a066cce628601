/** TokenRequest (`kubectl create token`) and service account tokens accepted by the API server's authenticator. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt, decodeProtectedHeader } from "jose";
import type { Pod, ServiceAccount } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import type { VirtualClock } from "../../core/clock/virtual-clock.js";
import { writeKubeconfigFor } from "../../core/apiserver/http/kubeconfig-for-server.js";
import { kubectlIn } from "./kubectl-runner.js";
import { KUBECTL, requireTool } from "../support/require-tool.js";

requireTool(KUBECTL);

const dir = mkdtempSync(join(tmpdir(), "kubesim-tokens-"));
// Time moves only when a test advances it: the API server's own informers keep timers (watch
// timeouts, bookmarks), and auto mode would jump past a token's expiry while kubectl runs.
const cluster = new Cluster({ clock: "virtual", seed: 11, plugins: [], autoAdvance: false });
await cluster.start();
const server = await cluster.serve({ port: 0, stateDir: dir });
const kubeconfig = join(dir, "kubeconfig");
writeKubeconfigFor(server, kubeconfig, "kubesim");
const k = kubectlIn(dir, kubeconfig);
const sas = cluster.client.resource<ServiceAccount>("ServiceAccount");
const robot = await sas.create({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "robot", namespace: "default" } });
// Under RBAC the service account may read what the tests read (a Role of its own: the aggregated
// `view` role stays empty without kube-controller-manager's aggregation controller, as upstream).
await k.ok(["create", "role", "reader", "--verb=get,list", "--resource=serviceaccounts,pods", "-n", "default"]);
await k.ok(["create", "rolebinding", "robot-reader", "--role=reader", "--serviceaccount=default:robot", "-n", "default"]);

const UNAUTHORIZED = /^error: You must be logged in to the server \(Unauthorized\)\n$/;

/** Runs kubectl with only `token` as credentials. */
function asToken(token: string) {
  const path = join(dir, `kubeconfig-${Math.random().toString(36).slice(2)}`);
  writeFileSync(path, [
    "apiVersion: v1", "kind: Config", "current-context: sa",
    "clusters:", `- name: c`, `  cluster:`, `    server: ${server.url}`, `    certificate-authority-data: ${Buffer.from(server.caData!).toString("base64")}`,
    "users:", `- name: sa`, `  user:`, `    token: ${token}`,
    "contexts:", `- name: sa`, `  context:`, `    cluster: c`, `    user: sa`, "",
  ].join("\n"));
  return kubectlIn(dir, path);
}

test("kubectl create token prints an ES256 JWT signed with the cluster's ECDSA P-256 key for the API server's audience", async () => {
  const token = (await k.ok(["create", "token", "robot"])).trim();
  const header = decodeProtectedHeader(token);
  assert.is(header.alg, "ES256");
  assert.type(header.kid, "string");
  const claims = decodeJwt(token) as Record<string, unknown> & { exp: number; iat: number };
  assert.is(claims["iss"], "https://kubernetes.default.svc.cluster.local");
  assert.equal(claims["aud"], ["https://kubernetes.default.svc.cluster.local"]);
  assert.is(claims["sub"], "system:serviceaccount:default:robot");
  assert.is(claims.exp - claims.iat, 3600);
  assert.equal(claims["kubernetes.io"], { namespace: "default", serviceaccount: { name: "robot", uid: robot.metadata!.uid } });
  const got = await asToken(token).run(["get", "sa", "robot", "-o", "name"]);
  assert.is(got.stdout, "serviceaccount/robot\n", got.stderr);
  const forged = token.slice(0, -4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
  assert.match((await asToken(forged).run(["get", "pods"])).stderr, UNAUTHORIZED);
});

test("--audience and --duration are honoured; a token for another audience is not accepted by the API server", async () => {
  const token = (await k.ok(["create", "token", "robot", "--audience", "vault", "--duration", "20m"])).trim();
  const claims = decodeJwt(token) as { aud: string[]; exp: number; iat: number };
  assert.equal(claims.aud, ["vault"]);
  assert.is(claims.exp - claims.iat, 1200);
  const r = await asToken(token).run(["get", "pods"]);
  assert.is(r.code, 1);
  assert.match(r.stderr, UNAUTHORIZED);
  const short = await k.run(["create", "token", "robot", "--duration", "5m"]);
  assert.is(short.code, 1);
  assert.match(short.stderr, /spec\.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes/);
  const missing = await k.run(["create", "token", "nobody"]);
  assert.match(missing.stderr, /serviceaccounts "nobody" not found/);
});

test("a token bound to a pod carries the pod and stops working when the pod is gone; an expired token is refused", async () => {
  const pod = await cluster.client.resource<Pod>("Pod").create({ apiVersion: "v1", kind: "Pod", metadata: { name: "app", namespace: "default" }, spec: { serviceAccountName: "robot", containers: [{ name: "c", image: "busybox" }] } });
  const token = (await k.ok(["create", "token", "robot", "--bound-object-kind", "Pod", "--bound-object-name", "app"])).trim();
  const claims = decodeJwt(token) as { "kubernetes.io": { pod: { name: string; uid: string } } };
  assert.equal(claims["kubernetes.io"].pod, { name: "app", uid: pod.metadata!.uid });
  assert.is((await asToken(token).run(["get", "pod", "app", "-o", "name"])).stdout, "pod/app\n");
  const wrongUid = await k.run(["create", "token", "robot", "--bound-object-kind", "Pod", "--bound-object-name", "app", "--bound-object-uid", "0000"]);
  assert.match(wrongUid.stderr, /the UID in the bound object reference \(0000\) does not match the UID in record/);
  await cluster.client.resource<Pod>("Pod").delete("app", { namespace: "default", gracePeriodSeconds: 0 });
  const after = await asToken(token).run(["get", "pods"]);
  assert.match(after.stderr, UNAUTHORIZED);

  const fresh = (await k.ok(["create", "token", "robot", "--duration", "10m"])).trim();
  assert.is((await asToken(fresh).run(["get", "sa", "robot", "-o", "name"])).stdout, "serviceaccount/robot\n");
  await (cluster.clock as VirtualClock).advance(11 * 60_000);
  assert.match((await asToken(fresh).run(["get", "pods"])).stderr, UNAUTHORIZED);
});

test.after(async () => {
  await server.close();
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

test.run();
