import { test } from "uvu";
import * as assert from "uvu/assert";
import { joined, withAppended } from "../../core/collections/exact-arrays.js";

test("withAppended: a new array of the list's elements then the item; the list stays as it was", () => {
  const list = Object.freeze(["a", "b"]);
  const out = withAppended(list, "c");
  assert.equal(out, ["a", "b", "c"]);
  assert.equal(list, ["a", "b"]);
  assert.equal(withAppended([], 1), [1]);
  // Every index holds an element (no holes): what iteration, `in` and `indexOf` see.
  assert.ok(0 in out && 1 in out && 2 in out);
  assert.is(out.indexOf("c"), 2);
});

test("joined: a new array of the first list's elements then the second's; both stay as they were", () => {
  const a = [1, 2];
  const b = [3];
  assert.equal(joined(a, b), [1, 2, 3]);
  assert.equal(joined([], b), [3]);
  assert.equal(joined(a, []), [1, 2]);
  assert.is(joined(a, []) === a, false);
  assert.equal([a, b], [[1, 2], [3]]);
});

test.run();
