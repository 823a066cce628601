import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectoryFileSystem } from "../../core/cri/directory-filesystem.js";
import { FsError, S_ISGID } from "../../core/cri/filesystem.js";

test("DirectoryFileSystem keeps files in a real directory and behaves as the in-memory filesystem", () => {
  const root = mkdtempSync(join(tmpdir(), "kubesim-dirfs-"));
  try {
    const fs = new DirectoryFileSystem(root);
    fs.write("/a/b/f", "one");
    assert.is(readFileSync(join(root, "a", "b", "f"), "utf8"), "one", "on disk");
    assert.is(new DirectoryFileSystem(root).read("/a/b/f"), "one", "a second instance over the directory reads it");
    assert.equal(fs.list("/"), ["a"]);
    assert.ok(fs.isDirectory("/a/b"));
    assert.is(fs.list("/a/b/f"), undefined, "a file is no directory");
    assert.is(fs.read("/missing"), undefined);
    let err: unknown;
    try {
      fs.write("/a", "x");
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof FsError && err.code === "EISDIR");
    fs.chmod("/a", 0o775 | S_ISGID);
    fs.chown("/a", undefined, 2000);
    fs.mkdir("/a/new");
    fs.write("/a/g", "two");
    assert.equal(fs.stat("/a/new"), { uid: 0, gid: 2000, mode: 0o755 | S_ISGID }, "a setgid directory hands its group down");
    assert.equal(fs.stat("/a/g"), { uid: 0, gid: 2000, mode: 0o644 });
    assert.ok(fs.remove("/a"));
    assert.not.ok(fs.remove("/a"));
    assert.equal(fs.list("/"), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
