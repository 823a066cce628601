/** kubectl cp (v1.32) to and from a container with tar: files and directories, both ways. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Pod } from "kubernetes-types/core/v1.js";
import { KUBECTL, requireTool } from "../support/require-tool.js";
import { kubectlKubeletCluster } from "./kubectl-harness.js";

requireTool(KUBECTL);

const fx = await kubectlKubeletCluster(5);
const { cluster, dir } = fx;
const k = fx.kubectl();

test("kubectl cp copies a file and a directory into a container and back out", async () => {
  await cluster.client.resource<Pod>("Pod").create({ apiVersion: "v1", kind: "Pod", metadata: { name: "box", namespace: "default" }, spec: { nodeName: "node-1", containers: [{ name: "c", image: "busybox:1.36", command: ["sleep", "infinity"] }] } });
  await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === "box" && p.status?.phase === "Running", { timeout: 20_000 });
  const local = join(dir, "notes.txt");
  writeFileSync(local, "first line\nsecond line: café ✓\n");
  assert.is((await k.run(["cp", local, "box:/tmp/notes.txt"])).code, 0);
  assert.is(await k.ok(["exec", "box", "--", "cat", "/tmp/notes.txt"]), "first line\nsecond line: café ✓\n");

  const tree = join(dir, "site");
  mkdirSync(join(tree, "css"), { recursive: true });
  writeFileSync(join(tree, "index.html"), "<h1>hi</h1>\n");
  writeFileSync(join(tree, "css", "main.css"), "body { margin: 0 }\n");
  const up = await k.run(["cp", tree, "box:/srv/site"]);
  assert.is(up.code, 0, up.stderr);
  assert.is(await k.ok(["exec", "box", "--", "cat", "/srv/site/css/main.css"]), "body { margin: 0 }\n");

  const back = join(dir, "back");
  const down = await k.run(["cp", "box:/srv/site", back]);
  assert.is(down.code, 0, down.stderr);
  assert.is(readFileSync(join(back, "index.html"), "utf8"), "<h1>hi</h1>\n");
  assert.is(readFileSync(join(back, "css", "main.css"), "utf8"), "body { margin: 0 }\n");
  const one = join(dir, "hostname.txt");
  assert.is((await k.run(["cp", "box:/tmp/notes.txt", one])).code, 0);
  assert.is(readFileSync(one, "utf8"), "first line\nsecond line: café ✓\n");
});

test.after(() => fx.close());

test.run();
