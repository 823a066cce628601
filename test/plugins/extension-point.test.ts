/** ExtensionPoint: contributions in order; `values()` is one array until the contributions change. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ExtensionPoint, extensionPoint } from "../../core/plugins/extension-point.js";

test("values() hands out the same frozen array until a contribution is added or withdrawn", () => {
  const point = new ExtensionPoint(extensionPoint<string>("test.values", "strings"));
  const empty = point.values();
  assert.equal(empty, []);
  assert.is(point.values(), empty);
  point.contribute("a", "A");
  point.contribute("b", "B");
  const ab = point.values();
  assert.is.not(ab, empty);
  assert.equal(ab, ["A", "B"]);
  assert.is(point.values(), ab);
  assert.ok(Object.isFrozen(ab));
  assert.is.not(point.all(), ab, "all() stays a new array each call");
  assert.not(point.withdraw("missing"));
  assert.is(point.values(), ab, "nothing withdrawn: unchanged");
  assert.ok(point.withdraw("a"));
  assert.equal(point.values(), ["B"]);
  assert.equal(ab, ["A", "B"], "an array handed out earlier is not changed");
});

test.run();
