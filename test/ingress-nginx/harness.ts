/** Shared pieces of the ingress-nginx end-to-end tests: echo server apps, requests to the host ports, waiting for the webhook. */
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { X509Certificate } from "node:crypto";
import type { TLSSocket } from "node:tls";
import type { Ingress } from "kubernetes-types/networking/v1.js";
import type { Client } from "../../core/client/client.js";
import type { Cluster } from "../../core/cluster/cluster.js";
import type { KubeObject } from "../../core/api/object.js";
import { isStatusError } from "../../core/api/status.js";

/** The conformance echo server's answer. */
export interface Echo { path: string; host: string; method: string; headers: Record<string, string[]>; service: string; pod: string; namespace: string }

/** A Deployment of the conformance echo server and its Service (`port` → 3000), as YAML. */
export function echoApp(name: string, options: { namespace?: string; replicas?: number; port?: number } = {}): string {
  const ns = options.namespace ?? "default";
  return `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  replicas: ${options.replicas ?? 1}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: echo
        image: gcr.io/k8s-staging-ingressconformance/echoserver:v20221109-7ee2f3e
        ports: [{containerPort: 3000}]
        env:
        - {name: SERVICE_NAME, value: ${name}}
        - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
        - {name: NAMESPACE, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
---
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {app: ${name}}
  ports: [{port: ${options.port ?? 80}, targetPort: 3000}]
`;
}

export interface HostResponse { status: number; body: string; headers: IncomingHttpHeaders; subject?: string }

/** One request to a host port with a Host header (fetch may not set Host); over TLS with SNI = host when `tls`. */
export function hostRequest(port: number, host: string, target: string, init: { method?: string; body?: string; headers?: Record<string, string>; tls?: boolean } = {}): Promise<HostResponse> {
  return new Promise((resolve, reject) => {
    const options = { host: "127.0.0.1", port, path: target, method: init.method ?? "GET", headers: { Host: host, ...(init.headers ?? {}) } };
    const onResponse = (res: import("node:http").IncomingMessage): void => {
      const peer = init.tls ? (res.socket as TLSSocket).getPeerX509Certificate() : undefined;
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers, ...(peer ? { subject: new X509Certificate(peer.raw).subject } : {}) }));
    };
    const req = init.tls ? httpsRequest({ ...options, servername: host, rejectUnauthorized: false }, onResponse) : httpRequest(options, onResponse);
    req.on("error", reject);
    req.end(init.body);
  });
}

/**
 * Waits until the controller's validating webhook answers (a controller pod Ready behind the
 * admission Service, its cluster IP programmed): until then the API server refuses every Ingress
 * with "failed calling webhook" (failurePolicy Fail), as it does a real cluster's. Probes with a
 * dry-run Ingress of no known class, which the webhook accepts and nothing stores.
 */
export async function waitForIngressWebhook(client: Client, timeoutMs = 90_000): Promise<void> {
  const probe: Ingress & KubeObject = { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "webhook-probe", namespace: "default" }, spec: { ingressClassName: "webhook-probe", defaultBackend: { service: { name: "none", port: { number: 80 } } } } };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await client.resource<Ingress & KubeObject>("Ingress").create(probe, { dryRun: ["All"] });
      return;
    } catch (err) {
      if (!isStatusError(err) || !err.status.message?.includes("failed calling webhook") || Date.now() > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Applies a multi-document manifest as a user does on a fresh cluster: everything but its
 * Ingresses at once, then, when the controller's webhook answers, the Ingresses (the apps start
 * while the controller becomes Ready).
 */
export async function applyWithIngresses(cluster: Cluster, manifest: string): Promise<void> {
  const docs = manifest.split(/^---/m);
  const isIngress = (doc: string): boolean => /^kind: Ingress\s*$/m.test(doc);
  await cluster.apply(docs.filter((d) => !isIngress(d)).join("\n---"));
  await waitForIngressWebhook(cluster.client);
  await cluster.apply(docs.filter(isIngress).join("\n---"));
}
