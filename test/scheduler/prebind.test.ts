/**
 * Framework.runPreBind: PreBind plugins run in order until the first non-success, whose status
 * (naming its plugin) is the answer. Plugins may answer synchronously (nothing to wait for) or
 * with a promise; the run stays synchronous until the first promise.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import type { Pod } from "kubernetes-types/core/v1.js";
import { Framework, type ResolvedProfile } from "../../plugins/kube-scheduler/framework/runtime.js";
import { CycleState } from "../../plugins/kube-scheduler/framework/cycle-state.js";
import { Code, Status } from "../../plugins/kube-scheduler/framework/status.js";
import type { FrameworkHandle, SchedulerPlugin } from "../../plugins/kube-scheduler/framework/interface.js";
import { EXTENSION_POINTS } from "../../plugins/kube-scheduler/config/types.js";

type Answer = "null" | "success" | "unschedulable" | "error";
interface Spec {
  async: boolean;
  answer: Answer;
}

const statusOf = (a: Answer): Status | null => (a === "null" ? null : a === "success" ? Status.success() : a === "unschedulable" ? Status.unschedulable("no") : Status.error("broken"));

function framework(specs: readonly Spec[], called: string[]): Framework {
  const instances = new Map<string, SchedulerPlugin>();
  instances.set("Sort", { name: "Sort", less: () => false } as SchedulerPlugin);
  instances.set("Binder", { name: "Binder", bind: async () => null } as SchedulerPlugin);
  const names = specs.map((s, i) => {
    const name = `P${i}`;
    instances.set(name, {
      name,
      preBind: () => {
        called.push(name);
        const status = statusOf(s.answer);
        return s.async ? Promise.resolve().then(() => status) : status;
      },
    } as SchedulerPlugin);
    return name;
  });
  const points = Object.fromEntries(EXTENSION_POINTS.filter((p) => p !== "multiPoint").map((p) => [p, [] as string[]])) as ResolvedProfile["points"];
  points.queueSort = ["Sort"];
  points.bind = ["Binder"];
  points.preBind = names;
  return new Framework({ schedulerName: "s", percentageOfNodesToScore: undefined, points, weights: new Map(), args: new Map() }, instances, {} as FrameworkHandle);
}

const pod = { metadata: { name: "p", namespace: "default", uid: "u" } } as Pod;

test("PreBind: the first non-success names its plugin; later plugins do not run; synchronous until a plugin returns a promise", async () => {
  const spec = fc.record({ async: fc.boolean(), answer: fc.constantFrom<Answer>("null", "success", "unschedulable", "error") });
  await fc.assert(
    fc.asyncProperty(fc.array(spec, { maxLength: 5 }), async (specs) => {
      const called: string[] = [];
      const result = framework(specs, called).runPreBind(new CycleState(), pod, "n");
      const deciding = specs.findIndex((s) => s.answer === "unschedulable" || s.answer === "error");
      const last = deciding < 0 ? specs.length - 1 : deciding;
      const sync = specs.slice(0, last + 1).every((s) => !s.async);
      assert.is(result instanceof Promise, !sync, "a promise exactly when a plugin up to the deciding one answered with one");
      const status = await result;
      if (deciding < 0) assert.is(status, null);
      else {
        assert.is(status?.plugin, `P${deciding}`);
        assert.is(status?.code, specs[deciding]!.answer === "error" ? Code.Error : Code.Unschedulable);
      }
      assert.equal(called, specs.slice(0, last + 1).map((_s, i) => `P${i}`));
    }),
  );
});

test.run();
