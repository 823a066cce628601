import { test } from "uvu";
import * as assert from "uvu/assert";
import { HORIZONTAL_POD_AUTOSCALER } from "../../../core/api/builtin/autoscaling/horizontal-pod-autoscaler.js";
import { POD_DISRUPTION_BUDGET } from "../../../core/api/builtin/policy/pod-disruption-budget.js";
import type { ApiTypeRegistration } from "../../../core/api/strategy.js";
import { create } from "./strategy-harness.js";

const HPA = HORIZONTAL_POD_AUTOSCALER as ApiTypeRegistration;
const PDB = POD_DISRUPTION_BUDGET as ApiTypeRegistration;
const hpa = (spec: Record<string, unknown> = {}) => ({ metadata: { name: "web", namespace: "default" }, spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, maxReplicas: 5, ...spec } });

test("HPA defaults: minReplicas 1 and CPU 80% when no metrics", () => {
  const { obj, errors } = create(HPA, hpa());
  assert.equal(errors, []);
  assert.is(obj.spec.minReplicas, 1);
  assert.equal(obj.spec.metrics, [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }]);
  assert.is(obj.spec.behavior, undefined);
  assert.equal(obj.status, { desiredReplicas: 0 });
});

test("HPA behavior defaults fill only what is missing", () => {
  const { obj } = create(HPA, hpa({ behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } }));
  assert.equal(obj.spec.behavior, {
    scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: "Max", policies: [{ type: "Percent", value: 100, periodSeconds: 15 }] },
    scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: "Max", policies: [{ type: "Pods", value: 4, periodSeconds: 15 }, { type: "Percent", value: 100, periodSeconds: 15 }] },
  });
});

test("HPA validation causes", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ maxReplicas: 0 }, "spec.maxReplicas: Invalid value: 0: must be greater than 0"],
    [{ minReplicas: 6 }, "spec.maxReplicas: Invalid value: 5: must be greater than or equal to `minReplicas`"],
    [{ minReplicas: 0 }, "spec.minReplicas: Invalid value: 0: must be greater than or equal to 1"],
    [{ scaleTargetRef: { name: "web" } }, "spec.scaleTargetRef.kind: Required value"],
    [{ metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 0 } } }] }, "spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0"],
    [{ metrics: [{ type: "Magic" }] }, 'spec.metrics[0].type: Unsupported value: "Magic": supported values: "Object", "Pods", "Resource", "ContainerResource", "External"'],
    [{ behavior: { scaleUp: { policies: [{ type: "Pods", value: 1, periodSeconds: 3600 }] } } }, "spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 3600: must be less than or equal to 1800"],
  ];
  for (const [spec, want] of cases) {
    const { errors } = create(HPA, hpa(spec));
    assert.ok(errors.includes(want), `${JSON.stringify(spec)} → ${JSON.stringify(errors)}`);
  }
});

test("PDB: status zeros, exclusive min/max, percent bounds", () => {
  const pdb = (spec: Record<string, unknown>) => ({ metadata: { name: "web", namespace: "default" }, spec: { selector: { matchLabels: { app: "web" } }, ...spec } });
  const ok = create(PDB, pdb({ minAvailable: "50%" }));
  assert.equal(ok.errors, []);
  assert.equal(ok.obj.status, { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
  assert.is(ok.obj.metadata.generation, 1);
  assert.equal(create(PDB, pdb({ minAvailable: 1, maxUnavailable: 1 })).errors, ['spec: Invalid value: {"selector":{"matchLabels":{"app":"web"}},"minAvailable":1,"maxUnavailable":1}: minAvailable and maxUnavailable cannot be both set']);
  assert.equal(create(PDB, pdb({ maxUnavailable: "150%" })).errors, ['spec.maxUnavailable: Invalid value: "150%": must not be greater than 100%']);
  assert.equal(create(PDB, pdb({ minAvailable: -1 })).errors, ["spec.minAvailable: Invalid value: -1: must be greater than or equal to 0"]);
  assert.equal(create(PDB, pdb({ unhealthyPodEvictionPolicy: "Never" })).errors, ['spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: "IfHealthyBudget", "AlwaysAllow"']);
});

test.run();
