/** Cost of managedFields tracking (run on every write) and of the patch functions, on a ~2 KB pod. */
import { applyServerSide, applyStrategicMergePatch, createStrategicMergePatch, managedFieldsAfterUpdate, updateManagedFields } from "../core/api/patch/index.js";
import { withManagedFields } from "../core/api/patch/managed-fields.js";
import { asGoJson } from "../core/api/patch/go-json.js";
import { zeroShapeFor } from "../core/api/patch/zero-shape.js";
import type { JsonObject } from "../core/api/patch/json-value.js";
import { cloneSharing } from "../core/api/clone.js";
import type { KubeObject } from "../core/api/object.js";

function pod(i: number): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `web-${i}`, namespace: "default", labels: { app: "web", tier: "front", "pod-template-hash": "abc123" }, annotations: { "kubesim.io/note": "x".repeat(64) }, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-abc123", uid: "u-1", controller: true, blockOwnerDeletion: true }] },
    spec: {
      containers: [
        { name: "web", image: "nginx:1.27", ports: [{ containerPort: 80, protocol: "TCP" }], env: [{ name: "A", value: "1" }, { name: "B", value: "2" }, { name: "C", value: "3" }], resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } }, volumeMounts: [{ name: "data", mountPath: "/data" }, { name: "kube-api-access", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", readOnly: true }], readinessProbe: { httpGet: { path: "/healthz", port: 80 }, periodSeconds: 5 } },
        { name: "sidecar", image: "envoy:1.30", ports: [{ containerPort: 9901, protocol: "TCP" }], resources: { requests: { cpu: "50m" } } },
      ],
      volumes: [{ name: "data", emptyDir: {} }, { name: "kube-api-access", projected: { sources: [{ serviceAccountToken: { path: "token", expirationSeconds: 3607 } }] } }],
      tolerations: [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }],
      restartPolicy: "Always", terminationGracePeriodSeconds: 30, dnsPolicy: "ClusterFirst", serviceAccountName: "default", schedulerName: "default-scheduler",
    },
    status: { phase: "Pending", qosClass: "Burstable" },
  };
}

function bench(name: string, n: number, fn: (i: number) => unknown): void {
  for (let i = 0; i < Math.min(n, 2000); i++) fn(i);
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  const ns = Number(process.hrtime.bigint() - start) / n;
  console.log(`${name.padEnd(58)} ${(ns / 1000).toFixed(2).padStart(8)} µs/op  ${Math.round(1e9 / ns).toLocaleString("en-US").padStart(10)} ops/s`);
}

const now = new Date("2025-01-01T00:00:00Z");
const base = updateManagedFields(undefined, pod(0), { manager: "kube-controller-manager", now });
console.log(`pod JSON size: ${JSON.stringify(pod(0)).length} bytes (with managedFields ${JSON.stringify(base).length})`);

bench("updateManagedFields: create (no old object)", 20000, (i) => updateManagedFields(undefined, pod(i), { manager: "m", now }));
bench("updateManagedFields: label change, structure shared", 50000, (i) =>
  updateManagedFields(base, { ...base, metadata: { ...base.metadata, labels: { ...base.metadata!.labels, rev: String(i) } } }, { manager: "editor", now }));
bench("updateManagedFields: status update (status subresource)", 50000, (i) =>
  updateManagedFields(base, { ...base, status: { phase: "Running", podIP: `10.0.0.${i % 250}` } }, { manager: "kubelet", subresource: "status", now }));
const decoded = JSON.parse(JSON.stringify(base)) as KubeObject;
bench("updateManagedFields: image change, object decoded from JSON", 20000, (i) => {
  const next = JSON.parse(JSON.stringify(decoded)) as any;
  next.spec.containers[0].image = `nginx:${i}`;
  return updateManagedFields(decoded, next, { manager: "kubectl-edit", now });
});
bench("JSON.parse(JSON.stringify(pod)) for reference", 20000, () => JSON.parse(JSON.stringify(decoded)));
bench("applyStrategicMergePatch: container image", 50000, (i) => applyStrategicMergePatch(base, { spec: { containers: [{ name: "web", image: `nginx:${i}` }] } }, "Pod"));
const modified = applyStrategicMergePatch(base, { spec: { containers: [{ name: "web", image: "nginx:2" }] } }, "Pod");
bench("createStrategicMergePatch: two-way, one field changed", 20000, () => createStrategicMergePatch(base, modified, "Pod"));
const applied = { apiVersion: "v1", kind: "Pod", metadata: { name: "web-0", namespace: "default" }, spec: { containers: [{ name: "web", image: "nginx:1.27" }] } };
const ssaLive = applyServerSide(base, applied, { manager: "ssa", now, force: true }).object;
bench("applyServerSide: re-apply small config to a ~2 KB pod", 20000, (i) => applyServerSide(ssaLive, { ...applied, spec: { containers: [{ name: "web", image: `nginx:${i % 2}` }] } }, { manager: "ssa", now, force: true }));

// ---- A pod's writes as the controllers bench makes them, through the pieces this directory owns.
// ReplicaSet controller create, then the kubelet's two status patches (Pending with its conditions,
// then Running with its pod IP): the kubelet's two-way diff, the server's strategic merge, the Go
// form and field tracking, each write on the object the previous one stored. Timed in CPU time
// (process.cpuUsage: other processes on the machine do not count), min and median of rounds.
const shape = zeroShapeFor("v1", "Pod");
const T0 = Date.parse("2026-01-01T00:00:16Z");
function templatePod(i: number): KubeObject {
  return {
    apiVersion: "v1", kind: "Pod",
    metadata: { generateName: "web-5d8f9c7b6-", name: `web-5d8f9c7b6-${i.toString(36).padStart(5, "x")}`, namespace: "default", labels: { app: "web", "pod-template-hash": "5d8f9c7b6" }, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-5d8f9c7b6", uid: "1cdc351d-dda5-4697-9fd0-0b02626ea1be", controller: true, blockOwnerDeletion: true }] },
    spec: { containers: [{ name: "nginx", image: "nginx:1.27", ports: [{ containerPort: 80, protocol: "TCP" }], resources: {}, terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: "File", imagePullPolicy: "IfNotPresent" }], restartPolicy: "Always", terminationGracePeriodSeconds: 30, dnsPolicy: "ClusterFirst", securityContext: {}, schedulerName: "default-scheduler", enableServiceLinks: true },
    status: { phase: "Pending", qosClass: "BestEffort" },
  };
}
function condition(type: string, status: string, at: number, reason?: string): Record<string, unknown> {
  const c: Record<string, unknown> = { type, status, lastTransitionTime: new Date(at).toISOString().replace(".000Z", "Z"), lastProbeTime: null };
  if (reason) Object.assign(c, { reason, message: "containers with unready status: [nginx]" });
  return c;
}
function pendingStatus(i: number, at: number): Record<string, unknown> {
  const host = `172.18.0.${10 + (i % 10)}`;
  return {
    phase: "Pending", qosClass: "BestEffort",
    conditions: [condition("PodReadyToStartContainers", "False", at), condition("Initialized", "True", at), condition("Ready", "False", at, "ContainersNotReady"), condition("ContainersReady", "False", at, "ContainersNotReady"), condition("PodScheduled", "True", at)],
    hostIP: host, hostIPs: [{ ip: host }], startTime: new Date(at).toISOString().replace(".000Z", "Z"),
    containerStatuses: [{ name: "nginx", state: { waiting: { reason: "ContainerCreating" } }, lastState: {}, ready: false, restartCount: 0, image: "nginx:1.27", imageID: "", started: false }],
  };
}
function runningStatus(i: number, before: number, at: number): Record<string, unknown> {
  const s = pendingStatus(i, before);
  s["phase"] = "Running";
  s["conditions"] = [condition("PodReadyToStartContainers", "True", at), condition("Initialized", "True", before), condition("Ready", "True", at), condition("ContainersReady", "True", at), condition("PodScheduled", "True", before)];
  s["containerStatuses"] = [{ name: "nginx", state: { running: { startedAt: new Date(at).toISOString().replace(".000Z", "Z") } }, lastState: {}, ready: true, restartCount: 0, image: "nginx:1.27", imageID: "docker.io/library/nginx@sha256:09f156ac04c66fe890e7fa2be72cdcb8d610d9b581a5f06e2f17593d250ccbac", containerID: `containerd://${i.toString(16).padStart(64, "0")}`, started: true }];
  // Unique per pod, as in one run of the controllers bench.
  s["podIP"] = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  s["podIPs"] = [{ ip: s["podIP"] }];
  return s;
}
/** One pod's three writes; returns the stored object. */
function podLifecycle(i: number): KubeObject {
  // 50 pods a second, as a 1,000-replica rollout's creates come.
  const at = T0 + Math.floor(i / 50) * 1000;
  const created = asGoJson(templatePod(i), shape) as KubeObject;
  let stored = withManagedFields(created, managedFieldsAfterUpdate(undefined, created, { manager: "kube-controller-manager", now: new Date(at) }));
  // The binding (no field tracking): the node, and the scheduler's condition.
  const bound = stored as KubeObject & { spec: object; status: object };
  stored = { ...bound, spec: { ...bound.spec, nodeName: `node-${i % 10}` }, status: { ...bound.status, conditions: [condition("PodScheduled", "True", at)] } };
  for (const status of [pendingStatus(i, at), runningStatus(i, at, at + 3000)]) {
    const patch = createStrategicMergePatch({ status: stored.status }, { status }, "Pod", { nullIsUnset: true }) as KubeObject;
    const patched = asGoJson(applyStrategicMergePatch(stored, { metadata: { uid: "u" }, status: patch.status }, "Pod") as JsonObject, shape, stored) as KubeObject;
    const draft = { ...stored, metadata: { ...stored.metadata }, status: cloneSharing(patched.status, stored.status) } as KubeObject;
    const entries = managedFieldsAfterUpdate(stored, draft, { manager: "kubelet", subresource: "status", now: new Date(at + 3000) });
    stored = asGoJson(withManagedFields(draft, entries), shape, stored) as KubeObject;
  }
  return stored;
}
function cpuBench(name: string, n: number, rounds: number, fn: (i: number) => unknown): void {
  for (let i = 0; i < n; i++) fn(i);
  const per: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) fn(i + (r + 1) * n);
    const c = process.cpuUsage(c0);
    per.push((c.user + c.system) / n);
  }
  per.sort((a, b) => a - b);
  console.log(`${name.padEnd(58)} ${per[0]!.toFixed(2).padStart(8)} µs CPU/op min  ${per[per.length >> 1]!.toFixed(2).padStart(8)} median (${rounds} rounds of ${n})`);
}
cpuBench("pod lifecycle: create + 2 kubelet status patches", 2000, 9, podLifecycle);
