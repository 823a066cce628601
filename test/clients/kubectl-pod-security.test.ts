/** Pod Security Admission as kubectl shows it: the refusal and the warnings, worded as upstream. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cluster } from "../../core/cluster/cluster.js";
import { writeKubeconfigFor } from "../../core/apiserver/http/kubeconfig-for-server.js";
import { kubectlIn } from "./kubectl-runner.js";
import { KUBECTL, requireTool } from "../support/require-tool.js";

requireTool(KUBECTL);

const dir = mkdtempSync(join(tmpdir(), "kubesim-psa-"));
const cluster = new Cluster({ clock: "virtual", seed: 4, nodes: 0, plugins: [] });
await cluster.start();
const server = await cluster.serve({ port: 0, stateDir: join(dir, "state") });
const kubeconfig = join(dir, "kubeconfig");
writeKubeconfigFor(server, kubeconfig, "kubesim");
const k = kubectlIn(dir, kubeconfig);

const POD = `apiVersion: v1
kind: Pod
metadata: {name: x, namespace: secure}
spec:
  containers: [{name: c, image: nginx}]
`;
const RESTRICTED = 'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")';

test("kubectl label warns about existing pods; a violating pod is refused with upstream's text", async () => {
  await k.ok(["create", "namespace", "secure"]);
  await k.ok(["apply", "-f", "-"], POD);
  const label = await k.run(["label", "namespace", "secure", "pod-security.kubernetes.io/enforce=restricted"]);
  assert.is(label.code, 0, label.stderr);
  assert.is(label.stdout, "namespace/secure labeled\n");
  assert.is(label.stderr, 'Warning: existing pods in namespace "secure" violate the new PodSecurity enforce level "restricted:latest"\nWarning: x: allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile\n');
  await k.ok(["delete", "pod", "x", "-n", "secure", "--wait=false"]);
  await cluster.client.resource("Pod").delete("x", { namespace: "secure", gracePeriodSeconds: 0 }).catch(() => undefined);
  const refused = await k.run(["apply", "-f", "-"], POD);
  assert.is(refused.code, 1);
  assert.is(refused.stderr, `Error from server (Forbidden): error when creating "STDIN": pods "x" is forbidden: violates PodSecurity "restricted:latest": ${RESTRICTED}\n`);
});

test("warn mode: the pod is created and kubectl prints the Warning; a Deployment's template only warns", async () => {
  await k.ok(["create", "namespace", "watched"]);
  await k.ok(["label", "namespace", "watched", "pod-security.kubernetes.io/warn=restricted", "pod-security.kubernetes.io/enforce=baseline"]);
  const created = await k.run(["apply", "-f", "-"], POD.replace("namespace: secure", "namespace: watched"));
  assert.is(created.code, 0, created.stderr);
  assert.is(created.stdout, "pod/x created\n");
  assert.is(created.stderr, `Warning: would violate PodSecurity "restricted:latest": ${RESTRICTED}\n`);
  const deployment = await k.run(["create", "deployment", "web", "-n", "watched", "--image=nginx"]);
  assert.is(deployment.code, 0, deployment.stderr);
  assert.is(deployment.stderr, `Warning: would violate PodSecurity "restricted:latest": ${RESTRICTED.replaceAll('"c"', '"nginx"')}\n`);
  const hostnet = await k.run(["run", "h", "-n", "watched", "--image=nginx", "--overrides", '{"spec":{"hostNetwork":true}}']);
  assert.is(hostnet.code, 1);
  assert.match(hostnet.stderr, 'Error from server (Forbidden): pods "h" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)');
});

test.after(async () => {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

test.run();
