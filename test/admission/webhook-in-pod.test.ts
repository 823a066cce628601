/** A validating webhook served by a pod, reached through its Service's cluster IP over the simulated network (TLS included). */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer } from "node:https";
import type { ConfigMap } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { definePlugin } from "../../core/plugins/plugin.js";
import { Images, type ImageDefinition } from "../../core/cri/images.js";
import { connectionToDuplex } from "../../core/net/connection-stream.js";
import { selfSignedCertificate } from "../../core/apiserver/http/tls.js";
import type { KubeObject } from "../../core/api/object.js";
import { statusOf } from "../support/control-plane.js";

const cert = await selfSignedCertificate("guard.default.svc", ["guard.default.svc"]);

/** `example.com/guard`: answers AdmissionReviews over HTTPS on 8443, refusing ConfigMaps that hold `forbidden`. */
const GUARD_IMAGE: ImageDefinition = {
  repository: "example.com/guard",
  tags: ["1"],
  size: 1_000_000,
  layers: ["sha256:guard"],
  config: { entrypoint: [], cmd: ["/guard"], exposedPorts: ["8443/tcp"] },
  programs: {
    guard: (p) => {
      const server = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
        let body = "";
        req.on("data", (c: Buffer) => (body += c));
        req.on("end", () => {
          const review = JSON.parse(body) as { request: { uid: string; object: ConfigMap } };
          const bad = review.request.object.data?.["forbidden"] !== undefined;
          res.setHeader("Content-Type", "application/json");
          res.end(JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response: { uid: review.request.uid, allowed: !bad, ...(bad ? { status: { code: 403, message: `served by pod ${p.env["HOSTNAME"] ?? ""}` } } : {}) } }));
        });
      });
      p.net.listen("TCP", 8443, (conn) => server.emit("connection", connectionToDuplex(conn)));
      return new Promise<number>((resolve) => p.onSignal(() => resolve(0)));
    },
  },
};

const cluster = new Cluster({ clock: "virtual", seed: 1 });
cluster.use(definePlugin({ name: "guard-image", setup: (ctx) => ctx.contribute(Images, GUARD_IMAGE.repository, GUARD_IMAGE) }));
await cluster.start();

test("a service clientConfig reaches the webhook pod through the Service's cluster IP, over TLS with the caBundle", async () => {
  await cluster.apply(`
apiVersion: apps/v1
kind: Deployment
metadata: { name: guard, namespace: default }
spec:
  replicas: 1
  selector: { matchLabels: { app: guard } }
  template:
    metadata: { labels: { app: guard } }
    spec: { containers: [{ name: guard, image: "example.com/guard:1", ports: [{ containerPort: 8443 }] }] }
---
apiVersion: v1
kind: Service
metadata: { name: guard, namespace: default }
spec: { selector: { app: guard }, ports: [{ port: 443, targetPort: 8443 }] }
`);
  await cluster.waitFor("Pod", (p: { metadata?: { labels?: Record<string, string> }; status?: { conditions?: { type: string; status: string }[] } }) => p.metadata?.labels?.["app"] === "guard" && (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"), { namespace: "default", timeout: 120_000 });
  await cluster.waitFor("Endpoints", (e: { metadata?: { name?: string }; subsets?: unknown[] }) => e.metadata?.name === "guard" && (e.subsets ?? []).length > 0, { namespace: "default", timeout: 60_000 });
  await cluster.clock.sleep(10_000); // kube-proxy programs the Service's rules
  await cluster.client.resource("ValidatingWebhookConfiguration").create({
    apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingWebhookConfiguration", metadata: { name: "guard" },
    webhooks: [{
      name: "guard.example.com",
      clientConfig: { service: { namespace: "default", name: "guard", path: "/validate" }, caBundle: Buffer.from(cert.certPem).toString("base64") },
      rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["configmaps"] }],
      sideEffects: "None", admissionReviewVersions: ["v1"], namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "default" } },
    }],
  } as unknown as KubeObject);
  const configMaps = cluster.client.resource<ConfigMap & KubeObject>("ConfigMap");
  await configMaps.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "fine", namespace: "default" }, data: { a: "1" } });
  const err = await statusOf(configMaps.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "nope", namespace: "default" }, data: { forbidden: "1" } }));
  assert.is(err.status.code, 403);
  assert.match(err.status.message, /^admission webhook "guard.example.com" denied the request: served by pod guard-[a-z0-9]+-[a-z0-9]+$/);
});

test("a Service without ready pods: the dial error inside the webhook failure", async () => {
  await cluster.client.resource("Deployment").patch("guard", "merge", { spec: { replicas: 0 } }, { namespace: "default" });
  await cluster.waitFor("Endpoints", (e: { metadata?: { name?: string }; subsets?: unknown[] }) => e.metadata?.name === "guard" && !(e.subsets ?? []).length, { namespace: "default", timeout: 120_000 });
  const err = await statusOf(cluster.client.resource("ConfigMap").create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "later", namespace: "default" }, data: { a: "1" } } as KubeObject));
  assert.is(err.status.code, 500);
  assert.match(err.status.message, /^Internal error occurred: failed calling webhook "guard.example.com": failed to call webhook: Post "https:\/\/guard.default.svc:443\/validate\?timeout=10s": dial tcp 10\.\d+\.\d+\.\d+:443: connect: .+$/, err.status.message);
});

test.after(() => cluster.stop());

test.run();
