/** AdmissionChain's selection of hooks per phase, resource, operation and subresource, over interleaved requests and changing plugin lists. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AdmissionChain } from "../../core/apiserver/admission-chain.js";
import type { AdmissionPlugin, AdmissionRequest } from "../../core/apiserver/admission.js";
import type { RequestContext } from "../../core/apiserver/api-server-contract.js";
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

test("a write's validating phase sees the request its mutating phase saw; any other call gets a request of its own", async () => {
  const requests: AdmissionRequest[] = [];
  const plugin: AdmissionPlugin = { name: "p", admit: (r) => void requests.push(r), validate: (r) => void requests.push(r) };
  const chain = new AdmissionChain(() => [plugin], new VirtualClock());
  chain.setClient(new FakeClient());
  const pod = (name: string) => ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default" } });
  const a = pod("a");
  const b = pod("b");
  const options = {};
  const ctxA: RequestContext = {};
  const ctxB: RequestContext = { user: { username: "u", groups: [] } };
  await chain.admit("CREATE", pods, undefined, a, undefined, options, ctxA);
  await chain.validate("CREATE", pods, undefined, a, undefined, options, ctxA);
  assert.is(requests[1], requests[0], "one request for both phases of one write");
  // Each argument that differs makes a new request, built from that call's arguments.
  const calls: [string, () => Promise<void> | undefined, Partial<AdmissionRequest>][] = [
    ["another context", () => chain.validate("CREATE", pods, undefined, a, undefined, options, ctxB), { name: "a", user: ctxB.user! }],
    ["another object", () => chain.validate("CREATE", pods, undefined, b, undefined, options, ctxB), { name: "b", object: b }],
    ["an old object", () => chain.validate("UPDATE", pods, undefined, b, a, options, ctxB), { operation: "UPDATE", oldObject: a }],
    ["another operation", () => chain.validate("DELETE", pods, undefined, undefined, a, options, ctxB), { operation: "DELETE", name: "a", object: undefined }],
    ["another subresource", () => chain.validate("DELETE", pods, "status", undefined, a, options, ctxB), { subresource: "status" }],
    ["another type", () => chain.validate("DELETE", configmaps, "status", undefined, a, options, ctxB), { resource: CONFIGMAPS }],
    ["other options", () => chain.validate("DELETE", configmaps, "status", undefined, a, { dryRun: ["All"] }, ctxB), { dryRun: true }],
  ];
  for (const [what, call, expected] of calls) {
    const before = requests.length;
    await call();
    const req = requests[before]!;
    assert.ok(requests.slice(0, before).every((r) => r !== req), `${what}: a new request`);
    for (const [k, v] of Object.entries(expected)) assert.is(req[k as keyof AdmissionRequest], v, `${what}: ${k}`);
  }
  assert.is(requests[1]!.warnings, ctxA.warnings);
  assert.is(requests[2]!.warnings, ctxB.warnings);
  assert.is.not(ctxA.warnings, ctxB.warnings);
});

test.run();
