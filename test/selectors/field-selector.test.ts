import { test } from "uvu";
import * as assert from "uvu/assert";
import { isStatusError } from "../../core/api/status.js";
import { assertFieldsSupported, escapeFieldValue, fieldEquals, parseFieldSelector, unescapeFieldValue } from "../../core/api/selectors/field-selector.js";

/** [input, canonical] */
const valid: [string, string][] = [
  ["", ""],
  [",", ""],
  ["a=b", "a=b"],
  ["a==b", "a=b"],
  ["a!=b", "a!=b"],
  ["metadata.name=x,metadata.namespace==y", "metadata.name=x,metadata.namespace=y"],
  ["b=1,a=2", "a=2,b=1"],
  ["a=", "a="],
  ["a=b\\,c", "a=b\\,c"],
  ["a=b\\=c\\\\d", "a=b\\=c\\\\d"],
  ["a==b\\=", "a=b\\="],
];

test("valid selectors parse, sort terms and print escaped", () => {
  for (const [input, canonical] of valid) assert.is(parseFieldSelector(input).toString(), canonical, input);
  assert.equal(parseFieldSelector("a=b\\,c").requirements, [{ field: "a", operator: "=", value: "b,c" }]);
  assert.equal(parseFieldSelector("x!=y").requirements, [{ field: "x", operator: "!=", value: "y" }]);
  assert.ok(parseFieldSelector("").empty);
});

/** [input, message] */
const invalid: [string, string][] = [
  ["a", "invalid selector: 'a'; can't understand 'a'"],
  ["a=b,c", "invalid selector: 'a=b,c'; can't understand 'c'"],
  ["a=b=c", "invalid field selector: unescapedRune character in value: 61"],
  ["a=b\\x", "invalid field selector: invalid escape sequence: \\x"],
  ["a=b\\", "invalid field selector: invalid escape sequence: \\"],
];

test("malformed selectors are 400 BadRequest with Kubernetes' message", () => {
  for (const [input, message] of invalid) {
    try {
      parseFieldSelector(input);
      assert.unreachable(input);
    } catch (err) {
      assert.ok(isStatusError(err, "BadRequest"), `${input}: ${String(err)}`);
      assert.is(err.message, message, input);
    }
  }
});

test("matches through a getter; absent fields read as empty", () => {
  const obj: Record<string, string> = { "metadata.name": "web", "spec.nodeName": "" , "status.phase": "Running" };
  const get = (f: string) => obj[f];
  assert.ok(parseFieldSelector("metadata.name=web,status.phase!=Failed").matches(get));
  assert.not.ok(parseFieldSelector("metadata.name=web,status.phase=Failed").matches(get));
  assert.ok(parseFieldSelector("spec.nodeName=").matches(get));
  assert.ok(parseFieldSelector("spec.missing=").matches(get));
  assert.not.ok(parseFieldSelector("spec.missing!=").matches(get));
  assert.ok(parseFieldSelector("").matches(get));
  assert.ok(fieldEquals("metadata.name", "web").matches(get));
});

test("fields in use, exact-match hint, unsupported field refusal", () => {
  const s = parseFieldSelector("metadata.name=a,spec.nodeName!=b,metadata.name==a");
  assert.equal(s.fields().sort(), ["metadata.name", "spec.nodeName"]);
  assert.is(s.requiresExactMatch("metadata.name"), "a");
  assert.is(s.requiresExactMatch("spec.nodeName"), undefined);
  const supported = new Set(["metadata.name", "metadata.namespace"]);
  assert.throws(() => assertFieldsSupported(s, (f) => supported.has(f)), (e: unknown) => isStatusError(e, "BadRequest") && e.message === "field label not supported: spec.nodeName");
  assertFieldsSupported(parseFieldSelector("metadata.name=a"), (f) => supported.has(f));
});

test("escape and unescape round-trip", () => {
  for (const v of ["", "plain", "a,b", "a=b", "back\\slash", "\\,=\\"]) assert.is(unescapeFieldValue(escapeFieldValue(v)), v);
});

test.run();
