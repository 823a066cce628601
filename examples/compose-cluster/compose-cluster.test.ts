import { test } from "uvu";
import * as assert from "uvu/assert";
import { main } from "./main.js";

test("example: compose a cluster, apply a manifest, wait through informers", async () => {
  const lines: string[] = [];
  const result = await main((l) => lines.push(l));
  assert.equal(result.nodes, ["demo-control-plane 10.244.0.0/24", "demo-worker 10.244.1.0/24", "demo-worker2 10.244.2.0/24"]);
  assert.equal(result.applied, ["Namespace/shop created", "Deployment/web created", "Service/web created"]);
  assert.match(result.serviceIP, /^10\.(9[6-9]|1[01][0-9])\.\d+\.\d+$/);
  assert.ok(result.nodePort >= 30000 && result.nodePort <= 32767);
  assert.ok(lines.some((l) => l.startsWith("service web:")));
});

test.run();
