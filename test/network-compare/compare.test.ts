import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compareNetworks, parseCniVariant, writeComparison } from "../../plugins/network-compare/index.js";

test("compareNetworks: flannel and Calico side by side, written as Markdown and a self-contained HTML page with charts", async () => {
  const out = mkdtempSync(join(tmpdir(), "kubesim-compare-"));
  try {
    const { reports, files } = await writeComparison({ cni: ["flannel", "calico"], nodes: 3, out });
    const [fl, ca] = reports;
    assert.is(fl!.podMtu, 1450);
    assert.is(ca!.podMtu, 1480);
    const across = (r: typeof fl) => r!.paths.find((p) => p.path === "pod → pod, across nodes")!;
    assert.is(across(fl).overhead, 50, "VXLAN's outer headers");
    assert.is(across(ca).overhead, 20, "IPIP's outer header");
    assert.ok(across(fl).devices.includes("flannel.1"));
    assert.ok(across(ca).devices.includes("tunl0"));
    for (const r of reports) for (const p of r.paths) assert.is(p.outcome, "delivered", `${r.name}: ${p.path}`);
    assert.is(fl!.state.measured.fdb, 2, "one FDB entry per remote node");
    assert.is(ca!.state.measured.bgpSessions, 2, "full mesh: every other node");
    assert.is(ca!.state.growth.find((g) => g.nodes === 100)!.state.bgpSessions, 99);
    assert.is(fl!.convergence.linkDown, null, "flannel keeps routing to a dead node until its Node is deleted");
    assert.ok(ca!.convergence.linkDown! > 160_000 && ca!.convergence.linkDown! <= 240_000, `BGP hold time: ${ca!.convergence.linkDown}`);
    assert.ok(ca!.convergence.join! >= 2_000, "confd batch + BIRD's connect delay");
    assert.is(fl!.networkPolicy.enforced, false);
    assert.is(ca!.networkPolicy.enforced, true);
    const md = readFileSync(files[0]!, "utf8");
    assert.match(md, "| encapsulation | VXLAN (flannel.1, UDP 8472) | IPIP (tunl0) |");
    assert.match(md, "modelled");
    const html = readFileSync(files[1]!, "utf8");
    assert.match(html, /^<!doctype html>/);
    assert.is((html.match(/<svg class="chart"/g) ?? []).length, 4);
    assert.is((html.match(/<svg class="path"/g) ?? []).length, 2);
    assert.not.match(html, /<script|src="http/, "self-contained, no scripts");
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("flannel:udp: 28 bytes of UDP encapsulation through flannel0, MTU 1472; convergence follows flanneld's relay table, not the kernel's /16 route", async () => {
  const [udp] = await compareNetworks({ cni: ["flannel:udp"], nodes: 3 });
  assert.is(udp!.podMtu, 1472);
  const across = udp!.paths.find((p) => p.path === "pod → pod, across nodes")!;
  assert.equal([across.outcome, across.overhead, across.devices], ["delivered", 28, ["eth0", "flannel0", "eth0", "flannel0", "cni0"]]);
  // The API answers without latency here, so a lease reaches every relay table in the join's own instant.
  assert.ok(udp!.convergence.join !== null, "a joining node is reached once its lease is in every relay table");
  assert.is(udp!.convergence.nodeDeleted, 0, "the kube subnet manager drops a deleted Node's lease at once");
  assert.is(udp!.networkPolicy.enforced, false);
});

test("an unknown plugin variant is refused, naming the accepted ones", () => {
  assert.throws(() => parseCniVariant("weave"), /unknown network plugin "weave": use flannel, flannel:host-gw/);
  assert.is(parseCniVariant("calico:vxlan").encapsulation, "VXLAN (vxlan.calico, UDP 4789)");
  assert.match(parseCniVariant("flannel:udp").encapsulation, "flannel0 TUN, port 8285");
});

test.run();
