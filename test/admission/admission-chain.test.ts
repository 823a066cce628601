/** AdmissionChain's selection of hooks per phase, resource, operation and subresource, over interleaved requests and changing plugin lists. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AdmissionChain } from "../../core/apiserver/admission-chain.js";
import type { AdmissionPlugin } from "../../core/apiserver/admission.js";
import type { RegisteredType } from "../../core/api/resource-registry.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { FakeClient } from "./fake-client.js";
import { CONFIGMAPS, PODS } from "./descriptors.js";

const pods: RegisteredType = { descriptor: PODS, strategy: {} };
const configmaps: RegisteredType = { descriptor: CONFIGMAPS, strategy: {} };

test("each request runs the hooks that look at its phase, resource, operation and subresource, however requests interleave", async () => {
  const seen: string[] = [];
  const plugin = (name: string, filter: Partial<Pick<AdmissionPlugin, "operations" | "resources" | "subresources">>): AdmissionPlugin => ({
    name, ...filter, admit: (r) => void seen.push(`${name}.admit ${r.resource.plural}/${r.subresource ?? ""} ${r.operation}`), validate: (r) => void seen.push(`${name}.validate ${r.resource.plural}/${r.subresource ?? ""} ${r.operation}`),
  });
  let plugins: readonly AdmissionPlugin[] = [plugin("all", {}), plugin("podsOnly", { resources: ["pods"] }), plugin("createOnly", { operations: ["CREATE"] }), plugin("statusOnly", { subresources: ["status"] })];
  const chain = new AdmissionChain(() => plugins, new VirtualClock());
  chain.setClient(new FakeClient());
  const obj = { apiVersion: "v1", kind: "Pod", metadata: { name: "x", namespace: "default" } };
  const run = async (type: RegisteredType, op: "CREATE" | "UPDATE", sub: string | undefined): Promise<string[]> => {
    seen.length = 0;
    await chain.admit(op, type, sub, obj, op === "UPDATE" ? obj : undefined, {}, {});
    await chain.validate(op, type, sub, obj, op === "UPDATE" ? obj : undefined, {}, {});
    return [...seen];
  };
  const podCreate = ["all.admit pods/ CREATE", "podsOnly.admit pods/ CREATE", "createOnly.admit pods/ CREATE", "all.validate pods/ CREATE", "podsOnly.validate pods/ CREATE", "createOnly.validate pods/ CREATE"];
  const cmCreate = ["all.admit configmaps/ CREATE", "createOnly.admit configmaps/ CREATE", "all.validate configmaps/ CREATE", "createOnly.validate configmaps/ CREATE"];
  const podStatus = ["all.admit pods/status UPDATE", "podsOnly.admit pods/status UPDATE", "statusOnly.admit pods/status UPDATE", "all.validate pods/status UPDATE", "podsOnly.validate pods/status UPDATE", "statusOnly.validate pods/status UPDATE"];
  for (let i = 0; i < 2; i++) {
    assert.equal(await run(pods, "CREATE", undefined), podCreate);
    assert.equal(await run(pods, "CREATE", undefined), podCreate);
    assert.equal(await run(configmaps, "CREATE", undefined), cmCreate);
    assert.equal(await run(pods, "UPDATE", "status"), podStatus);
    assert.equal(await run(pods, "UPDATE", "status"), podStatus);
    assert.equal(await run(pods, "UPDATE", undefined), ["all.admit pods/ UPDATE", "podsOnly.admit pods/ UPDATE", "all.validate pods/ UPDATE", "podsOnly.validate pods/ UPDATE"]);
  }
  // A new plugin list (a plugin withdrawn) is taken up at once, even for the request kind just run.
  assert.equal(await run(pods, "UPDATE", "status"), podStatus);
  plugins = plugins.filter((p) => p.name !== "podsOnly");
  assert.equal(await run(pods, "UPDATE", "status"), ["all.admit pods/status UPDATE", "statusOnly.admit pods/status UPDATE", "all.validate pods/status UPDATE", "statusOnly.validate pods/status UPDATE"]);
  assert.equal(await run(pods, "CREATE", undefined), ["all.admit pods/ CREATE", "createOnly.admit pods/ CREATE", "all.validate pods/ CREATE", "createOnly.validate pods/ CREATE"]);
});

test.run();
