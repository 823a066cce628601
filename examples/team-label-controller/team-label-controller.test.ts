/** The worked example of docs/writing-a-controller.md works as described. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { main } from "./controller.js";

test("the team-label controller copies the Namespace label to its ConfigMaps and records an Event", async () => {
  assert.equal(await main(), { label: "payments", event: "set example.com/team on 1 ConfigMap(s)" });
});

test.run();
