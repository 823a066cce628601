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
});

test.run();
