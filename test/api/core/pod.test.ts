import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "kubernetes-types/core/v1.js";
import { copy, create, strategyOf, update } from "./helpers.js";
import { POD_UPDATE_FORBIDDEN_MESSAGE } from "../../../core/api/builtin/core/pod-update-validation.js";
import { imageTag } from "../../../core/api/builtin/core/pod-spec.js";
import { validatePodSpec } from "../../../core/api/builtin/core/pod-spec-validation.js";
import { fieldErrorText } from "../../../core/api/status.js";

function pod(spec: Partial<Pod["spec"]> = {}): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec: { containers: [{ name: "c", image: "nginx" }], ...spec } };
}

test("pod defaults as a real API server fills them", () => {
  const { obj, errors } = create("Pod", pod({ containers: [{ name: "c", image: "nginx", ports: [{ containerPort: 80 }], env: [{ name: "N", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }], readinessProbe: { httpGet: { port: 80 } } }] }));
  assert.equal(errors, []);
  const s = obj.spec!;
  assert.is(s.restartPolicy, "Always");
  assert.is(s.dnsPolicy, "ClusterFirst");
  assert.is(s.terminationGracePeriodSeconds, 30);
  assert.is(s.schedulerName, "default-scheduler");
  assert.equal(s.securityContext, {});
  assert.is(s.enableServiceLinks, true);
  assert.is(s.priority, undefined); // set by the Priority admission plugin, not by defaulting
  const c = s.containers[0]!;
  assert.is(c.imagePullPolicy, "Always");
  assert.is(c.terminationMessagePath, "/dev/termination-log");
  assert.is(c.terminationMessagePolicy, "File");
  assert.is(c.ports![0]!.protocol, "TCP");
  assert.is(c.env![0]!.valueFrom!.fieldRef!.apiVersion, "v1");
  assert.equal(c.readinessProbe, { httpGet: { port: 80, path: "/", scheme: "HTTP" }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  assert.equal(obj.status, { phase: "Pending", qosClass: "BestEffort" });
});

test("image pull policy follows the tag", () => {
  const cases: [string, string][] = [["nginx", "latest"], ["nginx:latest", "latest"], ["nginx:1.25", "1.25"], ["localhost:5000/app", "latest"], ["localhost:5000/app:v1", "v1"], ["nginx@sha256:abc", ""], ["nginx:1.2@sha256:abc", "1.2"]];
  for (const [image, tag] of cases) assert.is(imageTag(image), tag, image);
  const { obj } = create("Pod", pod({ containers: [{ name: "a", image: "nginx:1.25" }, { name: "b", image: "nginx@sha256:abc" }, { name: "c", image: "busybox:latest" }] }));
  assert.equal(obj.spec!.containers.map((c) => c.imagePullPolicy), ["IfNotPresent", "IfNotPresent", "Always"]);
});

test("QoS class: Guaranteed when limits equal requests, Burstable otherwise", () => {
  const guaranteed = create("Pod", pod({ containers: [{ name: "c", image: "x", resources: { limits: { cpu: "500m", memory: "128Mi" } } }] })).obj;
  assert.is(guaranteed.status!.qosClass, "Guaranteed");
  assert.equal(guaranteed.spec!.containers[0]!.resources!.requests, { cpu: "500m", memory: "128Mi" });
  const burstable = create("Pod", pod({ containers: [{ name: "c", image: "x", resources: { requests: { cpu: "100m" } } }] })).obj;
  assert.is(burstable.status!.qosClass, "Burstable");
});

test("validation: field paths and messages of upstream cases", () => {
  const cases: [string, Partial<Pod["spec"]>, string[]][] = [
    ["no containers", { containers: [] }, ["spec.containers: Required value"]],
    ["duplicate names", { containers: [{ name: "x", image: "a" }, { name: "x", image: "b" }] }, ['spec.containers[1].name: Duplicate value: "x"']],
    ["missing image", { containers: [{ name: "x" }] }, ["spec.containers[0].image: Required value"]],
    ["bad restart policy", { restartPolicy: "Sometimes" }, ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"']],
    ["bad dns policy", { dnsPolicy: "Foo" }, ['spec.dnsPolicy: Unsupported value: "Foo": supported values: "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"']],
    ["port out of range", { containers: [{ name: "x", image: "a", ports: [{ containerPort: 70000 }] }] }, ["spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"]],
    [
      "host port conflict",
      { containers: [{ name: "x", image: "a", ports: [{ containerPort: 80, hostPort: 8080 }] }, { name: "y", image: "a", ports: [{ containerPort: 81, hostPort: 8080 }] }] },
      ['spec.containers[1].ports[0].hostPort: Duplicate value: "/TCP/8080"'],
    ],
    ["mount of unknown volume", { containers: [{ name: "x", image: "a", volumeMounts: [{ name: "data", mountPath: "/d" }] }] }, ['spec.containers[0].volumeMounts[0].name: Not found: "data"']],
    ["duplicate volumes", { volumes: [{ name: "v", emptyDir: {} }, { name: "v", emptyDir: {} }] }, ['spec.volumes[1].name: Duplicate value: "v"']],
    [
      "request above limit",
      { containers: [{ name: "x", image: "a", resources: { requests: { cpu: "2" }, limits: { cpu: "1" } } }] },
      ['spec.containers[0].resources.requests[cpu]: Invalid value: "2": must be less than or equal to cpu limit of 1'],
    ],
    ["toleration Exists with value", { tolerations: [{ key: "k", operator: "Exists", value: "v" }] }, ['spec.tolerations[0].operator: Invalid value: {"key":"k","operator":"Exists","value":"v"}: value must be empty when `operator` is \'Exists\'']],
  ];
  for (const [name, spec, expected] of cases) assert.equal(create("Pod", pod(spec)).errors, expected, name);
});

test("update: only images, activeDeadlineSeconds and added tolerations may change", () => {
  const old = create("Pod", pod()).obj;
  const image = copy(old);
  image.spec!.containers[0]!.image = "nginx:2";
  assert.equal(update("Pod", image, old).errors, []);
  const tolerations = copy(old);
  tolerations.spec!.tolerations = [{ key: "k", operator: "Exists", effect: "NoSchedule" }];
  assert.equal(update("Pod", tolerations, old).errors, []);
  const ports = copy(old);
  ports.spec!.containers[0]!.ports = [{ containerPort: 80 }];
  assert.equal(update("Pod", ports, old).errors, [`spec: Forbidden: ${POD_UPDATE_FORBIDDEN_MESSAGE}`]);
  const withDeadline = copy(old);
  withDeadline.spec!.activeDeadlineSeconds = 30;
  const raised = copy(withDeadline);
  raised.spec!.activeDeadlineSeconds = 60;
  assert.equal(update("Pod", raised, withDeadline).errors, ["spec.activeDeadlineSeconds: Invalid value: 60: must be less than or equal to previous value"]);
  const updated = update("Pod", copy(old), old).obj;
  assert.is(updated.status, old.status, "status kept from the old object");
});

test("field selectors read the documented fields", () => {
  const p = create("Pod", pod({ nodeName: "n1" })).obj;
  const sel = strategyOf("Pod").fieldSelectors!;
  assert.is(sel["spec.nodeName"]!(p as never), "n1");
  assert.is(sel["status.phase"]!(p as never), "Pending");
  assert.is(sel["spec.hostNetwork"]!(p as never), "false");
  assert.not.ok("metadata.name" in sel);
});

test("a spec found invalid is validated again every time; a valid one stays valid", () => {
  const bad: Pod["spec"] = { containers: [{ name: "Bad_Name", image: "nginx" }], restartPolicy: "Always", dnsPolicy: "ClusterFirst" };
  const first = validatePodSpec(bad, "spec").map(fieldErrorText);
  assert.ok(first.length > 0);
  assert.equal(validatePodSpec(bad, "spec").map(fieldErrorText), first);
  const good: Pod["spec"] = { containers: [{ name: "c", image: "nginx", imagePullPolicy: "Always", terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: "File" }], restartPolicy: "Always", dnsPolicy: "ClusterFirst" };
  assert.equal(validatePodSpec(good, "spec"), []);
  assert.equal(validatePodSpec(good, "spec.template.spec"), []);
  // An equal copy is validated on its own (identity, not equality, is remembered).
  const copied = copy(good)!;
  copied.containers[0]!.name = "Bad_Name";
  assert.ok(validatePodSpec(copied, "spec").length > 0);
});

test.run();
