/** A realistic ~2 KB Pod as JSON text, varied by `i` (no strings shared between pods by accident). */
export function podJson(i: number, namespace: string): string {
  const app = `app-${i % 100}`;
  const hash = (i * 2654435761 >>> 0).toString(16).padStart(8, "0");
  const name = `${app}-${hash.slice(0, 6)}-${hash.slice(2, 7)}${i}`;
  const node = `node-${i % 5000}`;
  const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace,
      uid: `${hash}-1c2d-4e5f-8a9b-${String(i).padStart(12, "0")}`,
      creationTimestamp: "2025-01-01T00:00:00Z",
      generateName: `${app}-${hash.slice(0, 6)}-`,
      labels: { app, tier: i % 3 === 0 ? "frontend" : "backend", "pod-template-hash": hash.slice(0, 6) },
      annotations: { "kubesim.io/created-by": "bench", "prometheus.io/scrape": String(i % 2 === 0) },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: `${app}-${hash.slice(0, 6)}`, uid: `${hash}-rs`, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      nodeName: node,
      serviceAccountName: "default",
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 30,
      dnsPolicy: "ClusterFirst",
      schedulerName: "default-scheduler",
      containers: [
        {
          name: "main",
          image: `registry.example.com/team/${app}:1.${i % 10}.0`,
          ports: [{ containerPort: 8080, protocol: "TCP", name: "http" }],
          env: [
            { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "LOG_LEVEL", value: i % 7 === 0 ? "debug" : "info" },
          ],
          resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
          readinessProbe: { httpGet: { path: "/healthz", port: 8080, scheme: "HTTP" }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
          volumeMounts: [{ name: "kube-api-access", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", readOnly: true }],
          terminationMessagePath: "/dev/termination-log",
          terminationMessagePolicy: "File",
          imagePullPolicy: "IfNotPresent",
        },
      ],
      volumes: [{ name: "kube-api-access", projected: { defaultMode: 420, sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: "token" } }] } }],
      tolerations: [
        { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
        { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
      ],
    },
    status: {
      phase: "Running",
      hostIP: `192.168.${(i >> 8) & 255}.${i & 255}`,
      podIP: ip,
      podIPs: [{ ip }],
      startTime: "2025-01-01T00:00:01Z",
      qosClass: "Burstable",
      conditions: ["Initialized", "Ready", "ContainersReady", "PodScheduled"].map((type) => ({ type, status: "True", lastTransitionTime: "2025-01-01T00:00:02Z" })),
      containerStatuses: [
        {
          name: "main",
          ready: true,
          started: true,
          restartCount: 0,
          image: `registry.example.com/team/${app}:1.${i % 10}.0`,
          imageID: `registry.example.com/team/${app}@sha256:${hash.repeat(8)}`,
          containerID: `containerd://${hash.repeat(8)}`,
          state: { running: { startedAt: "2025-01-01T00:00:02Z" } },
        },
      ],
    },
  });
}
