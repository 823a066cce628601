/** `kubesim apiserver --event-ttl`: kube-apiserver's flag, a Go duration; Events go that long after their last write. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { KUBECTL, requireTool } from "../support/require-tool.js";
import { kubectlIn } from "../clients/kubectl-runner.js";
import { component, stopAll } from "../support/kubesim-component.js";
import { KUBESIM_CLI } from "../support/kubesim-cli.js";

requireTool(KUBECTL);

const EVENT = `apiVersion: v1
kind: Event
metadata:
  name: short-lived
  namespace: default
involvedObject: { kind: ConfigMap, name: x, namespace: default }
reason: Testing
message: goes after the event TTL
type: Normal
`;

test("an Event is deleted --event-ttl after its last write (2s here), not before", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kubesim-event-ttl-"));
  const kubeconfig = join(dir, "kubeconfig");
  const children: ChildProcess[] = [];
  try {
    const apiserver = component(["apiserver", "--secure-port", "0", "--state-dir", join(dir, "state"), "--storage-backend", "memory", "--kubeconfig", kubeconfig, "--event-ttl", "2s"]);
    children.push(apiserver.child);
    await apiserver.waitFor(/^ready/m);
    const kubectl = kubectlIn(dir, kubeconfig);
    const created = Date.now();
    await kubectl.ok(["create", "-f", "-"], EVENT);
    assert.is((await kubectl.ok(["get", "event", "short-lived", "-o", "name"])).trim(), "event/short-lived");
    let goneAfter = -1;
    while (Date.now() - created < 20_000) {
      const got = await kubectl.run(["get", "event", "short-lived", "-o", "name"]);
      if (got.code !== 0) {
        assert.match(got.stderr, /events "short-lived" not found/);
        goneAfter = Date.now() - created;
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(goneAfter >= 1900, `deleted ${goneAfter} ms after its create`);
  } finally {
    await stopAll(children);
  }
});

test("a bad --event-ttl is refused with Go's duration error, before anything starts", () => {
  for (const [value, message] of [["1d", 'time: unknown unit "d" in duration "1d"'], ["-5m", "--event-ttl must not be negative"]] as const) {
    const run = spawnSync(process.execPath, [...KUBESIM_CLI, "apiserver", "--storage-backend", "memory", "--event-ttl", value], { encoding: "utf8", timeout: 60_000 });
    assert.is.not(run.status, 0, value);
    assert.ok(run.stderr.includes(message), run.stderr);
  }
});

test.run();
