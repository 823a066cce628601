/** The official Python client (Debian python3-kubernetes) against kubesim over HTTPS: CRUD and a watch. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startFixture } from "../http/fixture.js";
import { PYTHON_KUBERNETES, requireTool } from "../support/require-tool.js";

requireTool(PYTHON_KUBERNETES);

const fx = await startFixture();
/** The Debian package installs into the system interpreter (a pyenv shim on PATH would not see it). */
const PYTHON = PYTHON_KUBERNETES.command;

const SCRIPT = `
import sys, threading, time, json
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException
config.load_kube_config(config_file=sys.argv[1])
v1 = client.CoreV1Api()
out = []
cm = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py"), data={"a": "1"})
v1.create_namespaced_config_map("default", cm)
out.append("read " + v1.read_namespaced_config_map("py", "default").data["a"])
v1.patch_namespaced_config_map("py", "default", {"data": {"a": "2"}})
out.append("patched " + v1.read_namespaced_config_map("py", "default").data["a"])
names = [c.metadata.name for c in v1.list_namespaced_config_map("default").items]
out.append("listed " + str("py" in names))
rv = v1.list_namespaced_config_map("default").metadata.resource_version
def later():
    time.sleep(0.3)
    v1.patch_namespaced_config_map("py", "default", {"data": {"a": "3"}})
    v1.delete_namespaced_config_map("py", "default")
threading.Thread(target=later).start()
w = watch.Watch()
for ev in w.stream(v1.list_namespaced_config_map, "default", resource_version=rv, timeout_seconds=20):
    out.append("watch %s %s" % (ev["type"], ev["object"].metadata.name))
    if ev["type"] == "DELETED":
        w.stop()
try:
    v1.read_namespaced_config_map("py", "default")
except ApiException as e:
    out.append("status %d %s" % (e.status, json.loads(e.body)["reason"]))
print(json.dumps(out))
`;

test("CRUD and a watch with the Python client", async () => {
  const script = join(fx.dir, "client.py");
  writeFileSync(script, SCRIPT);
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(PYTHON, [script, fx.kubeconfig], { env: { PATH: process.env["PATH"] ?? "", HOME: fx.dir } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d.toString()));
    child.stderr.on("data", (d) => (stderr += d.toString()));
    child.on("close", (c) => resolve({ code: c ?? -1, stdout, stderr }));
  });
  assert.is(code, 0, stderr);
  assert.equal(JSON.parse(stdout.trim().split("\n").pop()!), ["read 1", "patched 2", "listed True", "watch MODIFIED py", "watch DELETED py", "status 404 NotFound"]);
});

test.after(() => fx.stop());

test.run();
