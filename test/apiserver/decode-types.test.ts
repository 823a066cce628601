import { test } from "uvu";
import * as assert from "uvu/assert";
import { testControlPlane, statusOf } from "../support/control-plane.js";

const cases: [string, unknown, string][] = [
  ["containers as a string", { metadata: { name: "p", namespace: "default" }, spec: { containers: "x" } }, 'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container'],
  ["a container name as a number", { metadata: { name: "p", namespace: "default" }, spec: { containers: [{ name: 1, image: "a" }] } }, "json: cannot unmarshal number into Go struct field Container.spec.containers.name of type string"],
  ["labels as a string", { metadata: { name: "p", namespace: "default", labels: "x" }, spec: { containers: [{ name: "a", image: "b" }] } }, "json: cannot unmarshal string into Go struct field ObjectMeta.metadata.labels of type map[string]string"],
  ["metadata as a string", { metadata: "x" }, "json: cannot unmarshal string into Go struct field Pod.metadata of type v1.ObjectMeta"],
  ["spec as a number", { metadata: { name: "p", namespace: "default" }, spec: 5 }, "json: cannot unmarshal number into Go struct field Pod.spec of type v1.PodSpec"],
  ["a port as a string", { metadata: { name: "p", namespace: "default" }, spec: { containers: [{ name: "a", image: "b", ports: [{ containerPort: "80" }] }] } }, "json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32"],
];

test("objects with fields of the wrong JSON type are a 400 naming the field, never a 500", async () => {
  const { client } = await testControlPlane();
  for (const [what, body, message] of cases) {
    const err = await statusOf(client.resource("Pod").create(body as never));
    assert.is(err.code, 400, what);
    assert.ok(err.message.includes(message), `${what}: ${err.message}`);
  }
});

test("the types that decode leniently still do: quantities as numbers, int-or-string, null", async () => {
  const { client } = await testControlPlane();
  await client.resource("Pod").create({ metadata: { name: "ok", namespace: "default", labels: null }, spec: { containers: [{ name: "a", image: "b", resources: { requests: { cpu: 1, memory: "1Gi" } }, readinessProbe: { httpGet: { port: "http" } } }] } } as never);
  await client.resource("Service").create({ metadata: { name: "s", namespace: "default" }, spec: { ports: [{ port: 80, targetPort: 8080 }] } } as never);
  const cm = await statusOf(client.resource("ConfigMap").create({ metadata: { name: "c", namespace: "default" }, data: { a: 1 } } as never));
  assert.match(cm.message, /cannot unmarshal number into Go struct field ConfigMap.data of type string/);
});

test.run();
