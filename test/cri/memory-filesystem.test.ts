import { test } from "uvu";
import * as assert from "uvu/assert";
import { MemoryFileSystem } from "../../core/cri/filesystem.js";

/** The filesystem's contract read off its whole contents: what a scan of every path would list. */
function scanList(files: Map<string, string>, dirs: Set<string>, dir: string): string[] | undefined {
  const prefix = dir === "/" ? "/" : dir + "/";
  const names = new Set<string>();
  for (const f of files.keys()) if (f.startsWith(prefix)) names.add(f.slice(prefix.length).split("/")[0]!);
  for (const d of dirs) if (d.startsWith(prefix) && d !== dir) names.add(d.slice(prefix.length).split("/")[0]!);
  if (!dirs.has(dir) && names.size === 0) return undefined;
  return [...names].sort();
}

/** Random writes, mkdirs and removes over paths of `names`, each step checked against a scan. */
function fuzz(seed: number, names: string[]): void {
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
  const path = (): string => "/" + Array.from({ length: 1 + rnd(4) }, () => names[rnd(names.length)]).join("/");
  const fs = new MemoryFileSystem();
  const files = new Map<string, string>();
  const dirs = new Set<string>(["/"]);
  const mkdirs = (p: string): void => {
    for (let d = p; !dirs.has(d); d = d.slice(0, Math.max(1, d.lastIndexOf("/")))) dirs.add(d);
  };
  for (let step = 0; step < 3000; step++) {
    const p = path();
    const op = rnd(10);
    if (op < 5) {
      if (dirs.has(p)) {
        assert.throws(() => fs.write(p, "x"));
      } else {
        fs.write(p, `data ${step}`);
        mkdirs(p.slice(0, Math.max(1, p.lastIndexOf("/"))));
        files.set(p, `data ${step}`);
      }
    } else if (op < 7) {
      fs.mkdir(p);
      mkdirs(p);
    } else {
      const prefix = p + "/";
      let want = files.delete(p) || dirs.delete(p);
      for (const f of [...files.keys()]) if (f.startsWith(prefix)) want = files.delete(f) || want;
      for (const d of [...dirs]) if (d.startsWith(prefix)) want = dirs.delete(d) || want;
      assert.is(fs.remove(p), want, `remove ${p} at step ${step}`);
    }
    const probe = [p, p.slice(0, Math.max(1, p.lastIndexOf("/"))), "/", path()];
    for (const q of probe) {
      assert.equal(fs.list(q), scanList(files, dirs, q), `list ${q} at step ${step}`);
      assert.is(fs.isDirectory(q), scanList(files, dirs, q) !== undefined, `isDirectory ${q} at step ${step}`);
      assert.is(fs.read(q), files.get(q), `read ${q} at step ${step}`);
    }
  }
}

test("list, isDirectory and remove agree with a scan of every path after random writes, mkdirs and removes", () => {
  fuzz(11, ["a", "b", "c", "var", "pods"]);
});

test("directories past the small-directory size (a set of names, not an array) agree with a scan too", () => {
  fuzz(7, Array.from({ length: 40 }, (_, i) => `n${i}`));
});

test("removing a directory removes its tree and leaves its siblings listed", () => {
  const fs = new MemoryFileSystem({ "/var/lib/kubelet/pods/u1/volumes/x/token": "t", "/var/lib/kubelet/pods/u2/etc-hosts": "h" });
  assert.equal(fs.list("/var/lib/kubelet/pods"), ["u1", "u2"]);
  assert.ok(fs.remove("/var/lib/kubelet/pods/u1"));
  assert.equal(fs.list("/var/lib/kubelet/pods"), ["u2"]);
  assert.is(fs.list("/var/lib/kubelet/pods/u1/volumes"), undefined);
  assert.is(fs.read("/var/lib/kubelet/pods/u1/volumes/x/token"), undefined);
  assert.not.ok(fs.remove("/var/lib/kubelet/pods/u1"));
});

test.run();
