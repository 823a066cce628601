/** kubectl (v1.32) with CEL validation rules, ValidatingAdmissionPolicies and admission webhooks: what a user sees. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startFixture } from "../http/fixture.js";
import { kubectlIn } from "./kubectl-runner.js";
import { KUBECTL, requireTool } from "../support/require-tool.js";
import { startWebhookServer } from "../admission/webhook-server.js";

requireTool(KUBECTL);

const fx = await startFixture();
const k = kubectlIn(fx.dir, fx.kubeconfig);
const server = await startWebhookServer((req) => {
  const labels = (req["object"] as { metadata?: { labels?: Record<string, string> } } | null)?.metadata?.labels ?? {};
  return labels["owner"] ? { allowed: true, warnings: ["owner label seen"] } : { allowed: false, status: { code: 403, reason: "Forbidden", message: "every secret needs an owner label" } };
});

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: { plural: gadgets, singular: gadget, kind: Gadget }
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-validations:
            - rule: "self.min <= self.max"
              message: "min must not exceed max"
            properties:
              min: { type: integer }
              max: { type: integer }
              id:
                type: string
                x-kubernetes-validations:
                - rule: "self == oldSelf"
                  message: "id is immutable"
`;

const gadget = (name: string, min: number, max: number, id = "a"): string => `apiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: ${name}\n  namespace: default\nspec:\n  min: ${min}\n  max: ${max}\n  id: ${id}\n`;

test("CEL rules through kubectl apply: refusal text, transition rule on re-apply", async () => {
  await k.ok(["apply", "-f", "-"], CRD);
  await k.ok(["wait", "--for=condition=Established", "crd/gadgets.example.com", "--timeout=30s"]);
  let r = await k.run(["apply", "-f", "-"], gadget("g1", 5, 1));
  assert.is(r.code, 1);
  assert.is(r.stderr.trim(), 'The Gadget "g1" is invalid: spec: Invalid value: "object": min must not exceed max');
  assert.is((await k.ok(["apply", "-f", "-"], gadget("g1", 1, 5))).trim(), "gadget.example.com/g1 created");
  r = await k.run(["apply", "-f", "-"], gadget("g1", 1, 5, "b"));
  assert.is(r.code, 1);
  assert.is(r.stderr.trim(), 'The Gadget "g1" is invalid: spec.id: Invalid value: "string": id is immutable');
});

test("a ValidatingAdmissionPolicy: listed with its columns, Deny refuses, Warn warns", async () => {
  const policy = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: { name: small-deployments }
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - { apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["deployments"] }
  validations:
  - expression: "object.spec.replicas <= 3"
    message: "at most 3 replicas"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: { name: small-deployments-binding }
spec:
  policyName: small-deployments
  validationActions: [Deny]
`;
  await k.ok(["apply", "-f", "-"], policy);
  const table = await k.ok(["get", "validatingadmissionpolicies"]);
  assert.match(table, /^NAME\s+VALIDATIONS\s+PARAMKIND\s+AGE\nsmall-deployments\s+1\s+<unset>\s+\S+\n$/);
  assert.match(await k.ok(["get", "validatingadmissionpolicybindings"]), /^NAME\s+POLICYNAME\s+PARAMREF\s+AGE\nsmall-deployments-binding\s+small-deployments\s+<unset>\s+\S+\n$/);
  let r = await k.run(["create", "deployment", "big", "--image=nginx", "--replicas=5"]);
  assert.is(r.code, 1);
  assert.is(r.stderr.trim(), `error: failed to create deployment: deployments.apps "big" is forbidden: ValidatingAdmissionPolicy 'small-deployments' with binding 'small-deployments-binding' denied request: at most 3 replicas`);
  await k.ok(["patch", "validatingadmissionpolicybinding", "small-deployments-binding", "--type=merge", "-p", '{"spec":{"validationActions":["Warn"]}}']);
  r = await k.run(["create", "deployment", "big", "--image=nginx", "--replicas=5"]);
  assert.is(r.code, 0, r.stderr);
  assert.ok(r.stderr.includes("Warning: Validation failed for ValidatingAdmissionPolicy 'small-deployments' with binding 'small-deployments-binding': at most 3 replicas"), r.stderr);
});

test("a validating webhook: kubectl shows its refusal and its warnings", async () => {
  const config = {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingWebhookConfiguration",
    metadata: { name: "owners" },
    webhooks: [{ name: "owners.example.com", clientConfig: { url: server.url("/validate"), caBundle: server.caBundle }, rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["secrets"] }], sideEffects: "None", admissionReviewVersions: ["v1"] }],
  };
  await k.ok(["apply", "-f", "-"], JSON.stringify(config));
  assert.match(await k.ok(["get", "validatingwebhookconfigurations"]), /^NAME\s+WEBHOOKS\s+AGE\nowners\s+1\s+\S+\n$/);
  let r = await k.run(["create", "secret", "generic", "s1", "--from-literal=a=b"]);
  assert.is(r.code, 1);
  assert.is(r.stderr.trim(), 'error: failed to create secret admission webhook "owners.example.com" denied the request: every secret needs an owner label');
  r = await k.run(["apply", "-f", "-"], "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s2\n  namespace: default\n  labels: { owner: me }\nstringData: { a: b }\n");
  assert.is(r.code, 0, r.stderr);
  assert.ok(r.stderr.includes("Warning: owner label seen"), r.stderr);
});

test.after(async () => {
  await fx.stop();
  await server.close();
});
test.run();
