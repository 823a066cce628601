import type { MatchCondition } from "kubernetes-types/admissionregistration/v1.js";
import type { Environment } from "@marcbachmann/cel-js";
import { kubernetesCelEnvironment } from "../../cel/environment.js";
import { rewriteHasCalls } from "../../cel/has-rewrite.js";
import { rewriteRe2Literals } from "../../cel/re2-literals.js";
import { celErrorText } from "../../api/builtin/apiextensions/validation-rules.js";

type Program = (ctx: Record<string, unknown>) => unknown;

let env: Environment | undefined;
const programs = new Map<string, Program | Error>();

/** The admission CEL environment: object, oldObject, request, params, namespaceObject, variables (all dyn). */
export function admissionCelEnvironment(): Environment {
  env ??= kubernetesCelEnvironment(["object", "oldObject", "request", "params", "namespaceObject", "variables", "authorizer"].map((name) => ({ name, type: "dyn" })));
  return env;
}

/** Compiles an admission expression once (by text); an Error when it does not compile. */
export function admissionProgram(expression: string): Program | Error {
  let p = programs.get(expression);
  if (!p) {
    try {
      const compiled = admissionCelEnvironment().parse(rewriteRe2Literals(rewriteHasCalls(expression))) as Program & { check(): { valid: boolean; error?: unknown } };
      const checked = compiled.check();
      p = checked.valid ? compiled : new Error(`compilation failed: ${celErrorText(checked.error)}`);
    } catch (err) {
      p = new Error(`compilation failed: ${celErrorText(err)}`);
    }
    if (programs.size > 4096) programs.clear();
    programs.set(expression, p);
  }
  return p;
}

/**
 * matchConditions: true when every condition holds, false as soon as one is false; throws (an
 * Error naming the condition) when one cannot be evaluated, which the caller treats by its
 * failure policy.
 */
export function matchConditionsHold(conditions: readonly MatchCondition[] | undefined, vars: Record<string, unknown>): boolean {
  let failure: Error | undefined;
  for (const c of conditions ?? []) {
    const p = admissionProgram(c.expression);
    try {
      if (p instanceof Error) throw p;
      const v = p(vars);
      if (v === false) return false;
      if (v !== true) throw new Error("expression did not evaluate to a bool");
    } catch (err) {
      failure ??= new Error(`failed to evaluate match condition ${JSON.stringify(c.name)}: ${celErrorText(err)}`);
    }
  }
  if (failure) throw failure;
  return true;
}
