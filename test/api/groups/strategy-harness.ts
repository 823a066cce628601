import type { KubeObject } from "../../../core/api/object.js";
import { fieldErrorText, type FieldError } from "../../../core/api/status.js";
import type { ApiTypeRegistration, StrategyContext } from "../../../core/api/strategy.js";
import { SeededRandom } from "../../../core/clock/random.js";
import { VirtualClock } from "../../../core/clock/virtual-clock.js";

/** Objects as tests poke at them: any field, any shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = KubeObject & { metadata: any; spec?: any; status?: any; [field: string]: any };

/** A strategy context for calling strategies directly. */
export const ctx: StrategyContext = { clock: new VirtualClock(), random: new SeededRandom(1), services: {} };

/** What the API server does on create, minus storage: defaults, prepareForCreate, validate. Returns the draft and the error texts. */
export function create(reg: ApiTypeRegistration, obj: object): { obj: Loose; errors: string[] } {
  const draft = structuredClone(obj) as Loose;
  const s = reg.strategy ?? {};
  s.defaults?.(draft, ctx);
  s.prepareForCreate?.(draft, ctx);
  return { obj: draft, errors: texts(s.validate?.(draft, ctx) ?? []) };
}

/** Defaults + prepareForUpdate + validateUpdate of `next` over `old` (old already created). */
export function update(reg: ApiTypeRegistration, next: object, old: object): { obj: Loose; errors: string[] } {
  const draft = structuredClone(next) as Loose;
  const s = reg.strategy ?? {};
  s.defaults?.(draft, ctx);
  s.prepareForUpdate?.(draft, old as Loose, ctx);
  return { obj: draft, errors: texts(s.validateUpdate?.(draft, old as Loose, ctx) ?? []) };
}

export function texts(errors: readonly FieldError[]): string[] {
  return errors.map(fieldErrorText);
}

/** Template of a pod running one nginx container. */
export function podTemplate(labels: Record<string, string> = { app: "web" }, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { metadata: { labels }, spec: { containers: [{ name: "nginx", image: "nginx" }], ...extra } };
}
