import { test } from "uvu";
import * as assert from "uvu/assert";
import { NodeFileSystem } from "../../core/cni/node-files.js";
import { CniRuntime, CNI_CONF_DIR } from "../../core/cni/cni-runtime.js";
import type { CniHost, CniPlugin } from "../../core/cni/cni-types.js";
import type { ExtensionPoint } from "../../core/plugins/extension-point.js";

/** A runtime over a bare node file system: config() reads only the files, never the plane. */
function runtimeOn(files: NodeFileSystem): CniRuntime {
  const host = { node: "n", nodeIP: "172.18.0.2", podCidr: "10.244.1.0/24", files, netns: () => undefined } as unknown as Omit<CniHost, "delegate">;
  return new CniRuntime(host, { get: () => undefined } as unknown as ExtensionPoint<CniPlugin>);
}

const conflist = (name: string) => JSON.stringify({ cniVersion: "1.1.0", name, plugins: [{ type: "ptp" }] });

test("the active configuration follows every write and removal in /etc/cni/net.d, and only those", () => {
  const files = new NodeFileSystem();
  const cni = runtimeOn(files);
  assert.is(cni.config(), undefined);
  files.write(`${CNI_CONF_DIR}/10-kindnet.conflist`, conflist("kindnet"));
  assert.is(cni.config()?.name, "kindnet");
  // Asked again with nothing changed: the same (frozen) list.
  assert.is(cni.config(), cni.config());
  // Writes elsewhere (host-local's reservations) leave it as it is.
  files.write("/var/lib/cni/networks/kindnet/10.244.1.2", "c\neth0");
  assert.is(cni.config()?.name, "kindnet");
  // Rewritten in place: the new content.
  files.write(`${CNI_CONF_DIR}/10-kindnet.conflist`, conflist("kindnet-v2"));
  assert.is(cni.config()?.name, "kindnet-v2");
  // A file earlier by name wins; an unparsable one is skipped; a non-config file is ignored.
  files.write(`${CNI_CONF_DIR}/05-broken.conflist`, "{not json");
  files.write(`${CNI_CONF_DIR}/01-readme.txt`, conflist("readme"));
  assert.is(cni.config()?.name, "kindnet-v2");
  files.write(`${CNI_CONF_DIR}/07-flannel.conflist`, conflist("cbr0"));
  assert.is(cni.config()?.name, "cbr0");
  files.remove(`${CNI_CONF_DIR}/07-flannel.conflist`);
  files.remove(`${CNI_CONF_DIR}/10-kindnet.conflist`);
  assert.is(cni.config(), undefined);
});

test.run();
