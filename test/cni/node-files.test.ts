import { test } from "uvu";
import * as assert from "uvu/assert";
import { NodeFileSystem } from "../../core/cni/node-files.js";

test("list names the files directly in a directory, sorted, and follows writes and removals", () => {
  const fs = new NodeFileSystem();
  fs.write("/var/lib/cni/networks/kindnet/10.244.1.3", "c3\neth0");
  fs.write("/var/lib/cni/networks/kindnet/10.244.1.2", "c2\neth0");
  fs.write("/var/lib/cni/networks/kindnet/last_reserved_ip.0", "10.244.1.3");
  fs.write("/var/lib/cni/networks/kindnet/sub/x", "deeper");
  fs.write("/etc/cni/net.d/10-kindnet.conflist", "{}");
  assert.equal(fs.list("/var/lib/cni/networks/kindnet"), ["10.244.1.2", "10.244.1.3", "last_reserved_ip.0"]);
  assert.equal(fs.list("/var/lib/cni/networks/kindnet/"), ["10.244.1.2", "10.244.1.3", "last_reserved_ip.0"]);
  assert.equal(fs.list("/var/lib/cni/networks"), []);
  // Rewriting a file does not list it twice; removing one drops it; an emptied directory lists nothing.
  fs.write("/var/lib/cni/networks/kindnet/10.244.1.2", "c9\neth0");
  assert.ok(fs.remove("/var/lib/cni/networks/kindnet/10.244.1.3"));
  assert.not.ok(fs.remove("/var/lib/cni/networks/kindnet/10.244.1.3"));
  assert.equal(fs.list("/var/lib/cni/networks/kindnet"), ["10.244.1.2", "last_reserved_ip.0"]);
  fs.remove("/etc/cni/net.d/10-kindnet.conflist");
  assert.equal(fs.list("/etc/cni/net.d"), []);
  fs.write("/etc/cni/net.d/05-other.conf", "{}");
  assert.equal(fs.list("/etc/cni/net.d"), ["05-other.conf"]);
  // entries: the same files with their contents, as last written.
  assert.equal(new Map(fs.entries("/var/lib/cni/networks/kindnet/")), new Map([["10.244.1.2", "c9\neth0"], ["last_reserved_ip.0", "10.244.1.3"]]));
  assert.is(fs.entries("/nowhere").size, 0);
});

test.run();
