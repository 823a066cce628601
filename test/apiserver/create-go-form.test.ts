import { test } from "uvu";
import * as assert from "uvu/assert";
import { testControlPlane } from "../support/control-plane.js";

/** Member names of `obj` in order, and of its object members, as `a,b,c{x,y}`. */
function layout(obj: unknown): string {
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) return "";
  return Object.entries(obj as Record<string, unknown>).map(([k, v]) => k + (typeof v === "object" && v !== null && !Array.isArray(v) ? `{${layout(v)}}` : "")).join(",");
}

/** A body of metadata and spec: the server sets apiVersion and kind, Go form adds status: {}. */
const POD_MEMBERS = ["metadata", "spec", "apiVersion", "kind", "status"];

test("a create stores the Go form: the body's members in its order, what decoding dropped and Go gives back after them", async () => {
  const { client } = await testControlPlane();
  // As client-go's recorder encodes an Event: eventTime null (a zero MicroTime), here in the middle.
  const event = await client.resource("Event").create({
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "p.1", namespace: "default" },
    involvedObject: { kind: "Pod", namespace: "default", name: "p", uid: "u1", apiVersion: "v1" },
    eventTime: null,
    reason: "Started",
    message: "Started container nginx",
    source: { component: "kubelet", host: "node-1" },
    count: 1,
    type: "Normal",
  } as never);
  assert.is((event as { eventTime?: unknown }).eventTime, null);
  assert.is(
    layout({ ...event, metadata: {} }),
    // What the server adds (defaulted timestamps and reporting fields, eventTime given back as Go's zero) comes after the body's members.
    "apiVersion,kind,metadata{},involvedObject{kind,namespace,name,uid,apiVersion},reason,message,source{component,host},count,type,firstTimestamp,lastTimestamp,eventTime,reportingComponent,reportingInstance",
  );
  // What is served is what was stored, in the same order.
  const read = await client.resource("Event").get("p.1", { namespace: "default" });
  assert.is(JSON.stringify(read), JSON.stringify(event));

  const pod = await client.resource("Pod").create({ metadata: { name: "web", namespace: "default" }, spec: { containers: [{ name: "nginx", image: "nginx:1.27" }] } } as never);
  const stored = (await client.resource("Pod").get("web", { namespace: "default" })) as unknown as Record<string, unknown>;
  assert.is(JSON.stringify(stored), JSON.stringify(pod));
  assert.equal(Object.keys(stored), POD_MEMBERS);
  assert.ok(layout((stored["spec"] as { containers: unknown[] }).containers[0]).includes("resources{}"), "a container's resources: {} is in the Go form");
});

test.run();
