import { extensionPoint } from "../plugins/extension-point.js";
import type { Manager } from "./manager.js";

/**
 * A controller contributed by a plugin. The cluster calls `setup` once with its Manager before
 * starting it; `setup` builds the controller(s) with `controllerFor(mgr)…complete(reconciler)` or
 * adds other runnables with `mgr.add`.
 */
export interface ControllerRegistration {
  /** Unique among contributed controllers (the extension point refuses duplicates). */
  readonly name: string;
  setup(mgr: Manager): void | Promise<void>;
}

/** Controllers: built-in controllers and operators, each a {@link ControllerRegistration}. */
export const Controllers = extensionPoint<ControllerRegistration>("controllers", "a controller (reconciler and the watches that feed it)");
