/** test-runner: from-source (it loads plugins from `.ts` files at run time). */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../core/cluster/cluster.js";
import { statusOf } from "../support/control-plane.js";

test("the third-party example plugin, loaded by path, takes part in admission", async () => {
  const cluster = new Cluster({ clock: "virtual" }).use("./examples/third-party-plugin/index.ts");
  await cluster.start();
  const cms = cluster.client.resource("ConfigMap");
  await cluster.client.resource("Namespace").create({ metadata: { name: "polite", labels: { "greeting.example.com/required": "true" } } });
  const refused = await statusOf(cms.create({ metadata: { name: "rude", namespace: "polite" } }));
  assert.is(refused.code, 422);
  assert.match(refused.message, /metadata.labels\[greeting\]: Required value: namespace polite requires a greeting label/);
  await cms.create({ metadata: { name: "nice", namespace: "polite", labels: { greeting: "hello" } } });
  await cms.create({ metadata: { name: "anything", namespace: "default" } });
  await cluster.stop();
});

test("built-in plugin by name: AlwaysPullImages rewrites imagePullPolicy", async () => {
  const cluster = new Cluster({ clock: "virtual" }).use("admission-always-pull-images");
  await cluster.start();
  const pod = await cluster.client.resource("Pod").create({ metadata: { name: "p", namespace: "default" }, spec: { containers: [{ name: "c", image: "nginx:1.27", imagePullPolicy: "IfNotPresent" }] } });
  assert.is((pod as { spec: { containers: { imagePullPolicy: string }[] } }).spec.containers[0]!.imagePullPolicy, "Always");
  await cluster.stop();
});

test.run();
