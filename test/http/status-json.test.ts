/** Status bodies byte for byte as kube-apiserver writes them (the Python client's e2e suite compares the text). */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { statusJson } from "../../core/apiserver/http/status-json.js";
import { invalid, fieldError, tooManyRequests } from "../../core/api/status.js";
import { startFixture } from "./fixture.js";

const fx = await startFixture({ insecureHttp: true });

test("Go field order, details before code, omitempty, trailing newline", () => {
  const e = invalid("ConfigMap", "", "Bad_Name", [fieldError.invalid("metadata.name", "Bad_Name", "a lowercase RFC 1123 subdomain")]);
  const text = statusJson({ ...e.status, code: e.code, details: { ...e.status.details, causes: e.status.details!.causes!.map((c) => ({ field: c.field!, message: c.message!, reason: c.reason! })) } });
  assert.ok(text.endsWith("}\n"));
  const keys = Object.keys(JSON.parse(text) as object);
  assert.equal(keys, ["kind", "apiVersion", "metadata", "status", "message", "reason", "details", "code"]);
  assert.match(text, /"details":\{"name":"Bad_Name","kind":"ConfigMap","causes":\[\{"reason":"FieldValueInvalid","message":"Invalid value: \\"Bad_Name\\": a lowercase RFC 1123 subdomain","field":"metadata.name"\}\]\},"code":422\}\n$/);
  const throttled = tooManyRequests("slow down", 3);
  assert.match(statusJson(throttled.status), /"details":\{"retryAfterSeconds":3\},"code":429\}\n$/);
  assert.is(statusJson({ status: "Failure", message: "", reason: "" as never, metadata: {} }), '{"metadata":{},"status":"Failure"}\n');
});

test("over HTTP: a 404, a 409 and a 401 are the exact bytes kube-apiserver sends", async () => {
  const missing = await fx.fetch("/api/v1/namespaces/default/configmaps/nope");
  assert.is(missing.status, 404);
  assert.is(await missing.text(), '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \\"nope\\" not found","reason":"NotFound","details":{"name":"nope","kind":"configmaps"},"code":404}\n');
  const body = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "twice" } });
  const post = (): Promise<Response> => fx.fetch("/api/v1/namespaces/default/configmaps", { method: "POST", body, headers: { "Content-Type": "application/json" } });
  assert.is((await post()).status, 201);
  const again = await post();
  assert.is(await again.text(), '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \\"twice\\" already exists","reason":"AlreadyExists","details":{"name":"twice","kind":"configmaps"},"code":409}\n');
  const anonymous = await fx.fetch("/api/v1/pods", { token: "wrong" });
  assert.is(await anonymous.text(), '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}\n');
});

test.after(() => fx.stop());

test.run();
