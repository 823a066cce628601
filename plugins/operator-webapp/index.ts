/**
 * The WebApp operator, the tutorial operator of docs/operators.md: a `WebApp`
 * (apps.kubesim.dev/v1) → Deployment + Service (+ Ingress with `host`, + HorizontalPodAutoscaler
 * with `autoscaling`). The deprecated v1alpha1 is served too, converted by the operator in process.
 * Load it with `cluster.use("operator-webapp")`.
 */
import { defineOperator } from "../../core/operator/index.js";
import { WebAppResource } from "./webapp-crd.js";
import { webAppController } from "./webapp-controller.js";

export { WebAppResource, type WebApp, type WebAppSpec, type WebAppStatus } from "./webapp-crd.js";
export { webAppController } from "./webapp-controller.js";
export { webAppConversion } from "./webapp-conversion.js";

export default defineOperator({
  name: "operator-webapp",
  description: "the WebApp operator: a WebApp becomes a Deployment, a Service, an Ingress and an HPA",
  customResources: [WebAppResource],
  controllers: { "webapp-operator": webAppController },
});
