/** Shared pieces of the ingress-nginx end-to-end tests: echo server apps and requests to the host ports. */
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { X509Certificate } from "node:crypto";
import type { TLSSocket } from "node:tls";

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
