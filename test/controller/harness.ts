import { SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import { Manager, type ManagerOptions } from "../../core/controller/manager.js";
import { createLogger } from "../../core/log/logger.js";
import { SeededRandom } from "../../core/clock/random.js";
import { testControlPlane } from "../support/control-plane.js";

/** Lets pending continuations and in-process watch deliveries run (no time passes). */
export async function settle(turns = 10): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

/** A control plane, a shared informer factory and a manager over it, on a virtual clock. */
export async function managerHarness(extra: Partial<ManagerOptions> = {}) {
  const cp = await testControlPlane();
  const informers = new SharedInformerFactory({ client: cp.client, clock: cp.clock, registry: cp.registry });
  const log = createLogger("test", { level: "silent" });
  const mgr = new Manager({ client: cp.client, informers, clock: cp.clock, log, random: new SeededRandom(1), registry: cp.registry, ...extra });
  return { ...cp, informers, log, mgr };
}
