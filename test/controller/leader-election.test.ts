/** Leader election on Leases between two managers in one process, on the virtual clock. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Lease } from "kubernetes-types/coordination/v1.js";
import type { Client, ResourceRef } from "../../core/client/client.js";
import { SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import { Manager, type ManagerLeaderElectionOptions } from "../../core/controller/manager.js";
import { controllerFor } from "../../core/controller/builder.js";
import { LeaderElector } from "../../core/controller/leader-election/leader-elector.js";
import { createLogger } from "../../core/log/logger.js";
import { testControlPlane } from "../support/control-plane.js";
import { settle } from "./harness.js";

type Cp = Awaited<ReturnType<typeof testControlPlane>>;

/** Records who leads when, and fails if two lead at once. */
class LeadershipLog {
  readonly entries: string[] = [];
  private leaders = new Set<string>();
  maxLeaders = 0;
  constructor(private readonly clock: { now(): number }) {}
  callbacks(id: string): Pick<ManagerLeaderElectionOptions, "onStartedLeading" | "onStoppedLeading"> {
    return {
      onStartedLeading: () => {
        this.leaders.add(id);
        this.maxLeaders = Math.max(this.maxLeaders, this.leaders.size);
        this.entries.push(`${id} leads at ${this.clock.now() - Date.UTC(2026, 0, 1)}`);
      },
      onStoppedLeading: () => {
        if (this.leaders.delete(id)) this.entries.push(`${id} stops at ${this.clock.now() - Date.UTC(2026, 0, 1)}`);
      },
    };
  }
  leading(id: string): boolean {
    return this.leaders.has(id);
  }
}

/** A client whose Lease calls fail like a broken connection while `broken` is set. */
function breakableClient(inner: Client): Client & { broken: boolean } {
  const c = {
    broken: false,
    resource(ref: ResourceRef) {
      const r = inner.resource(ref);
      const isLease = typeof ref === "object" && "kind" in ref && ref.kind === "Lease";
      if (!isLease) return r;
      return new Proxy(r, {
        get(target, prop, receiver) {
          const v = Reflect.get(target, prop, receiver);
          if (typeof v !== "function") return v;
          return (...args: unknown[]) => (c.broken ? Promise.reject(new Error("connection refused")) : (v as (...a: unknown[]) => unknown).apply(target, args));
        },
      });
    },
  };
  return c as Client & { broken: boolean };
}

function candidate(cp: Cp, id: string, log: LeadershipLog, client: Client = cp.client, extra: Partial<ManagerLeaderElectionOptions> = {}) {
  const informers = new SharedInformerFactory({ client, clock: cp.clock, registry: cp.registry });
  const mgr = new Manager({
    client,
    informers,
    clock: cp.clock,
    log: createLogger(id, { level: "silent" }),
    registry: cp.registry,
    leaderElection: { id: "my-controller", identity: id, ...log.callbacks(id), ...extra },
  });
  const reconciled: string[] = [];
  controllerFor(mgr).for("ConfigMap").complete({ reconcile: (r) => void reconciled.push(r.name) });
  return { mgr, reconciled };
}

const lease = (cp: Cp) => cp.client.resource<Lease>({ apiVersion: "coordination.k8s.io/v1", kind: "Lease" }).get("my-controller", { namespace: "kube-system" });

test("failover: A leads; A stops without releasing; B takes over once the lease expires; never two leaders", async () => {
  const cp = await testControlPlane();
  const log = new LeadershipLog(cp.clock);
  const a = candidate(cp, "a", log, cp.client, { releaseOnCancel: false });
  const b = candidate(cp, "b", log);
  await cp.client.resource("ConfigMap").create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm", namespace: "default" } });
  await a.mgr.start();
  await settle();
  await b.mgr.start();
  await settle();
  assert.ok(a.mgr.isLeader());
  assert.not.ok(b.mgr.isLeader());
  assert.equal(a.reconciled, ["cm"], "the leader's controller runs");
  assert.equal(b.reconciled, [], "the follower's controller does not start");
  let l = await lease(cp);
  assert.equal(l.spec, {
    holderIdentity: "a",
    leaseDurationSeconds: 15,
    acquireTime: "2026-01-01T00:00:00.000000Z",
    renewTime: "2026-01-01T00:00:00.000000Z",
    leaseTransitions: 0,
  });
  await cp.clock.advance(20_000);
  l = await lease(cp);
  assert.is(l.spec!.holderIdentity, "a");
  assert.is(l.spec!.renewTime, "2026-01-01T00:00:20.000000Z", "renewed every retry period");
  assert.is(l.spec!.acquireTime, "2026-01-01T00:00:00.000000Z");
  await a.mgr.stop();
  assert.not.ok(log.leading("a"));
  assert.is((await lease(cp)).spec!.holderIdentity, "a", "not released");
  await cp.clock.advance(14_000);
  assert.not.ok(b.mgr.isLeader(), "the lease has not expired yet");
  await cp.clock.advance(3_000);
  assert.ok(b.mgr.isLeader(), log.entries.join("; "));
  l = await lease(cp);
  assert.is(l.spec!.holderIdentity, "b");
  assert.is(l.spec!.leaseTransitions, 1);
  assert.is(l.spec!.acquireTime, l.spec!.renewTime);
  await settle();
  assert.equal(b.reconciled, ["cm"], "B's controller starts once it leads");
  assert.is(log.maxLeaders, 1);
  assert.equal(log.entries, ["a leads at 0", "a stops at 20000", "b leads at 36000"]);
  await b.mgr.stop();
  assert.is((await lease(cp)).spec!.holderIdentity, "", "B releases on stop");
  assert.is((await lease(cp)).spec!.leaseDurationSeconds, 1);
  assert.is(cp.clock.pending, 0);
});

test("release on stop: the other candidate takes over within one retry period", async () => {
  const cp = await testControlPlane();
  const log = new LeadershipLog(cp.clock);
  const a = candidate(cp, "a", log);
  const b = candidate(cp, "b", log);
  await a.mgr.start();
  await b.mgr.start();
  await cp.clock.advance(5_000);
  await a.mgr.stop();
  assert.is((await lease(cp)).spec!.holderIdentity, "");
  await cp.clock.advance(2_000);
  assert.ok(b.mgr.isLeader());
  assert.is((await lease(cp)).spec!.leaseTransitions, 1);
  assert.is(log.maxLeaders, 1);
  await b.mgr.stop();
  assert.is(cp.clock.pending, 0);
});

test("a leader that cannot renew steps down after renewDeadline (its manager stops); B leads only after the lease expires", async () => {
  const cp = await testControlPlane();
  const log = new LeadershipLog(cp.clock);
  const aClient = breakableClient(cp.client);
  const a = candidate(cp, "a", log, aClient);
  const b = candidate(cp, "b", log);
  await a.mgr.start();
  await b.mgr.start();
  await cp.clock.advance(4_000);
  aClient.broken = true;
  await cp.clock.advance(30_000);
  assert.ok(a.mgr.leadershipLost);
  assert.ok(b.mgr.isLeader());
  assert.is(log.maxLeaders, 1, log.entries.join("; "));
  // A renewed last at 4 s; its renewals fail from 6 s and it gives up at 6 + 10 s. B first saw the
  // 4 s renewal on its 6 s attempt, so for B the lease expires at 6 + 15 s: it takes over at 22 s.
  assert.equal(log.entries, ["a leads at 0", "a stops at 16000", "b leads at 22000"]);
  await a.mgr.stop();
  await b.mgr.stop();
  assert.is(cp.clock.pending, 0);
});

test("LeaderElector validates its timings with client-go's messages", async () => {
  const cp = await testControlPlane();
  const base = { client: cp.client, clock: cp.clock, lease: { namespace: "default", name: "x" }, identity: "me" };
  assert.throws(() => new LeaderElector({ ...base, leaseDuration: 10_000 }), /leaseDuration must be greater than renewDeadline/);
  assert.throws(() => new LeaderElector({ ...base, renewDeadline: 2_000 }), /renewDeadline must be greater than retryPeriod\*JitterFactor/);
  assert.throws(() => new LeaderElector({ ...base, identity: "" }), /Lock identity is empty/);
});

test.run();
