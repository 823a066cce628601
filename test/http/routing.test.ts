import { test } from "uvu";
import * as assert from "uvu/assert";
import { resolveRoute } from "../../core/apiserver/http/request-route.js";
import { negotiateResponseFormat } from "../../core/apiserver/http/response-format.js";
import { deleteOptionsOf, isWatchRequest, watchOptionsOf, writeOptionsOf } from "../../core/apiserver/http/query-options.js";
import { warningHeaders } from "../../core/apiserver/http/responses.js";
import { isStatusError } from "../../core/api/status.js";
import { testControlPlane } from "../support/control-plane.js";

const { registry } = await testControlPlane();
const short = (path: string): unknown => {
  const r = resolveRoute(path, registry);
  return r.kind === "resource" ? { plural: r.type.descriptor.plural, ns: r.namespace, name: r.name, sub: r.subresource } : r;
};

test("resource paths: namespaced, across namespaces, cluster-scoped, subresources, groups", () => {
  assert.equal(short("/api/v1/pods"), { plural: "pods", ns: undefined, name: undefined, sub: undefined });
  assert.equal(short("/api/v1/namespaces/default/pods"), { plural: "pods", ns: "default", name: undefined, sub: undefined });
  assert.equal(short("/api/v1/namespaces/default/pods/p1/status"), { plural: "pods", ns: "default", name: "p1", sub: "status" });
  assert.equal(short("/api/v1/namespaces/kube-system"), { plural: "namespaces", ns: undefined, name: "kube-system", sub: undefined });
  assert.equal(short("/api/v1/namespaces/x/finalize"), { plural: "namespaces", ns: undefined, name: "x", sub: "finalize" });
  assert.equal(short("/api/v1/nodes/n1"), { plural: "nodes", ns: undefined, name: "n1", sub: undefined });
  assert.equal(short("/apis/apps/v1/namespaces/a/deployments/web/scale"), { plural: "deployments", ns: "a", name: "web", sub: "scale" });
  assert.equal(short("/api/v1/watch/namespaces/a/pods"), { plural: "pods", ns: "a", name: undefined, sub: undefined });
  assert.equal(short("/api/v1/pods/p1"), { kind: "unknown" }, "a namespaced item needs its namespace");
  assert.equal(short("/apis/apps/v1/nothings"), { kind: "unknown" });
});

test("non-resource paths", () => {
  assert.equal(resolveRoute("/version", registry), { kind: "version" });
  assert.equal(resolveRoute("/apis", registry), { kind: "discovery-root", root: "apis" });
  assert.equal(resolveRoute("/apis/apps", registry), { kind: "discovery-group", group: "apps" });
  assert.equal(resolveRoute("/api/v1", registry), { kind: "discovery-resources", group: "", version: "v1" });
  assert.equal(resolveRoute("/openapi/v3/apis/apps/v1", registry), { kind: "openapi-v3-document", group: "apps", version: "v1" });
  assert.equal(resolveRoute("/readyz/ping", registry), { kind: "health", check: "readyz", sub: "ping" });
});

test("Accept negotiation: Table (kubectl's list), metadata, JSON; only unsupported types → 406", () => {
  const q = new URLSearchParams("includeObject=Object");
  assert.equal(negotiateResponseFormat("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json", q), { kind: "table", includeObject: "Object", noHeaders: false });
  assert.equal(negotiateResponseFormat("application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io", q), { kind: "metadata" });
  assert.equal(negotiateResponseFormat("application/vnd.kubernetes.protobuf, application/json", q), { kind: "object" });
  assert.equal(negotiateResponseFormat(undefined, q), { kind: "object" });
  try {
    negotiateResponseFormat("application/vnd.kubernetes.protobuf", q);
    assert.unreachable();
  } catch (err) {
    assert.ok(isStatusError(err, "NotAcceptable"));
  }
});

test("query options: watch, write (fieldValidation default Warn), delete (body wins, orphanDependents)", () => {
  assert.equal(watchOptionsOf(new URLSearchParams("watch=1&resourceVersion=5&allowWatchBookmarks=true&timeoutSeconds=30&labelSelector=a%3Db")), { labelSelector: "a=b", resourceVersion: "5", allowWatchBookmarks: true, timeoutSeconds: 30 });
  for (const v of ["true", "1", "True"]) assert.ok(isWatchRequest(new URLSearchParams(`watch=${v}`)), `watch=${v}`);
  assert.not.ok(isWatchRequest(new URLSearchParams("watch=false")));
  assert.equal(writeOptionsOf(new URLSearchParams("")), { fieldValidation: "Warn" });
  assert.equal(writeOptionsOf(new URLSearchParams("dryRun=All&fieldManager=kubectl&fieldValidation=Strict")), { fieldValidation: "Strict", dryRun: ["All"], fieldManager: "kubectl" });
  assert.throws(() => writeOptionsOf(new URLSearchParams("fieldValidation=Loose")));
  assert.equal(deleteOptionsOf(new URLSearchParams("gracePeriodSeconds=5"), { propagationPolicy: "Foreground", gracePeriodSeconds: 0, preconditions: { uid: "u1" } }), { gracePeriodSeconds: 0, propagationPolicy: "Foreground", preconditions: { uid: "u1" } });
  assert.equal(deleteOptionsOf(new URLSearchParams("orphanDependents=true"), undefined), { propagationPolicy: "Orphan", orphanDependents: true });
});

test("Warning headers quote and escape like kube-apiserver", () => {
  assert.equal(warningHeaders(['unknown field "spec.foo"', 'unknown field "spec.foo"']), ['299 - "unknown field \\"spec.foo\\""']);
});

test.run();
