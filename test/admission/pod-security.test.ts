/** Pod Security Admission: the baseline and restricted checks, and the plugin through the API server (enforce, warn, templates, namespace changes, exemptions). */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Container, PodSpec } from "kubernetes-types/core/v1.js";
import { evaluatePod, forbiddenDetail } from "../../core/apiserver/admission/pod-security/index.js";
import type { KubeObject } from "../../core/api/object.js";
import type { RequestContext } from "../../core/apiserver/api-server-contract.js";
import { statusOf, testControlPlane } from "../support/control-plane.js";

const RESTRICTED_SC = { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } };
const c = (name: string, extra: Partial<Container> = {}): Container => ({ name, image: "nginx", ...extra });
const spec = (extra: Partial<PodSpec>): PodSpec => ({ containers: [c("c")], ...extra });

const CASES: { name: string; level: "baseline" | "restricted"; spec: PodSpec; want: string }[] = [
  { name: "a plain pod is baseline", level: "baseline", spec: spec({}), want: "" },
  { name: "host namespaces", level: "baseline", spec: spec({ hostNetwork: true, hostPID: true }), want: "host namespaces (hostNetwork=true, hostPID=true)" },
  { name: "privileged containers", level: "baseline", spec: spec({ containers: [c("a", { securityContext: { privileged: true } }), c("b", { securityContext: { privileged: true } })] }), want: 'privileged (containers "a", "b" must not set securityContext.privileged=true)' },
  { name: "non-default capabilities", level: "baseline", spec: spec({ containers: [c("a", { securityContext: { capabilities: { add: ["NET_ADMIN", "CHOWN", "SYS_TIME"] } } })] }), want: 'non-default capabilities (container "a" must not include "NET_ADMIN", "SYS_TIME" in securityContext.capabilities.add)' },
  { name: "hostPath volumes", level: "baseline", spec: spec({ volumes: [{ name: "root", hostPath: { path: "/" } }] }), want: 'hostPath volumes (volume "root")' },
  { name: "host ports", level: "baseline", spec: spec({ containers: [c("a", { ports: [{ containerPort: 80, hostPort: 80 }, { containerPort: 443, hostPort: 443 }] })] }), want: 'hostPort (container "a" uses hostPorts 80, 443)' },
  { name: "procMount", level: "baseline", spec: spec({ containers: [c("a", { securityContext: { procMount: "Unmasked" } })] }), want: 'procMount (container "a" must not set securityContext.procMount to "Unmasked")' },
  { name: "unconfined seccomp", level: "baseline", spec: spec({ securityContext: { seccompProfile: { type: "Unconfined" } } }), want: 'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")' },
  { name: "unsafe sysctls", level: "baseline", spec: spec({ securityContext: { sysctls: [{ name: "kernel.msgmax", value: "1" }, { name: "net.ipv4.tcp_syncookies", value: "1" }] } }), want: "forbidden sysctls (kernel.msgmax)" },
  { name: "seLinux type", level: "baseline", spec: spec({ securityContext: { seLinuxOptions: { type: "spc_t" } } }), want: 'seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type "spc_t")' },
  {
    name: "the restricted defaults a plain pod misses",
    level: "restricted",
    spec: spec({}),
    want: 'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  },
  { name: "a restricted pod", level: "restricted", spec: spec({ containers: [c("c", { securityContext: RESTRICTED_SC })] }), want: "" },
  { name: "pod-level settings count for every container", level: "restricted", spec: spec({ securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } }, containers: [c("c", { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } } })] }), want: "" },
  { name: "restricted volume types; hostPath reported once", level: "restricted", spec: spec({ containers: [c("c", { securityContext: RESTRICTED_SC })], volumes: [{ name: "h", hostPath: { path: "/" } }, { name: "n", nfs: { server: "s", path: "/" } }, { name: "e", emptyDir: {} }] }), want: 'restricted volume types (volumes "h", "n" use restricted volume types "hostPath", "nfs")' },
  { name: "runAsUser=0 and runAsNonRoot=false", level: "restricted", spec: spec({ securityContext: { runAsUser: 0, seccompProfile: { type: "RuntimeDefault" } }, containers: [c("c", { securityContext: { ...RESTRICTED_SC, runAsNonRoot: false } })] }), want: 'runAsNonRoot != true (container "c" must not set securityContext.runAsNonRoot=false), runAsUser=0 (pod must not set runAsUser=0)' },
  { name: "adding capabilities beyond NET_BIND_SERVICE", level: "restricted", spec: spec({ containers: [c("c", { securityContext: { ...RESTRICTED_SC, capabilities: { drop: ["ALL"], add: ["SYS_TIME"] } } })] }), want: 'unrestricted capabilities (container "c" must not include "SYS_TIME" in securityContext.capabilities.add)' },
  { name: "init containers are checked too", level: "restricted", spec: spec({ initContainers: [c("init")], containers: [c("c", { securityContext: RESTRICTED_SC })] }), want: 'allowPrivilegeEscalation != false (container "init" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "init" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "init" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "init" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")' },
];

for (const tc of CASES) {
  test(`${tc.level}: ${tc.name}`, () => {
    assert.is(forbiddenDetail(evaluatePod(tc.level, {}, tc.spec)), tc.want);
  });
}

// ---------------------------------------------------------------- policy versions

const PLAIN_RESTRICTED = CASES.find((t) => t.name === "the restricted defaults a plain pod misses")!.want;
const VERSION_CASES: { name: string; level: "baseline" | "restricted"; version: string; spec: PodSpec; want: string; meta?: Record<string, string> }[] = [
  { name: "restricted v1.18 predates seccompProfile_restricted and capabilities_restricted", level: "restricted", version: "v1.18", spec: spec({}), want: 'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true)' },
  { name: "restricted v1.19 requires a seccomp profile", level: "restricted", version: "v1.19", spec: spec({}), want: 'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")' },
  { name: "restricted v1.22 drops ALL capabilities", level: "restricted", version: "v1.22", spec: spec({}), want: PLAIN_RESTRICTED },
  { name: "v1.99 is the newest policy", level: "restricted", version: "v1.99", spec: spec({}), want: PLAIN_RESTRICTED },
  { name: "allowPrivilegeEscalation starts at v1.8", level: "restricted", version: "v1.7", spec: spec({ securityContext: { runAsNonRoot: true } }), want: "" },
  { name: "before v1.22 restricted still runs capabilities_baseline", level: "restricted", version: "v1.21", spec: spec({ securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } }, containers: [c("c", { securityContext: { allowPrivilegeEscalation: false, capabilities: { add: ["SYS_TIME"] } } })] }), want: 'non-default capabilities (container "c" must not include "SYS_TIME" in securityContext.capabilities.add)' },
  { name: "runAsUser=0 is allowed before v1.23", level: "restricted", version: "v1.22", spec: spec({ securityContext: { runAsUser: 0 }, containers: [c("c", { securityContext: RESTRICTED_SC })] }), want: "" },
  { name: "runAsUser=0 is refused from v1.23", level: "restricted", version: "v1.23", spec: spec({ securityContext: { runAsUser: 0 }, containers: [c("c", { securityContext: RESTRICTED_SC })] }), want: "runAsUser=0 (pod must not set runAsUser=0)" },
  { name: "Windows pods are not exempt from the Linux-only checks before v1.25", level: "restricted", version: "v1.24", spec: spec({ os: { name: "windows" }, securityContext: { runAsNonRoot: true } }), want: 'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")' },
  { name: "Windows pods are exempt from them from v1.25", level: "restricted", version: "v1.25", spec: spec({ os: { name: "windows" }, securityContext: { runAsNonRoot: true } }), want: "" },
  { name: "baseline before v1.19 checks the alpha seccomp annotations, not the fields", level: "baseline", version: "v1.18", meta: { "seccomp.security.alpha.kubernetes.io/pod": "unconfined", "container.seccomp.security.alpha.kubernetes.io/c": "docker/default" }, spec: spec({ securityContext: { seccompProfile: { type: "Unconfined" } } }), want: 'seccompProfile (forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined")' },
  { name: "baseline from v1.19 checks the fields, not the annotations", level: "baseline", version: "v1.19", meta: { "seccomp.security.alpha.kubernetes.io/pod": "unconfined" }, spec: spec({ securityContext: { seccompProfile: { type: "Unconfined" } } }), want: 'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")' },
  { name: "net.ipv4.ip_local_reserved_ports is safe from v1.27", level: "baseline", version: "v1.26", spec: spec({ securityContext: { sysctls: [{ name: "net.ipv4.ip_local_reserved_ports", value: "1" }, { name: "net.ipv4.tcp_rmem", value: "1" }] } }), want: "forbidden sysctls (net.ipv4.ip_local_reserved_ports, net.ipv4.tcp_rmem)" },
  { name: "the tcp keepalive sysctls are safe from v1.29, tcp_rmem from v1.32", level: "baseline", version: "v1.29", spec: spec({ securityContext: { sysctls: [{ name: "net.ipv4.tcp_keepalive_time", value: "1" }, { name: "net.ipv4.tcp_rmem", value: "1" }] } }), want: "forbidden sysctls (net.ipv4.tcp_rmem)" },
  { name: "tcp_rmem at latest", level: "baseline", version: "latest", spec: spec({ securityContext: { sysctls: [{ name: "net.ipv4.tcp_rmem", value: "1" }] } }), want: "" },
  { name: "container_engine_t is an allowed SELinux type from v1.31", level: "baseline", version: "v1.30", spec: spec({ securityContext: { seLinuxOptions: { type: "container_engine_t" } } }), want: 'seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type "container_engine_t")' },
  { name: "container_engine_t at v1.31", level: "baseline", version: "v1.31", spec: spec({ securityContext: { seLinuxOptions: { type: "container_engine_t" } } }), want: "" },
];

for (const tc of VERSION_CASES) {
  test(`${tc.level}:${tc.version}: ${tc.name}`, () => {
    assert.is(forbiddenDetail(evaluatePod(tc.level, { annotations: tc.meta ?? {} }, tc.spec, tc.version)), tc.want);
  });
}

test("privileged allows anything", () => {
  assert.equal(evaluatePod("privileged", {}, spec({ hostNetwork: true, containers: [c("a", { securityContext: { privileged: true } })] })), []);
});

// ---------------------------------------------------------------- through the API server

const cp = await testControlPlane({ podSecurity: { exemptions: { usernames: ["system:serviceaccount:kube-system:replicaset-controller"], namespaces: ["exempt"] } } });
const pods = cp.registry.byGroupVersionResource("", "v1", "pods")!;
const namespaces = cp.registry.byGroupVersionResource("", "v1", "namespaces")!;
const deployments = cp.registry.byGroupVersionResource("apps", "v1", "deployments")!;
const ADMIN = { username: "kubernetes-admin", groups: ["system:masters", "system:authenticated"] };

async function namespace(name: string, labels: Record<string, string>): Promise<void> {
  await cp.apiServer.create(namespaces, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } });
}
const pod = (name: string, ns: string, podSpec: PodSpec = spec({})): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: ns }, spec: podSpec }) as unknown as KubeObject;
async function createWithWarnings(type: typeof pods, ns: string, obj: KubeObject, user = ADMIN): Promise<string[]> {
  const ctx: RequestContext = { user, warnings: [] };
  await cp.apiServer.create(type, ns, obj, {}, ctx);
  return ctx.warnings ?? [];
}

test("enforce refuses a violating pod with upstream's message; warn adds a Warning; a compliant pod passes silently", async () => {
  await namespace("secure", { "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted" });
  const err = await statusOf(cp.apiServer.create(pods, "secure", pod("x", "secure"), {}, { user: ADMIN }));
  assert.is(err.code, 403);
  assert.is(err.status.reason, "Forbidden");
  assert.is(err.message, `pods "x" is forbidden: violates PodSecurity "restricted:latest": ${CASES.find((t) => t.name === "the restricted defaults a plain pod misses")!.want}`);
  assert.equal(await createWithWarnings(pods, "secure", pod("ok", "secure", spec({ containers: [c("c", { securityContext: RESTRICTED_SC })] }))), []);

  await namespace("watched", { "pod-security.kubernetes.io/warn": "baseline", "pod-security.kubernetes.io/warn-version": "v1.30" });
  const warnings = await createWithWarnings(pods, "watched", pod("hostnet", "watched", spec({ hostNetwork: true })));
  assert.equal(warnings, ['would violate PodSecurity "baseline:v1.30": host namespaces (hostNetwork=true)']);
});

test("enforce-version pins the policy: restricted:v1.18 admits a pod without a seccomp profile that restricted:latest refuses", async () => {
  const compliantAt118 = spec({ securityContext: { runAsNonRoot: true }, containers: [c("c", { securityContext: { allowPrivilegeEscalation: false } })] });
  await namespace("pinned", { "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "v1.18", "pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/warn-version": "v1.25" });
  const warnings = await createWithWarnings(pods, "pinned", pod("old", "pinned", compliantAt118));
  assert.equal(warnings, ['would violate PodSecurity "restricted:v1.25": unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")']);
  const refused = await statusOf(cp.apiServer.create(pods, "secure", pod("old", "secure", compliantAt118), {}, { user: ADMIN }));
  assert.is(refused.code, 403);
  assert.match(refused.message, 'violates PodSecurity "restricted:latest": unrestricted capabilities');
  // Moving enforce to v1.25 warns about the pod v1.25 would refuse.
  const current = await cp.apiServer.get(namespaces, undefined, "pinned");
  const ctx: RequestContext = { user: ADMIN, warnings: [] };
  await cp.apiServer.update(namespaces, undefined, "pinned", { ...current, metadata: { ...current.metadata, labels: { ...current.metadata?.labels, "pod-security.kubernetes.io/enforce-version": "v1.25" } } }, {}, ctx);
  assert.equal(ctx.warnings, ['existing pods in namespace "pinned" violate the new PodSecurity enforce level "restricted:v1.25"', "old: unrestricted capabilities, seccompProfile"]);
});

test("pod controllers' templates are warned about, never refused", async () => {
  const deployment = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "secure" }, spec: { selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: spec({ hostPID: true }) } } } as unknown as KubeObject;
  const warnings = await createWithWarnings(deployments, "secure", deployment);
  assert.is(warnings.length, 1);
  assert.match(warnings[0]!, /^would violate PodSecurity "restricted:latest": host namespaces \(hostPID=true\), allowPrivilegeEscalation != false/);
});

test("exempt namespaces and users are not checked", async () => {
  await namespace("exempt", { "pod-security.kubernetes.io/enforce": "restricted" });
  assert.equal(await createWithWarnings(pods, "exempt", pod("free", "exempt", spec({ hostNetwork: true }))), []);
  const controller = { username: "system:serviceaccount:kube-system:replicaset-controller", groups: ["system:serviceaccounts", "system:authenticated"] };
  assert.equal(await createWithWarnings(pods, "secure", pod("by-controller", "secure"), controller), []);
});

test("invalid labels are refused on the namespace; tightening enforce warns about existing pods, grouped by reasons", async () => {
  const bad = await statusOf(cp.apiServer.create(namespaces, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: "typo", labels: { "pod-security.kubernetes.io/enforce": "strict" } } }));
  assert.is(bad.code, 422);
  assert.match(bad.message, 'metadata.labels[pod-security.kubernetes.io/enforce]: Unsupported value: "strict": supported values: "privileged", "baseline", "restricted"');

  await namespace("legacy", {});
  for (const name of ["b", "a", "c"]) await cp.apiServer.create(pods, "legacy", pod(name, "legacy"), {}, { user: ADMIN });
  await cp.apiServer.create(pods, "legacy", pod("host", "legacy", spec({ hostNetwork: true })), {}, { user: ADMIN });
  const current = await cp.apiServer.get(namespaces, undefined, "legacy");
  const ctx: RequestContext = { user: ADMIN, warnings: [] };
  await cp.apiServer.update(namespaces, undefined, "legacy", { ...current, metadata: { ...current.metadata, labels: { ...current.metadata?.labels, "pod-security.kubernetes.io/enforce": "baseline" } } }, {}, ctx);
  assert.equal(ctx.warnings, ['existing pods in namespace "legacy" violate the new PodSecurity enforce level "baseline:latest"', "host: host namespaces"]);

  const again = await cp.apiServer.get(namespaces, undefined, "legacy");
  const ctx2: RequestContext = { user: ADMIN, warnings: [] };
  await cp.apiServer.update(namespaces, undefined, "legacy", { ...again, metadata: { ...again.metadata, labels: { ...again.metadata?.labels, "pod-security.kubernetes.io/enforce": "restricted" } } }, {}, ctx2);
  assert.equal(ctx2.warnings, [
    'existing pods in namespace "legacy" violate the new PodSecurity enforce level "restricted:latest"',
    "a (and 2 other pods): allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile",
    "host: host namespaces, allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile",
  ]);
});

test.run();
