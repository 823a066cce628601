/** The kubelet's one-object watch: a reflector over the object alone, sync waits bounded by the clock. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { internalError } from "../../core/api/status.js";
import { ObjectWatch } from "../../plugins/kubelet/object-watch.js";
import { FakeClient, pod } from "../informers/fake-client.js";

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

test("lists the named object with its field selector, then follows its updates and deletion; stop ends the watch", async () => {
  const clock = new VirtualClock({ start: 0 });
  const client = new FakeClient();
  const server = client.fake("pods");
  server.put(pod("default", "a"));
  const w = new ObjectWatch(clock, { client, kind: "pods", namespace: "default", name: "a" });
  assert.is(w.hasSynced(), false);
  await settle();
  assert.is(w.hasSynced(), true);
  assert.is(await w.waitForSync(1000), true);
  assert.is(server.listCalls[0]!.fieldSelector, "metadata.name=a");
  assert.is(server.listCalls[0]!.namespace, "default");
  assert.is(w.object?.metadata?.name, "a");
  server.put(pod("default", "a", { labels: { x: "y" } }));
  assert.equal(w.object?.metadata?.labels, { x: "y" });
  server.remove("default", "a");
  assert.is(w.object, undefined);
  w.stop();
  await w.running;
  assert.is(clock.pending, 0, "no timer left");
});

test("a wait for the first list gives false after its timeout on the clock, and false once stopped", async () => {
  const clock = new VirtualClock({ start: 0 });
  const client = new FakeClient();
  const server = client.fake("pods");
  for (let i = 0; i < 5; i++) server.listFailures.push(internalError("etcd down"));
  const w = new ObjectWatch(clock, { client, kind: "pods", namespace: "default", name: "a" });
  const timedOut = w.waitForSync(1000);
  await settle();
  let settled: boolean | undefined;
  void timedOut.then((v) => (settled = v));
  await clock.advance(999);
  await settle();
  assert.is(settled, undefined, "still waiting before the timeout");
  await clock.advance(1);
  await settle();
  assert.is(settled, false);
  const stopped = w.waitForSync(1000);
  w.stop();
  assert.is(await stopped, false);
  assert.is(await w.waitForSync(1000), false);
  await w.running;
  assert.is(clock.pending, 0, "no timer left");
});

test.run();
