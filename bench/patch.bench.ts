/** Cost of managedFields tracking (run on every write) and of the patch functions, on a ~2 KB pod. */
import { applyServerSide, applyStrategicMergePatch, createStrategicMergePatch, updateManagedFields } from "../core/api/patch/index.js";
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
