import type { Deployment } from "kubernetes-types/apps/v1.js";
import type { HorizontalPodAutoscaler } from "kubernetes-types/autoscaling/v2.js";
import type { Container, Service } from "kubernetes-types/core/v1.js";
import type { Ingress } from "kubernetes-types/networking/v1.js";
import { isStatusError } from "../../core/api/status.js";
import { controllerFor, type Manager, type Request } from "../../core/controller/index.js";
import { createOrUpdate, setControllerReference, setStatusCondition } from "../../core/operator/index.js";
import { jsonEqual } from "../../core/api/patch/json-value.js";
import { WebAppResource, type WebApp } from "./webapp-crd.js";

const FIELD_MANAGER = "webapp-operator";

/**
 * The WebApp controller: a WebApp → a Deployment (its image and port), a Service in front of it,
 * an Ingress when `host` is set and a HorizontalPodAutoscaler when `autoscaling` is; each owned
 * (deleted with the WebApp by the garbage collector) and put back when changed by hand. Status
 * copies the Deployment's replicas and says `Ready` once every wanted pod is available.
 */
export function webAppController(mgr: Manager): void {
  const webapps = mgr.informers.forResource<WebApp>(WebAppResource.ref).lister();
  const deployments = mgr.informers.forResource<Deployment>("Deployment").lister();
  const recorder = mgr.getEventRecorderFor("webapp-operator");
  const write = { fieldManager: FIELD_MANAGER };

  async function reconcile(req: Request): Promise<void> {
    const app = webapps.get(`${req.namespace}/${req.name}`);
    if (!app || app.metadata?.deletionTimestamp) return;
    const ns = req.namespace!;
    const name = req.name;
    const spec = app.spec!;
    const port = spec.port ?? 8080;
    const labels = { "app.kubernetes.io/name": name, "app.kubernetes.io/managed-by": "webapp-operator" };
    const selector = { "app.kubernetes.io/name": name };

    // Change only the fields the WebApp decides; the API server's defaults stay as stored.
    const deployment = await createOrUpdate(mgr.client.resource<Deployment>("Deployment"), { namespace: ns, name }, (d) => {
      d = setControllerReference(app, d);
      d.metadata = { ...d.metadata, labels: { ...d.metadata?.labels, ...labels } };
      const template = d.spec?.template ?? {};
      const containers: Container[] = template.spec?.containers ?? [{ name: "app", image: spec.image }];
      const app0 = containers.find((c) => c.name === "app") ?? containers[0]!;
      app0.image = spec.image;
      app0.ports = [{ name: "http", containerPort: port, protocol: "TCP" }];
      d.spec = {
        ...d.spec,
        selector: d.spec?.selector ?? { matchLabels: selector },
        template: { ...template, metadata: { ...template.metadata, labels: { ...template.metadata?.labels, ...labels } }, spec: { ...template.spec, containers } },
      };
      if (!spec.autoscaling) d.spec.replicas = spec.replicas ?? 1;
      return d;
    }, write);
    if (deployment.result !== "unchanged") recorder.eventf(app, "Normal", deployment.result === "created" ? "DeploymentCreated" : "DeploymentUpdated", "%s Deployment %s", deployment.result, name);

    await createOrUpdate(mgr.client.resource<Service>("Service"), { namespace: ns, name }, (s) => {
      s = setControllerReference(app, s);
      s.metadata = { ...s.metadata, labels: { ...s.metadata?.labels, ...labels } };
      s.spec = { ...s.spec, selector, ports: [{ name: "http", port: 80, targetPort: "http" as never, protocol: "TCP" }] };
      return s;
    }, write);

    await ensureOptional<Ingress>("Ingress", ns, name, spec.host !== undefined, (ing) => {
      ing = setControllerReference(app, ing);
      ing.metadata = { ...ing.metadata, labels: { ...ing.metadata?.labels, ...labels } };
      ing.spec = { ...ing.spec, rules: [{ host: spec.host!, http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name, port: { name: "http" } } } }] } }] };
      return ing;
    });
    await ensureOptional<HorizontalPodAutoscaler>("HorizontalPodAutoscaler", ns, name, spec.autoscaling !== undefined, (hpa) => {
      hpa = setControllerReference(app, hpa);
      const a = spec.autoscaling!;
      hpa.spec = {
        ...hpa.spec,
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name },
        minReplicas: a.minReplicas ?? 1,
        maxReplicas: a.maxReplicas,
        metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: a.targetCPUUtilizationPercentage ?? 80 } } }],
      };
      return hpa;
    });

    // Status from the Deployment as the informer has it (its status changes re-enqueue us through owns()).
    const d = deployments.get(`${ns}/${name}`) ?? deployment.object;
    const wanted = d.spec?.replicas ?? 1;
    const available = d.status?.availableReplicas ?? 0;
    const ready = available >= wanted && (d.status?.updatedReplicas ?? 0) >= wanted && d.status?.observedGeneration === d.metadata?.generation;
    const generation = app.metadata!.generation!;
    const { conditions } = setStatusCondition(
      app.status?.conditions,
      ready
        ? { type: "Ready", status: "True", reason: "Available", message: `${available}/${wanted} replicas available`, observedGeneration: generation }
        : { type: "Ready", status: "False", reason: "Progressing", message: `${available}/${wanted} replicas available`, observedGeneration: generation },
      mgr.clock.now(),
    );
    const status = {
      observedGeneration: generation,
      replicas: d.status?.replicas ?? 0,
      availableReplicas: available,
      url: spec.host ? `http://${spec.host}/` : `http://${name}.${ns}.svc.cluster.local/`,
      selector: `app.kubernetes.io/name=${name}`,
      conditions,
    };
    if (!jsonEqual(status, app.status)) await WebAppResource.client(mgr.client).updateStatus({ ...app, status }, { namespace: ns, ...write });
  }

  /** Creates or updates an object the spec asks for, deletes it when it no longer does. */
  async function ensureOptional<T extends { metadata?: { name?: string; namespace?: string } }>(kind: string, ns: string, name: string, wanted: boolean, mutate: (obj: T) => T): Promise<void> {
    const rc = mgr.client.resource<T>(kind);
    if (wanted) {
      await createOrUpdate(rc, { namespace: ns, name }, mutate, write);
      return;
    }
    try {
      await rc.delete(name, { namespace: ns });
    } catch (err) {
      if (!isStatusError(err, "NotFound")) throw err;
    }
  }

  controllerFor(mgr)
    .named("webapp")
    .for(WebAppResource.ref)
    .owns("Deployment")
    .owns("Service")
    .owns("Ingress")
    .owns("HorizontalPodAutoscaler")
    .complete({ reconcile });
}
