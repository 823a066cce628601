/** `/openapi/v2` as gnostic's openapi.v2.Document protobuf message, decoded back field by field. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parse } from "yaml";
import { WireReader, WireType } from "../../core/apiserver/http/protobuf/wire-reader.js";
import { buildOpenApiV2, negotiateOpenApiV2 } from "../../core/apiserver/openapi/index.js";
import { encodeOpenApiV2Protobuf } from "../../core/apiserver/openapi/openapi-v2-protobuf.js";
import { startFixture } from "../http/fixture.js";

/** One decoded message: each field number's values (varints as numbers, length-delimited as bytes). */
type Fields = Map<number, (number | Uint8Array)[]>;

function decode(buf: Uint8Array): Fields {
  const r = new WireReader(buf);
  const out: Fields = new Map();
  while (!r.done) {
    const { field, wireType } = r.tag();
    let value: number | Uint8Array;
    if (wireType === WireType.VARINT) value = r.int64();
    else if (wireType === WireType.LENGTH_DELIMITED) value = r.bytes();
    else if (wireType === WireType.FIXED64) value = r.double();
    else throw new Error(`unexpected wire type ${wireType}`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}

const text = (b: number | Uint8Array | undefined): string => Buffer.from(b as Uint8Array).toString("utf8");
const strings = (f: Fields, n: number): string[] => (f.get(n) ?? []).map(text);
const msg = (f: Fields, n: number, i = 0): Fields => decode(f.get(n)![i] as Uint8Array);
const msgs = (f: Fields, n: number): Fields[] => (f.get(n) ?? []).map((b) => decode(b as Uint8Array));
/** `Named* { name = 1; value = 2 }` pairs of a repeated field. */
const namedPairs = (f: Fields, n: number): [string, Fields][] => msgs(f, n).map((p) => [text(p.get(1)![0]), msg(p, 2)]);
/** Vendor extensions (`NamedAny` whose Any carries YAML text in field 2) as parsed values. */
const extensions = (f: Fields, n: number): Record<string, unknown> => Object.fromEntries(namedPairs(f, n).map(([k, any]) => [k, parse(text(any.get(2)![0]))]));

const fx = await startFixture({ insecureHttp: true });
const registry = fx.cp.apiServer.registry;
const doc = buildOpenApiV2(registry);
const decoded = decode(encodeOpenApiV2Protobuf(doc as unknown as Record<string, unknown>));

test("the document: swagger, info, security, definitions in order, each schema's fields", () => {
  assert.equal(strings(decoded, 1), ["2.0"]);
  assert.equal(strings(msg(decoded, 2), 1), ["Kubernetes"]);
  assert.equal(strings(msg(decoded, 2), 2), [doc.info.version]);
  const definitions = namedPairs(msg(decoded, 9), 1);
  assert.equal(definitions.map(([name]) => name), Object.keys(doc.definitions));
  const deployment = definitions.find(([name]) => name === "io.k8s.api.apps.v1.Deployment")![1];
  assert.equal(strings(msg(deployment, 22), 1), ["object"]); // TypeItem
  assert.equal(extensions(deployment, 31), { "x-kubernetes-group-version-kind": [{ group: "apps", kind: "Deployment", version: "v1" }] });
  const props = namedPairs(msg(deployment, 25), 1);
  assert.equal(props.map(([n]) => n), Object.keys(doc.definitions["io.k8s.api.apps.v1.Deployment"]!.properties!));
  const metadata = props.find(([n]) => n === "metadata")![1];
  assert.equal(strings(metadata, 1), ["#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]);
  assert.ok(strings(metadata, 4)[0]!.startsWith("Standard object's metadata"));
  // A map (additionalProperties: {type: string}) and a list with merge extensions.
  const meta = namedPairs(msg(decoded, 9), 1).find(([name]) => name === "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")![1];
  const labels = namedPairs(msg(meta, 25), 1).find(([n]) => n === "labels")![1];
  assert.equal(strings(msg(msg(msg(labels, 21), 1), 22), 1), ["string"]);
  const owners = namedPairs(msg(meta, 25), 1).find(([n]) => n === "ownerReferences")![1];
  assert.equal(strings(msg(owners, 22), 1), ["array"]);
  assert.equal(strings(msg(msg(owners, 23), 1), 1), ["#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference"]);
  assert.equal(extensions(owners, 31), { "x-kubernetes-list-map-keys": ["uid"], "x-kubernetes-list-type": "map", "x-kubernetes-patch-merge-key": "uid", "x-kubernetes-patch-strategy": "merge" });
  const ownerRef = namedPairs(msg(decoded, 9), 1).find(([name]) => name === "io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference")![1];
  assert.equal(strings(ownerRef, 19), doc.definitions["io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference"]!.required!);
  // security: [{BearerToken: []}] and the API-key definition.
  assert.equal(namedPairs(msg(decoded, 12), 1).map(([n, v]) => [n, v.size]), [["BearerToken", 0]]);
  const [name, item] = namedPairs(msg(decoded, 13), 1)[0]!;
  assert.is(name, "BearerToken");
  const apiKey = msg(item, 2);
  assert.equal([strings(apiKey, 1), strings(apiKey, 2), strings(apiKey, 3)], [["apiKey"], ["authorization"], ["header"]]);
});

test("paths: operations by method, body / query / path parameters at their oneof and field numbers, responses", () => {
  const paths = namedPairs(msg(decoded, 8), 2);
  assert.equal(paths.map(([p]) => p), Object.keys(doc.paths));
  const item = paths.find(([p]) => p === "/apis/apps/v1/namespaces/{namespace}/deployments/{name}")![1];
  const get = msg(item, 2);
  const patch = msg(item, 8);
  assert.equal(strings(get, 5), ["readAppsV1NamespacedDeployment"]);
  assert.equal(extensions(patch, 13), { "x-kubernetes-action": "patch", "x-kubernetes-group-version-kind": { group: "apps", kind: "Deployment", version: "v1" } });
  assert.equal(strings(patch, 7), ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"]);
  // Path-level parameters: name and namespace are path parameters (NonBodyParameter field 4), required.
  const pathParams = msgs(item, 9).map((p) => msg(msg(p, 1), 2));
  const pathName = pathParams.filter((nb) => nb.has(4)).map((nb) => msg(nb, 4)).find((p) => strings(p, 4)[0] === "name")!;
  assert.equal([pathName.get(1), strings(pathName, 2), strings(pathName, 5), pathName.get(19)], [[1], ["path"], ["string"], [1]]);
  const pretty = pathParams.map((nb) => nb.get(3) && msg(nb, 3)).find((p) => p && strings(p, 4)[0] === "pretty")!;
  assert.equal([strings(pretty, 2), strings(pretty, 6), pretty.get(20)], [["query"], ["string"], [1]]);
  // PATCH's body parameter (Parameter field 1) and a query parameter of its own.
  const patchParams = msgs(patch, 8).map((p) => msg(p, 1));
  const body = msg(patchParams[0]!, 1);
  assert.equal([strings(body, 2), strings(body, 3), body.get(4), strings(msg(body, 5), 1)], [["body"], ["body"], [1], ["#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch"]]);
  assert.ok(patchParams.slice(1).some((p) => strings(msg(msg(p, 2), 3), 4)[0] === "fieldValidation"));
  const responses = namedPairs(msg(patch, 9), 1);
  assert.equal(responses.map(([code]) => code), Object.keys((doc.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]!["patch"] as { responses: object }).responses));
  const ok = msg(responses[0]![1], 1);
  assert.equal(strings(ok, 1), ["OK"]);
  assert.equal(strings(msg(msg(ok, 2), 1), 1), ["#/definitions/io.k8s.api.apps.v1.Deployment"]);
});

test("Accept negotiation: JSON by default, protobuf in either spelling, quality order, nothing acceptable", () => {
  assert.is(negotiateOpenApiV2(undefined), "json");
  assert.is(negotiateOpenApiV2("*/*"), "json");
  assert.is(negotiateOpenApiV2("application/json"), "json");
  assert.is(negotiateOpenApiV2("application/com.github.proto-openapi.spec.v2@v1.0+protobuf"), "protobuf");
  assert.is(negotiateOpenApiV2("application/com.github.proto-openapi.spec.v2.v1.0+protobuf, application/json"), "protobuf");
  assert.is(negotiateOpenApiV2("application/com.github.proto-openapi.spec.v2.v1.0+protobuf;q=0.5, application/json"), "json");
  assert.is(negotiateOpenApiV2("text/html"), undefined);
  assert.is(negotiateOpenApiV2("application/yaml, application/json;q=0"), undefined);
});

test("over HTTP: the protobuf answer with its Content-Type, the same ETag as the JSON, 406 when neither is acceptable", async () => {
  const pb = await fx.fetch("/openapi/v2", { headers: { Accept: "application/com.github.proto-openapi.spec.v2@v1.0+protobuf" } });
  assert.is(pb.status, 200);
  assert.is(pb.headers.get("content-type"), "application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
  const body = new Uint8Array(await pb.arrayBuffer());
  assert.equal(strings(decode(body), 1), ["2.0"]);
  assert.equal(namedPairs(msg(decode(body), 9), 1).length, Object.keys(doc.definitions).length);
  const json = await fx.fetch("/openapi/v2");
  assert.is(json.headers.get("content-type"), "application/json");
  assert.is((JSON.parse(await json.text()) as { swagger: string }).swagger, "2.0");
  assert.ok(pb.headers.get("etag")?.match(/^"[0-9A-F]{128}"$/));
  assert.is(pb.headers.get("etag"), json.headers.get("etag"));
  const refused = await fx.fetch("/openapi/v2", { headers: { Accept: "text/html" } });
  assert.is(refused.status, 406);
});

test.after(() => fx.stop());

test.run();
