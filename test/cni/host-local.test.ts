import { test } from "uvu";
import * as assert from "uvu/assert";
import type { CniEnv, CniHost, NetConf } from "../../core/cni/cni-types.js";
import { NodeFileSystem } from "../../core/cni/node-files.js";
import { hostLocal } from "../../plugins/cni-plugins/host-local.js";

const conf = { cniVersion: "1.0.0", name: "net", type: "ptp", ipam: { type: "host-local", ranges: [[{ subnet: "10.244.1.0/24" }]], dataDir: "/run/ipam" } } as unknown as NetConf;
const env = (command: CniEnv["CNI_COMMAND"], id: string): CniEnv => ({ CNI_COMMAND: command, CNI_CONTAINERID: id, CNI_IFNAME: "eth0", CNI_NETNS: `/var/run/netns/${id}`, CNI_PATH: "/opt/cni/bin" });

test("host-local: an ADD for a container that already holds an address returns that address, not a new one", async () => {
  const files = new NodeFileSystem();
  const host = { files } as unknown as CniHost;
  const add = async (id: string) => (await hostLocal(env("ADD", id), conf, host))!.ips![0]!.address;
  assert.is(await add("a"), "10.244.1.2/24");
  assert.is(await add("b"), "10.244.1.3/24");
  assert.is(await add("a"), "10.244.1.2/24");
  assert.is(await add("b"), "10.244.1.3/24");
  assert.is(files.read("/run/ipam/net/10.244.1.3"), "b\neth0");
  await hostLocal(env("DEL", "a"), conf, host);
  assert.not.ok(files.exists("/run/ipam/net/10.244.1.2"));
  assert.is(await add("c"), "10.244.1.4/24", "allocation continues after the last reserved address");
  assert.equal(files.list("/run/ipam/net"), ["10.244.1.3", "10.244.1.4", "last_reserved_ip.0"]);
  // Reservations written or removed by others count as host-local's own: the files are the record.
  files.write("/run/ipam/net/10.244.1.9", "e\neth0");
  files.write("/run/ipam/net/10.244.1.8", "e\neth0");
  assert.is(await add("e"), "10.244.1.8/24", "the lowest-named of the container's reservations");
  files.remove("/run/ipam/net/10.244.1.3");
  assert.is(await add("b"), "10.244.1.5/24");
  files.write("/run/ipam/net/10.244.1.4", "f\neth0");
  assert.is(await add("f"), "10.244.1.4/24");
  assert.is(await add("c"), "10.244.1.6/24", "a reservation rewritten for another container is no longer the first one's");
});

test("host-local: DEL frees only the container's reservations and GC every reservation no valid attachment holds; other files stay", async () => {
  const files = new NodeFileSystem();
  const host = { files } as unknown as CniHost;
  for (const id of ["a", "b", "c", "d"]) await hostLocal(env("ADD", id), conf, host);
  files.write("/run/ipam/net/lock", "");
  // A second reservation of "b" (as a crashed earlier ADD leaves) goes with the first.
  files.write("/run/ipam/net/10.244.1.9", "b\neth0");
  await hostLocal(env("DEL", "b"), conf, host);
  assert.equal(files.list("/run/ipam/net"), ["10.244.1.2", "10.244.1.4", "10.244.1.5", "last_reserved_ip.0", "lock"]);
  await hostLocal(env("DEL", "zz"), conf, host);
  assert.is(files.list("/run/ipam/net").length, 5, "DEL of an unknown container changes nothing");
  const gc = { ...conf, "cni.dev/valid-attachments": [{ containerID: "c", ifname: "eth0" }] } as unknown as NetConf;
  await hostLocal(env("GC", ""), gc, host);
  assert.equal(files.list("/run/ipam/net"), ["10.244.1.4", "last_reserved_ip.0", "lock"]);
});

test.run();
