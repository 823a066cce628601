import { test } from "uvu";
import * as assert from "uvu/assert";
import { MemoryFileSystem } from "../../core/cri/filesystem.js";
import { HostFileSystem } from "../../core/cri/host-filesystem.js";

/** Lets the queued watch listeners run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test("a watch hears entries made or removed directly in its directory, its own removal and a removed ancestor's, nothing else", async () => {
  const fs = new HostFileSystem();
  fs.mkdir("/var/lib/kubelet/plugins_registry");
  fs.mkdir("/var/lib/kubelet/plugins_registry_old");
  let heard = 0;
  fs.watch("/var/lib/kubelet/plugins_registry", () => heard++);
  const after = async (change: () => void): Promise<number> => {
    heard = 0;
    change();
    await settle();
    return heard;
  };
  assert.is(await after(() => fs.write("/var/lib/kubelet/plugins_registry/csi.sock", "")), 1, "an entry in it");
  assert.is(await after(() => fs.mkdir("/var/lib/kubelet/plugins_registry/sub")), 1, "a directory in it");
  assert.is(await after(() => fs.write("/var/lib/kubelet/plugins_registry/sub/deeper", "")), 0, "an entry deeper down");
  assert.is(await after(() => fs.write("/var/lib/kubelet/plugins_registry_old/x", "")), 0, "a sibling sharing the name's start");
  assert.is(await after(() => fs.write("/var/lib/kubelet/plugins_registr", "")), 0, "a file in the parent whose name is a prefix of it");
  assert.is(await after(() => fs.write("/var/lib/kubelet/other", "")), 0, "an entry in the parent");
  assert.is(await after(() => fs.remove("/var/lib/kubelet/plugins_registry/csi.sock")), 1, "an entry removed from it");
  assert.is(await after(() => fs.remove("/var/lib/kubelet")), 1, "an ancestor removed");
  const root = new HostFileSystem();
  let rootHeard = 0;
  root.watch("/", () => rootHeard++);
  root.write("/top", "");
  root.write("/top2/x", "");
  await settle();
  assert.is(rootHeard, 1, "the root hears its own entries only");
});

test("a mount shows its source at its target and below it, not at paths that only share the target's first characters", () => {
  const fs = new HostFileSystem();
  const data = new MemoryFileSystem({ "/vol/file": "mounted" });
  fs.mount("/mnt/a", data, "/vol");
  fs.write("/mnt/ab/file", "own");
  assert.is(fs.read("/mnt/a/file"), "mounted");
  assert.is(fs.read("/mnt/ab/file"), "own");
  assert.is(data.read("/vol/file"), "mounted");
  fs.write("/mnt/a/new", "through");
  assert.is(data.read("/vol/new"), "through");
  assert.ok(fs.isDirectory("/mnt/a"));
  fs.mount("/ro", new MemoryFileSystem({ "/f": "x" }), "/", { readonly: true });
  assert.throws(() => fs.write("/ro/f", "y"), /Read-only file system/);
  fs.write("/rox", "fine");
  assert.is(fs.read("/rox"), "fine");
});

test.run();
