/** RE2 patterns in CEL `matches`: a top-level `(?i)` in a literal pattern works as in kube-apiserver (the Gateway API's GRPCRoute rule). */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import type { FieldError } from "../../core/api/status.js";
import { compileRule, evaluateRules, type CompiledRule } from "../../core/api/builtin/apiextensions/validation-rules.js";
import { re2ToJavaScript, rewriteRe2Literals } from "../../core/cel/re2-literals.js";

test("a top-level (?i) makes the rest of the pattern match either case; other patterns are unchanged", () => {
  assert.is(re2ToJavaScript("^[a-z]+$"), "^[a-z]+$");
  assert.is(re2ToJavaScript("(?i)^ab$"), "^[aA][bB]$");
  assert.is(re2ToJavaScript("^x(?i)[a-c_]\\.d{2,3}\\p{Lu}"), "^x[a-cA-C_]\\.[dD]{2,3}\\p{Lu}");
  assert.is(re2ToJavaScript("([^a-z])(?i)q"), "([^a-z])[qQ]");
  assert.is(re2ToJavaScript("(a(?i)b)"), "(a(?i)b)", "inside a group: left alone");
});

test("literal patterns of matches() are rewritten; strings elsewhere and computed patterns are not", () => {
  assert.is(rewriteRe2Literals(`self.matches('(?i)^ab$')`), `self.matches(r"""^[aA][bB]$""")`);
  assert.is(rewriteRe2Literals(`self.name == '(?i)x' && self.matches(self.p)`), `self.name == '(?i)x' && self.matches(self.p)`);
  assert.is(rewriteRe2Literals(`self.matches[0].x == 'a'`), `self.matches[0].x == 'a'`);
  assert.is(rewriteRe2Literals(`self.s.matches(r"""^(?i)\\.?[a-z]""")`), `self.s.matches(r"""^\\.?[a-zA-Z]""")`);
});

test("the rewritten pattern accepts exactly what the case-insensitive pattern accepts", () => {
  const pattern = "^[a-c_][a-z0-9]*x{1,2}$";
  const js = new RegExp(re2ToJavaScript(`(?i)${pattern}`));
  const reference = new RegExp(pattern, "i");
  fc.assert(fc.property(fc.stringMatching(/^[a-zA-Z0-9_xX]{0,8}$/), (s) => js.test(s) === reference.test(s)));
});

const GRPC_SERVICE_RULE = `(!has(self.type) || self.type == 'Exact') && has(self.service) ? self.service.matches(r"""^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$"""): true`;

test("the Gateway API GRPCRoute service rule compiles and judges service names as kube-apiserver does", () => {
  const compiled = compileRule({ rule: GRPC_SERVICE_RULE, message: "service must only contain valid characters (matching ^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$)" });
  assert.ok(!Array.isArray(compiled), Array.isArray(compiled) ? JSON.stringify(compiled) : "");
  const errors = (method: Record<string, string>): FieldError[] => {
    const out: FieldError[] = [];
    evaluateRules([compiled as CompiledRule], method, undefined, false, "spec.rules[0].matches[0].method", "object", out);
    return out;
  };
  assert.is(errors({ type: "Exact", service: "grpc.health.v1.Health" }).length, 0);
  assert.is(errors({ service: "Hello.HelloService" }).length, 0);
  assert.is(errors({ type: "Exact", service: "bad-name" }).length, 1);
  assert.is(errors({ type: "RegularExpression", service: "bad-name" }).length, 0);
});

test.run();
