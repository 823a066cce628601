/** test-runner: from-source (its cluster.yaml loads a plugin from a `.ts` file at run time). */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { Cluster } from "../../core/cluster/cluster.js";
import { ClusterConfigError, validateClusterConfig } from "../../core/cluster/cluster-config.js";
import { AdmissionPlugins } from "../../core/plugins/extension-points.js";

const dir = mkdtempSync(join(tmpdir(), "kubesim-config-"));

test("Cluster.fromConfig builds the described cluster and loads its plugins (paths relative to the file)", async () => {
  const path = join(dir, "cluster.yaml");
  writeFileSync(path, `apiVersion: kubesim.io/v1alpha1
kind: Cluster
name: demo
clock: virtual
seed: 3
podNetworkCidr: 10.200.0.0/16
nodes:
  - role: control-plane
  - role: worker
    name: big
    labels: { size: large }
plugins:
  - admission-always-pull-images
  - ${join(process.cwd(), "examples/third-party-plugin/index.ts")}
`);
  const cluster = Cluster.fromConfig(path);
  await cluster.start();
  const nodes = (await cluster.client.resource("Node").list()).items.map((n) => [n.metadata!.name, (n as { spec?: { podCIDR?: string } }).spec?.podCIDR]);
  assert.equal(nodes, [["big", "10.200.1.0/24"], ["demo-control-plane", "10.200.0.0/24"]]);
  assert.equal(cluster.extensions.point(AdmissionPlugins).entries().map((e) => e.plugin), ["admission-always-pull-images", "example-greeting"]);
  await cluster.stop();
});

test("invalid cluster.yaml: every offending field is named", () => {
  try {
    validateClusterConfig({ apiVersion: "kubesim.io/v1alpha1", kind: "Cluster", clock: "sundial", nodes: [{ role: "boss" }, { name: "Bad_Name" }], extra: 1, serviceCidr: "10.0.0.0/8" });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ClusterConfigError);
    const text = (err as Error).message;
    assert.match(text, /clock: must be one of "real", "virtual"/);
    assert.match(text, /nodes\[0\]\.role: must be one of "control-plane", "worker"/);
    assert.match(text, /nodes\[1\]\.name: must match pattern/);
    assert.match(text, /extra: unknown field/);
  }
  assert.throws(() => validateClusterConfig({ apiVersion: "kubesim.io/v1alpha1", kind: "Cluster", podNetworkCidr: "10.1.2.3" }), /podNetworkCidr: not a CIDR: "10.1.2.3"/);
  assert.throws(() => validateClusterConfig({ apiVersion: "kubesim.io/v1alpha1", kind: "Cluster", nodes: [{ name: "a" }, { name: "a" }] }), /nodes\[1\]\.name: duplicate node name "a"/);
  assert.throws(() => validateClusterConfig({ kind: "Cluster" }), /apiVersion: required/);
});

test("a missing or unparsable file is a ClusterConfigError naming it", () => {
  assert.throws(() => Cluster.fromConfig(join(dir, "nope.yaml")), /nope\.yaml is invalid:\n  - cannot read file/);
  const bad = join(dir, "bad.yaml");
  writeFileSync(bad, "kind: [unclosed");
  assert.throws(() => Cluster.fromConfig(bad), /not valid YAML/);
});

test.run();
