import { VirtualClock } from "../../../core/clock/virtual-clock.js";
import { SeededRandom } from "../../../core/clock/random.js";
import type { KubeObject } from "../../../core/api/object.js";
import type { StrategyContext } from "../../../core/api/strategy.js";
import { CORE_TYPES } from "../../../core/api/builtin/core/index.js";
import { fieldErrorText } from "../../../core/api/status.js";
import { createStrategyServices, type AllocatingStrategyServices } from "../../../core/apiserver/allocators/strategy-services.js";

/** A strategy context over fresh allocators (seeded). */
export function strategyContext(seed = 1): StrategyContext & { services: AllocatingStrategyServices } {
  const random = new SeededRandom(seed);
  return { clock: new VirtualClock(), random, services: createStrategyServices({ random }) };
}

export function strategyOf(kind: string) {
  const t = CORE_TYPES.find((r) => r.descriptor.kind === kind);
  if (!t?.strategy) throw new Error(`no strategy for ${kind}`);
  return t.strategy;
}

/** What the API server does on create, minus storage: defaults, prepareForCreate, validate. */
export function create<T>(kind: string, obj: T, ctx: StrategyContext = strategyContext()): { obj: T; errors: string[] } {
  const s = strategyOf(kind);
  const o = obj as unknown as KubeObject;
  s.defaults?.(o, ctx);
  s.prepareForCreate?.(o, ctx);
  return { obj, errors: (s.validate?.(o, ctx) ?? []).map(fieldErrorText) };
}

/** Defaults, prepareForUpdate and validateUpdate of `obj` against `old`. */
export function update<T>(kind: string, obj: T, old: T, ctx: StrategyContext = strategyContext()): { obj: T; errors: string[] } {
  const s = strategyOf(kind);
  const o = obj as unknown as KubeObject;
  s.defaults?.(o, ctx);
  s.prepareForUpdate?.(o, old as unknown as KubeObject, ctx);
  return { obj, errors: (s.validateUpdate?.(o, old as unknown as KubeObject, ctx) ?? []).map(fieldErrorText) };
}

/** A deep copy for building "new" versions of an object in tests. */
export function copy<T>(v: T): T {
  return structuredClone(v);
}
