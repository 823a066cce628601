/**
 * ingress-nginx's validating webhook as users meet it: refused with the API server's "failed
 * calling webhook" until a controller pod is Ready (failurePolicy Fail), then answered by that pod
 * over TLS — a broken Ingress refused with the webhook's message, a good one stored.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import type { Ingress } from "kubernetes-types/networking/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { DEFAULT_PLUGINS } from "../../core/cluster/default-distribution.js";
import type { KubeObject } from "../../core/api/object.js";
import { ingressNginx, NAMESPACE } from "../../plugins/ingress-nginx/index.js";
import { statusOf } from "../support/control-plane.js";

const cluster = new Cluster({ clock: "virtual", seed: 3, nodes: 1, plugins: [...DEFAULT_PLUGINS] }).use(ingressNginx());
await cluster.start();
const ingresses = cluster.client.resource<Ingress & KubeObject>("Ingress");
const ingress = (name: string, path: string): Ingress & KubeObject => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "Ingress",
  metadata: { name, namespace: "default" },
  spec: { ingressClassName: "nginx", rules: [{ host: "shop.example.com", http: { paths: [{ path, pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }] } }] },
});

test("before a controller pod is Ready: every Ingress is refused with the API server's webhook call failure", async () => {
  const err = await statusOf(ingresses.create(ingress("early", "/")));
  assert.is(err.status.code, 500);
  assert.match(err.status.message, /^Internal error occurred: failed calling webhook "validate\.nginx\.ingress\.kubernetes\.io": failed to call webhook: Post "https:\/\/ingress-nginx-controller-admission\.ingress-nginx\.svc:443\/networking\/v1\/ingresses\?timeout=10s": /);
});

test("once Ready: the pod's webhook refuses a broken Ingress with its message and accepts a good one", async () => {
  await cluster.waitFor<Pod>("Pod", (p) => (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"), { namespace: NAMESPACE, timeout: 120_000 });
  await cluster.clock.sleep(10_000); // kube-proxy programs the admission Service
  await ingresses.create(ingress("shop", "/"));
  const bad = await statusOf(ingresses.create(ingress("regex", "/foo(.*)")));
  assert.is(bad.status.code, 400);
  assert.is(bad.status.reason, "BadRequest");
  assert.is(bad.status.message, `admission webhook "validate.nginx.ingress.kubernetes.io" denied the request: ingress contains invalid paths: path /foo(.*) cannot be used with pathType Prefix`);
  const clash = await statusOf(ingresses.create(ingress("copy", "/")));
  assert.is(clash.status.message, `admission webhook "validate.nginx.ingress.kubernetes.io" denied the request: host "shop.example.com" and path "/" is already defined in ingress default/shop`);
  assert.equal((await ingresses.list({ namespace: "default" })).items.map((i) => i.metadata?.name), ["shop"]);
});

test.after(() => cluster.stop());

test.run();
