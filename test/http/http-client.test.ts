import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ConfigMap } from "kubernetes-types/core/v1.js";
import type { Deployment } from "kubernetes-types/apps/v1.js";
import { HttpClient } from "../../core/client/http-client.js";
import { isStatusError, resourceExpired } from "../../core/api/status.js";
import type { KubeObject } from "../../core/api/object.js";
import type { WatchEvent } from "../../core/client/client.js";
import type { ApiServerApi } from "../../core/apiserver/api-server-contract.js";
import { SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import { RealClock } from "../../core/clock/real-clock.js";
import { eventually, startFixture } from "./fixture.js";
import { testControlPlane } from "../support/control-plane.js";

/** HTTPS with the generated CA and the admin token, through a kubeconfig file. */
const fx = await startFixture();
const client = HttpClient.fromKubeconfig(fx.kubeconfig);
const cm = (name: string, data: Record<string, string> = {}): ConfigMap => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" }, data });

test("CRUD over HTTPS from a kubeconfig; refs by kind, plural, short name, apiVersion+kind; StatusErrors from the server", async () => {
  const cms = client.resource<ConfigMap>("ConfigMap");
  const created = await cms.create(cm("a", { k: "1" }));
  assert.ok(created.metadata?.uid);
  assert.equal((await client.resource<ConfigMap>("cm").get("a")).data, { k: "1" });
  const updated = await cms.update({ ...created, data: { k: "2" } });
  assert.equal(updated.data, { k: "2" });
  const stale = await cms.update({ ...created, data: { k: "3" } }).catch((e: unknown) => e);
  assert.ok(isStatusError(stale, "Conflict"), String(stale));
  await cms.patch("a", "merge", { data: { m: "x" } });
  await cms.patch("a", "apply", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" }, data: { s: "y" } }, { fieldManager: "me" });
  const patched = await client.resource<ConfigMap>({ apiVersion: "v1", kind: "ConfigMap" }).get("a", { namespace: "default" });
  assert.is(patched.data?.["s"], "y");
  const list = await client.resource("configmaps").list({ namespace: "default" });
  assert.ok(list.items.some((i) => i.metadata?.name === "a"));
  await cms.delete("a");
  assert.ok(isStatusError(await cms.get("a").catch((e: unknown) => e), "NotFound"));
  const strict = await cms.create({ ...cm("s"), extra: 1 } as ConfigMap, { fieldValidation: "Strict" }).catch((e: unknown) => e);
  assert.ok(isStatusError(strict, "BadRequest"));
  const unknown = await client.resource("widgets").list().catch((e: unknown) => e);
  assert.ok(isStatusError(unknown, "NotFound"));
});

test("subresources: scale and status; cluster-scoped resources", async () => {
  const deps = client.resource<Deployment>("deploy");
  await deps.create({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "default" }, spec: { replicas: 1, selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } } });
  const scale = await deps.getSubresource<KubeObject>("web", "scale");
  await deps.updateSubresource("web", "scale", { ...scale, spec: { replicas: 3 } } as KubeObject, { namespace: "default" });
  assert.is((await deps.get("web")).spec?.replicas, 3);
  const d = await deps.get("web");
  const withStatus = await deps.updateStatus({ ...d, status: { observedGeneration: 9 } });
  assert.is(withStatus.status?.observedGeneration, 9);
  const namespaces = await client.resource("ns").list();
  assert.ok(namespaces.items.some((n) => n.metadata?.name === "kube-system"));
});

test("watch over HTTP: events in order, stop() ends it and releases the server's watcher", async () => {
  const events: WatchEvent[] = [];
  const w = await client.resource("ConfigMap").watch({ namespace: "default", resourceVersion: "" }, (e) => void events.push(e));
  await client.resource<ConfigMap>("ConfigMap").create(cm("w"));
  await client.resource("ConfigMap").patch("w", "merge", { data: { x: "1" } });
  await eventually(() => events.some((e) => e.type === "MODIFIED" && e.object.metadata?.name === "w"), 5000, "MODIFIED");
  assert.is(fx.server.activeWatches(), 1);
  w.stop();
  await w.done;
  await eventually(() => fx.server.activeWatches() === 0, 5000, "server watcher released");
});

test("informers over HTTP survive server-side watch timeouts and a 410 by relisting", async () => {
  const cp = await testControlPlane();
  let failNextWatch = false;
  let watches = 0;
  let lists = 0;
  // The real API server, except that a watch can be made to fail with 410 as a compacted store would.
  const real: ApiServerApi = cp.apiServer;
  const api: ApiServerApi = Object.assign(Object.create(cp.apiServer) as ApiServerApi, {
    list: (...args: Parameters<ApiServerApi["list"]>) => {
      lists++;
      return real.list(...args);
    },
    watch: async (...args: Parameters<ApiServerApi["watch"]>) => {
      watches++;
      if (failNextWatch) {
        failNextWatch = false;
        args[3]({ type: "ERROR", object: resourceExpired("too old resource version: 1 (2)").status as unknown as KubeObject });
        return { stop: () => {}, done: Promise.resolve() };
      }
      return real.watch(...args);
    },
  });
  const local = await startFixture({ apiServer: api, insecureHttp: true, registry: cp.registry, clock: cp.clock });
  const remote = HttpClient.fromKubeconfig(local.kubeconfig);
  const factory = new SharedInformerFactory({ client: remote, clock: new RealClock() });
  const informer = factory.forResource<ConfigMap>("ConfigMap", { namespace: "default" });
  const seen: string[] = [];
  informer.addEventHandler({ onAdd: (o) => void seen.push(`add ${o.metadata?.name}`), onDelete: () => void seen.push("delete") });
  factory.start();
  assert.ok(await factory.waitForCacheSync());
  const inProcess = cp.client.resource<ConfigMap>("ConfigMap");
  await inProcess.create(cm("one"));
  await eventually(() => informer.lister().namespace("default").get("one") !== undefined, 5000, "one in cache");
  // 1. The server times the watch out (its clock passes the reflector's timeoutSeconds): the reflector watches again.
  const watchesBefore = watches;
  await cp.clock.advance(2 * 3600 * 1000);
  await eventually(() => watches > watchesBefore && local.server.activeWatches() === 1, 10000, "a new watch after the timeout");
  await inProcess.create(cm("two"));
  await eventually(() => informer.lister().namespace("default").get("two") !== undefined, 5000, "two in cache");
  // 2. The next watch gets 410 Expired: the reflector relists and catches up with changes it missed.
  const listsBefore = lists;
  failNextWatch = true;
  await cp.clock.advance(2 * 3600 * 1000);
  await inProcess.create(cm("three"));
  await inProcess.delete("one", { namespace: "default" });
  await eventually(() => lists > listsBefore, 10000, "a relist after 410");
  await eventually(() => informer.lister().namespace("default").get("three") !== undefined && informer.lister().namespace("default").get("one") === undefined, 10000, "cache caught up");
  assert.ok(seen.includes("add three"));
  await factory.shutdown();
  remote.close();
  await eventually(() => local.server.activeWatches() === 0, 5000, "watchers released after shutdown");
  await local.stop();
});

test.after(async () => {
  client.close();
  await fx.stop();
});

test.run();
