import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { SeededRandom } from "../../core/clock/random.js";
import { createLogger } from "../../core/log/logger.js";
import { createControlPlane, type ControlPlane, type ControlPlaneOptions } from "../../core/apiserver/control-plane.js";
import { StatusError } from "../../core/api/status.js";

/** A control plane on a virtual clock with a fixed seed, for tests. */
export async function testControlPlane(extra: Partial<ControlPlaneOptions> = {}): Promise<ControlPlane & { clock: VirtualClock }> {
  const clock = new VirtualClock({ start: Date.UTC(2026, 0, 1) });
  const cp = await createControlPlane({ clock, random: new SeededRandom(7), log: createLogger("test", { level: "silent" }), ...extra });
  return { ...cp, clock };
}

/** The StatusError a promise rejects with (fails the test if it resolves or throws something else). */
export async function statusOf(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  throw new Error("expected the call to fail with a Status");
}
