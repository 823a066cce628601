import { test } from "uvu";
import * as assert from "uvu/assert";
import { isStatusError } from "../../core/api/status.js";
import { LabelSelector, labelRequirement, labelSelectorFromObject, labelSelectorFromSet, parseLabelSelector } from "../../core/api/selectors/label-selector.js";

const QNAME = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

/** [input, canonical form] */
const valid: [string, string][] = [
  ["", ""],
  ["x=a", "x=a"],
  ["x==a", "x==a"],
  ["x!=a", "x!=a"],
  ["  x = a ", "x=a"],
  ["x=", "x="],
  ["x", "x"],
  ["!x", "!x"],
  [" ! x ", "!x"],
  ["y,x=a", "x=a,y"],
  ["x in (b,a,a)", "x in (a,b)"],
  ["x notin (a)", "x notin (a)"],
  ["x in ()", "x in ()"],
  ["x in (,a)", "x in (,a)"],
  ["x in (a,)", "x in (,a)"],
  ["x in (a,,b)", "x in (,a,b)"],
  ["in in (in,notin)", "in in (in,notin)"],
  ["x>1", "x>1"],
  ["x<3", "x<3"],
  ["example.com/app=web,tier in (fe, be)", "example.com/app=web,tier in (be,fe)"],
  ["x in (a),x notin (b)", "x in (a),x notin (b)"],
];

test("valid selectors parse to Kubernetes' canonical string", () => {
  for (const [input, canonical] of valid) assert.is(parseLabelSelector(input).toString(), canonical, input);
});

/** [input, exact Kubernetes message] */
const invalid: [string, string][] = [
  ["x=a,", "found '', expected: identifier after ','"],
  [",x", "found ',', expected: !, identifier, or 'end of string'"],
  ["x=a b", "found 'b', expected: ',' or 'end of string'"],
  ["x in a", "unable to parse requirement: found 'a' expected: '('"],
  ["x in (a", "unable to parse requirement: found '', expected: ',' or ')'"],
  ["x in (a b)", "unable to parse requirement: found 'b', expected: ',' or ')'"],
  ["x in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
  ["x (a)", "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"],
  ["x=(a)", "unable to parse requirement: found '(', expected: identifier"],
  ["!", "unable to parse requirement: found '', expected: identifier"],
  ["!x=a", "found '=', expected: ',' or 'end of string'"],
  ["x>a", "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer"],
  ["-x=a", `unable to parse requirement: <nil>: Invalid value: "-x": ${QNAME}`],
  ["x=-a", `unable to parse requirement: values[0][x]: Invalid value: "-a": ${LABEL_VALUE}`],
  ["x in (-a,b-)", `unable to parse requirement: [values[0][x]: Invalid value: "-a": ${LABEL_VALUE}, values[1][x]: Invalid value: "b-": ${LABEL_VALUE}]`],
  [`x=${"a".repeat(64)}`, `unable to parse requirement: values[0][x]: Invalid value: "${"a".repeat(64)}": must be no more than 63 characters`],
];

test("invalid selectors are 400 BadRequest with Kubernetes' message", () => {
  for (const [input, message] of invalid) {
    try {
      parseLabelSelector(input);
      assert.unreachable(`${input} should not parse`);
    } catch (err) {
      assert.ok(isStatusError(err, "BadRequest"), `${input}: ${String(err)}`);
      assert.is(err.code, 400);
      assert.is(err.message, message, input);
    }
  }
});

/** [selector, labels, matches] */
const matching: [string, Record<string, string> | undefined, boolean][] = [
  ["", undefined, true],
  ["x=a", { x: "a" }, true],
  ["x=a", { x: "b" }, false],
  ["x=a", {}, false],
  ["x==a", { x: "a", y: "z" }, true],
  ["x!=a", {}, true],
  ["x!=a", { x: "a" }, false],
  ["x=", { x: "" }, true],
  ["x=", {}, false],
  ["x in (a,b)", { x: "b" }, true],
  ["x in (a,b)", { x: "c" }, false],
  ["x notin (a,b)", {}, true],
  ["x notin (a,b)", { x: "a" }, false],
  ["x", { x: "" }, true],
  ["x", undefined, false],
  ["!x", { y: "1" }, true],
  ["!x", { x: "1" }, false],
  ["x>5", { x: "6" }, true],
  ["x>5", { x: "5" }, false],
  ["x<5", { x: "-1" }, true],
  ["x<5", { x: "four" }, false],
  ["x>5", {}, false],
  ["x=a,y", { x: "a" }, false],
  ["x=a,y", { x: "a", y: "" }, true],
  ["constructor", {}, false],
  ["!constructor", {}, true],
];

test("matches", () => {
  for (const [input, labels, expected] of matching) assert.is(parseLabelSelector(input).matches(labels), expected, `${input} on ${JSON.stringify(labels)}`);
});

test("empty, requirements and exact-match hints", () => {
  assert.ok(parseLabelSelector("").empty);
  assert.ok(parseLabelSelector(" ").empty);
  const s = parseLabelSelector("tier in (fe),app=web,x notin (a)");
  assert.not.ok(s.empty);
  assert.equal(s.requirements.map((r) => [r.key, r.operator, r.values]), [["app", "=", ["web"]], ["tier", "in", ["fe"]], ["x", "notin", ["a"]]]);
  assert.is(s.requiresExactMatch("app"), "web");
  assert.is(s.requiresExactMatch("tier"), "fe");
  assert.is(s.requiresExactMatch("x"), undefined);
  assert.is(s.requiresExactMatch("nope"), undefined);
  assert.ok(Object.isFrozen(s.requirements));
});

test("object form: nil matches nothing, empty everything; matchLabels and matchExpressions", () => {
  assert.not.ok(labelSelectorFromObject(undefined).matches({}));
  assert.not.ok(labelSelectorFromObject(null).empty);
  assert.ok(labelSelectorFromObject({}).empty);
  assert.ok(labelSelectorFromObject({}).matches({ a: "b" }));
  const s = labelSelectorFromObject({
    matchLabels: { app: "web" },
    matchExpressions: [
      { key: "tier", operator: "In", values: ["fe", "be"] },
      { key: "env", operator: "NotIn", values: ["prod"] },
      { key: "team", operator: "Exists" },
      { key: "legacy", operator: "DoesNotExist" },
    ],
  });
  assert.is(s.toString(), "app=web,env notin (prod),!legacy,team,tier in (be,fe)");
  assert.ok(s.matches({ app: "web", tier: "fe", team: "x" }));
  assert.not.ok(s.matches({ app: "web", tier: "fe", team: "x", legacy: "1" }));
  assert.not.ok(s.matches({ app: "web", tier: "fe", team: "x", env: "prod" }));
  assert.throws(() => labelSelectorFromObject({ matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] }), (e: unknown) => isStatusError(e, "BadRequest") && e.message === '"Gt" is not a valid label selector operator');
  assert.throws(
    () => labelSelectorFromObject({ matchExpressions: [{ key: "a", operator: "In", values: [] }] }),
    (e: unknown) => isStatusError(e, "BadRequest") && e.message === "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty",
  );
  assert.throws(() => labelSelectorFromObject({ matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] }), (e: unknown) => isStatusError(e, "BadRequest") && /values set must be empty/.test(e.message));
});

test("from a set, and requirements built directly", () => {
  assert.is(labelSelectorFromSet({ b: "2", a: "1" }).toString(), "a=1,b=2");
  assert.ok(labelSelectorFromSet({}).empty);
  assert.is(LabelSelector.of([labelRequirement("z", "exists", []), labelRequirement("a", "in", ["y", "x", "y"])]).toString(), "a in (x,y),z");
  assert.throws(() => labelRequirement("a", "=", ["x", "y"]), /exact-match compatibility requires one single value/);
  assert.throws(() => labelRequirement("a/b/c", "exists", []), /key: Invalid value: "a\/b\/c"/);
});

test.run();
