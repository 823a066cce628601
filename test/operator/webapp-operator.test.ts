import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Deployment } from "kubernetes-types/apps/v1.js";
import type { HorizontalPodAutoscaler } from "kubernetes-types/autoscaling/v2.js";
import type { Service } from "kubernetes-types/core/v1.js";
import type { Ingress } from "kubernetes-types/networking/v1.js";
import { Store } from "../../core/store/store.js";
import { startOperatorTestCluster, type OperatorTestCluster } from "../../core/operator/index.js";
import { WebAppResource, type WebApp } from "../../plugins/operator-webapp/index.js";

let h: OperatorTestCluster;

test.before(async () => {
  // Loaded by its built-in name, as cluster.yaml would.
  h = await startOperatorTestCluster({ operators: ["operator-webapp"] });
});

test.after(async () => {
  await h.stop();
});

test("a WebApp becomes an owned Deployment, Service, Ingress and HPA, and reports Ready with the spec's generation", async () => {
  const apps = WebAppResource.client(h.cluster.client);
  await apps.create({ apiVersion: WebAppResource.apiVersion, kind: "WebApp", metadata: { name: "shop", namespace: "default" }, spec: { image: "nginx:1.25", port: 80, replicas: 2, host: "shop.example.com" } }, { namespace: "default" });
  const app = await h.waitForCondition<WebApp>(WebAppResource.ref, { namespace: "default", name: "shop" }, "Ready", "True", { timeout: 300_000 });
  assert.equal([app.status!.replicas, app.status!.availableReplicas, app.status!.url], [2, 2, "http://shop.example.com/"]);
  const c = h.cluster.client;
  const d = await c.resource<Deployment>("Deployment").get("shop", { namespace: "default" });
  assert.is(d.spec!.template.spec!.containers[0]!.image, "nginx:1.25");
  assert.is(d.metadata!.ownerReferences![0]!.uid, app.metadata!.uid);
  const svc = await c.resource<Service>("Service").get("shop", { namespace: "default" });
  assert.equal(svc.spec!.selector, { "app.kubernetes.io/name": "shop" });
  const ing = await c.resource<Ingress>("Ingress").get("shop", { namespace: "default" });
  assert.is(ing.spec!.rules![0]!.host, "shop.example.com");

  // Turning on autoscaling adds an HPA; the Deployment's replicas are then the HPA's to set.
  await apps.patch("shop", "merge", { spec: { autoscaling: { minReplicas: 2, maxReplicas: 5 }, host: null } }, { namespace: "default" });
  const hpa = await h.cluster.waitFor<HorizontalPodAutoscaler>("HorizontalPodAutoscaler", (x) => x.metadata?.name === "shop", { namespace: "default" });
  assert.equal([hpa.spec!.minReplicas, hpa.spec!.maxReplicas, hpa.spec!.scaleTargetRef.name], [2, 5, "shop"]);
  for (let i = 0; i < 50; i++) {
    try {
      await c.resource("Ingress").get("shop", { namespace: "default" });
      await h.cluster.clock.sleep(200);
    } catch {
      break;
    }
  }
  try {
    await c.resource("Ingress").get("shop", { namespace: "default" });
    assert.unreachable("the Ingress should be gone once host is unset");
  } catch (err) {
    assert.match((err as Error).message, /not found/);
  }
});

test("a hand edit of the owned Deployment is put back (its change enqueues the WebApp)", async () => {
  const c = h.cluster.client;
  const edited = await c.resource<Deployment>("Deployment").patch("shop", "strategic", { spec: { template: { spec: { containers: [{ name: "app", image: "nginx:1.24" }] } } } }, { namespace: "default" });
  assert.is(edited.spec!.template.spec!.containers[0]!.image, "nginx:1.24");
  const fixed = await h.cluster.waitFor<Deployment>("Deployment", (d) => d.metadata?.name === "shop" && d.spec?.template.spec?.containers[0]?.image === "nginx:1.25" && Number(d.metadata.resourceVersion) > Number(edited.metadata!.resourceVersion), { namespace: "default" });
  assert.is(fixed.spec!.template.spec!.containers.length, 1);
});

test("a v1alpha1 WebApp is converted by the operator's function: stored in v1, reconciled, served in both versions", async () => {
  const c = h.cluster.client;
  const alpha = c.resource<WebApp>({ apiVersion: "apps.kubesim.dev/v1alpha1", kind: "WebApp" });
  const created = await alpha.create({ apiVersion: "apps.kubesim.dev/v1alpha1", kind: "WebApp", metadata: { name: "blog", namespace: "default" }, spec: { image: "nginx:1.25", containerPort: 80, ingressHost: "blog.example.com", maxReplicas: 4 } as never }, { namespace: "default" });
  assert.equal(created.spec, { image: "nginx:1.25", replicas: 1, containerPort: 80, ingressHost: "blog.example.com", maxReplicas: 4 });
  const stored = (await h.cluster.resolve(Store).get("/registry/apps.kubesim.dev/webapps/default/blog")) as WebApp;
  assert.equal([stored.apiVersion, stored.spec], ["apps.kubesim.dev/v1", { image: "nginx:1.25", replicas: 1, port: 80, host: "blog.example.com", autoscaling: { maxReplicas: 4 } }]);
  // The controller (reading v1) builds the Ingress and the HPA from the converted spec.
  const hpa = await h.cluster.waitFor<HorizontalPodAutoscaler>("HorizontalPodAutoscaler", (x) => x.metadata?.name === "blog", { namespace: "default" });
  assert.is(hpa.spec!.maxReplicas, 4);
  const ing = await h.cluster.waitFor<Ingress>("Ingress", (x) => x.metadata?.name === "blog", { namespace: "default" });
  assert.is(ing.spec!.rules![0]!.host, "blog.example.com");
  // v1 objects read through v1alpha1; a v1alpha1 patch lands in v1.
  assert.equal((await alpha.get("shop", { namespace: "default" })).spec, { image: "nginx:1.25", replicas: 2, containerPort: 80, minReplicas: 2, maxReplicas: 5 });
  await alpha.patch("blog", "merge", { spec: { containerPort: 8081 } }, { namespace: "default" });
  assert.is((await WebAppResource.client(c).get("blog", { namespace: "default" })).spec!.port, 8081);
  // v1alpha1's rule keeps every object convertible: minReplicas needs maxReplicas.
  try {
    await alpha.create({ apiVersion: "apps.kubesim.dev/v1alpha1", kind: "WebApp", metadata: { name: "bad", namespace: "default" }, spec: { image: "x", minReplicas: 2 } as never }, { namespace: "default" });
    assert.unreachable("minReplicas without maxReplicas should be refused");
  } catch (err) {
    assert.match((err as Error).message, /spec\.maxReplicas: Required value: maxReplicas is required with minReplicas or targetCPUUtilizationPercentage/);
  }
});

test.run();
