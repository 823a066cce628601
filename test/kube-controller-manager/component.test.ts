import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Namespace, ServiceAccount } from "kubernetes-types/core/v1.js";
import type { Lease } from "kubernetes-types/coordination/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { isStatusError } from "../../core/api/status.js";
import { KNOWN_CONTROLLERS, kubeControllerManager, runControllerManager, selectControllers, UnknownControllerError, KubeControllerManager } from "../../plugins/kube-controller-manager/index.js";
import { eventually, startFixture } from "../http/fixture.js";

const names = (spec: string | string[] | undefined): string[] => selectControllers(KNOWN_CONTROLLERS, spec).map((d) => d.name);
const all = KNOWN_CONTROLLERS.filter((d) => !d.disabledByDefault).map((d) => d.name);

test("--controllers: '*' enables the defaults, '-foo' disables, 'foo' alone enables only foo, aliases name the same controller", () => {
  const cases: [string | string[] | undefined, string[]][] = [
    [undefined, all],
    ["*", all],
    ["*,-namespace", all.filter((n) => n !== "namespace-controller")],
    ["*,-namespace-controller,-garbagecollector", all.filter((n) => n !== "namespace-controller" && n !== "garbage-collector-controller")],
    ["namespace", ["namespace-controller"]],
    ["*,-ttl", all.filter((n) => n !== "ttl-controller")],
    [["serviceaccount", "namespace-controller"], ["serviceaccount-controller", "namespace-controller"]],
    ["-namespace,namespace,*", all.filter((n) => n !== "namespace-controller")], // first match wins
    ["", []],
  ];
  for (const [spec, want] of cases) assert.equal(names(spec), want, `--controllers=${JSON.stringify(spec)}`);
  try {
    names("*,-nope");
    assert.unreachable("unknown controller accepted");
  } catch (err) {
    assert.instance(err, UnknownControllerError);
    assert.match((err as Error).message, '"nope" is not in the list of known controllers');
  }
});

test("--concurrent-*-syncs: known flags set workers, unknown or non-positive values are refused", async () => {
  const cluster = new Cluster({ clock: "virtual", plugins: [] });
  await cluster.start();
  const deps = { client: cluster.client, informers: cluster.informers, clock: cluster.clock, log: cluster.log, registry: cluster.registry };
  const kcm = new KubeControllerManager(deps, { concurrency: { "concurrent-namespace-syncs": 3 }, leaderElect: false });
  assert.is(kcm.concurrencyOf(KNOWN_CONTROLLERS.find((d) => d.name === "namespace-controller")!), 3);
  assert.is(kcm.concurrencyOf(KNOWN_CONTROLLERS.find((d) => d.name === "garbage-collector-controller")!), 20);
  for (const bad of [{ "concurrent-nothing-syncs": 2 }, { "concurrent-namespace-syncs": 0 }] as Record<string, number>[]) {
    try {
      new KubeControllerManager(deps, { concurrency: bad });
      assert.unreachable("accepted " + JSON.stringify(bad));
    } catch (err) {
      assert.match((err as Error).message, /--concurrent-/);
    }
  }
  await cluster.stop();
});

test("in-process by default: elected on kube-system/kube-controller-manager, runs the enabled controllers only", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, plugins: [kubeControllerManager({ controllers: "*,-serviceaccount" })] });
  await cluster.start();
  const lease = await cluster.waitFor<Lease>("Lease", (l) => l.metadata?.name === "kube-controller-manager" && !!l.spec?.holderIdentity, { namespace: "kube-system" });
  assert.ok(lease.spec!.leaseDurationSeconds === 15);
  await cluster.client.resource<Namespace>("Namespace").create({ metadata: { name: "shop" } });
  await cluster.clock.sleep(5_000);
  try {
    await cluster.client.resource<ServiceAccount>("ServiceAccount").get("default", { namespace: "shop" });
    assert.unreachable("serviceaccount controller ran although disabled");
  } catch (err) {
    assert.ok(isStatusError(err, "NotFound"));
  }
  // The namespace controller runs: deleting the namespace completes.
  await cluster.client.resource("Namespace").delete("shop");
  await cluster.waitFor<Namespace>("Namespace", () => true); // informer warm
  await cluster.clock.sleep(1_000);
  try {
    await cluster.client.resource("Namespace").get("shop");
    assert.unreachable("namespace not finalized");
  } catch (err) {
    assert.ok(isStatusError(err, "NotFound"));
  }
  await cluster.stop();
});

test("an API-only cluster (plugins: []) runs no controllers and holds no lease", async () => {
  const cluster = new Cluster({ clock: "virtual", plugins: [] });
  await cluster.start();
  await cluster.client.resource<Namespace>("Namespace").create({ metadata: { name: "bare" } });
  await cluster.clock.sleep(5_000);
  const sas = await cluster.client.resource("ServiceAccount").list({ namespace: "bare" });
  assert.is(sas.items.length, 0);
  const leases = await cluster.client.resource("Lease").list({ namespace: "kube-system" });
  assert.not.ok(leases.items.some((l) => l.metadata?.name === "kube-controller-manager"));
  await cluster.stop();
});

test("over HTTP (kubesim controller-manager): takes the lease, reconciles, releases the lease on shutdown", async () => {
  const fx = await startFixture();
  fx.cp.clock.setAuto(true);
  const handle = await runControllerManager({ kubeconfig: fx.kubeconfig, logLevel: "silent", identity: "kcm-test" });
  try {
    await handle.elected();
    const lease = (await fx.cp.client.resource<Lease>("Lease").get("kube-controller-manager", { namespace: "kube-system" })) as Lease;
    assert.is(lease.spec!.holderIdentity, "kcm-test");
    await fx.cp.client.resource<Namespace>("Namespace").create({ metadata: { name: "remote" } });
    await eventually(async () => (await fx.cp.client.resource("ServiceAccount").list({ namespace: "remote" })).items.length === 1, 5000, "default ServiceAccount");
  } finally {
    await handle.shutdown();
  }
  const released = (await fx.cp.client.resource<Lease>("Lease").get("kube-controller-manager", { namespace: "kube-system" })) as Lease;
  assert.is(released.spec!.holderIdentity ?? "", "");
  await fx.stop();
});

test("ttl controller: nodes get node.alpha.kubernetes.io/ttl from the cluster size, with hysteresis", async () => {
  const { ttlStep, TTL_BOUNDARIES } = await import("../../plugins/kube-controller-manager/controllers/ttl/ttl-controller.js");
  const ttl = (step: number): number => TTL_BOUNDARIES[step]!.ttl;
  assert.is(ttl(ttlStep(0, 3)), 0);
  assert.is(ttl(ttlStep(0, 101)), 15);
  assert.is(ttl(ttlStep(1, 95)), 15, "stays until below 90");
  assert.is(ttl(ttlStep(1, 89)), 0);
  assert.is(ttl(ttlStep(0, 20_000)), 600);
  const cluster = new Cluster({ clock: "virtual", nodes: 2 });
  await cluster.start();
  const node = await cluster.waitFor("Node", (n) => n.metadata?.annotations?.["node.alpha.kubernetes.io/ttl"] === "0");
  assert.ok(node);
  await cluster.stop();
});

test.run();
