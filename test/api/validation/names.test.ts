import { test } from "uvu";
import * as assert from "uvu/assert";
import { isConfigMapKey, isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue, isValidPortName, nameIsDNSSubdomain } from "../../../core/api/validation/names.js";
import { validateAnnotations, validateLabels } from "../../../core/api/validation/labels.js";
import { validateLabelSelector } from "../../../core/api/validation/label-selector.js";
import { validateImmutableField } from "../../../core/api/validation/immutable.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../../core/api/validation/object-meta.js";
import { fieldErrorText } from "../../../core/api/status.js";

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

test("DNS-1123 subdomain: upstream good and bad cases, exact message", () => {
  for (const good of ["a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "0-1", "a.a", "1.a", "a.b.c.d.e", "11.22.33.44.55", "a".repeat(253)]) {
    assert.equal(isDNS1123Subdomain(good), [], good);
  }
  for (const bad of ["", "A", "ABC", "aBc", "A1", "a@b", "-", "a-", "-a", ".", "a.", ".a", "a..b", "a_b"]) {
    assert.equal(isDNS1123Subdomain(bad), [SUBDOMAIN_MSG], bad);
  }
  assert.equal(isDNS1123Subdomain("a".repeat(254)), ["must be no more than 253 characters"]);
});

test("DNS-1123 label refuses dots with the short message; DNS-1035 needs a leading letter", () => {
  assert.equal(isDNS1123Label("a.b"), ["must not contain dots"]);
  assert.equal(isDNS1123Label("1abc"), []);
  assert.equal(isDNS1035Label("1abc"), [
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
  ]);
  assert.equal(isDNS1123Label("a".repeat(64)), ["must be no more than 63 characters"]);
});

test("qualified names: prefix, name part, too many slashes", () => {
  for (const good of ["simple", "now-with-dashes", "1-starts-with-num", "1234", "simple/simple", "now-with-dashes/simple", "1.2.3.4/3-starts-with-num", "abc.def/" + "a".repeat(63)]) {
    assert.equal(isQualifiedName(good), [], good);
  }
  assert.equal(isQualifiedName("/simple"), ["prefix part must be non-empty"]);
  assert.equal(isQualifiedName("a/" + "b".repeat(64)), ["name part must be no more than 63 characters"]);
  assert.ok(isQualifiedName("Example.com/x")[0]!.startsWith("prefix part a lowercase RFC 1123 subdomain"));
  assert.ok(isQualifiedName("a/b/c")[0]!.startsWith("a valid label key must consist of"));
  assert.ok(isQualifiedName("-bad")[0]!.startsWith("name part must consist of alphanumeric characters"));
});

test("label values, port names, config keys", () => {
  assert.equal(isValidLabelValue(""), []);
  assert.equal(isValidLabelValue("my_value.1"), []);
  assert.equal(isValidLabelValue("-x").length, 1);
  assert.equal(isValidPortName("http"), []);
  assert.equal(isValidPortName("a--b"), ["must not contain consecutive hyphens"]);
  assert.equal(isValidPortName("123"), ["must contain at least one letter (a-z)"]);
  assert.equal(isValidPortName("this-is-too-long-name"), ["must be no more than 15 characters"]);
  assert.equal(isConfigMapKey(".."), ["must not be '..'"]);
  assert.equal(isConfigMapKey("..x"), ["must not start with '..'"]);
  assert.equal(isConfigMapKey("good_key-1.txt"), []);
});

test("generateName may end in a dash", () => {
  assert.equal(nameIsDNSSubdomain("web-", true), []);
  assert.equal(nameIsDNSSubdomain("web-", false), [SUBDOMAIN_MSG]);
});

test("labels and annotations report on the map path", () => {
  const errs = validateLabels({ "bad key!": "v", ok: "bad value!" }, "metadata.labels");
  assert.is(errs.length, 2);
  assert.ok(fieldErrorText(errs[0]!).startsWith('metadata.labels: Invalid value: "bad key!": name part must consist'));
  assert.ok(fieldErrorText(errs[1]!).startsWith('metadata.labels: Invalid value: "bad value!": a valid label must be an empty string'));
  const big = { a: "x".repeat(256 * 1024) };
  assert.equal(validateAnnotations(big, "metadata.annotations").map(fieldErrorText), ["metadata.annotations: Too long: may not be more than 262144 bytes"]);
});

test("label selector requirements", () => {
  const errs = validateLabelSelector(
    {
      matchExpressions: [
        { key: "a", operator: "In", values: [] },
        { key: "b", operator: "Exists", values: ["x"] },
        { key: "c", operator: "Bogus" },
        { key: "d", operator: "NotIn", values: ["ok", "not ok"] },
      ],
    },
    "spec.selector",
  ).map(fieldErrorText);
  assert.equal(errs.slice(0, 3), [
    "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    'spec.selector.matchExpressions[2].operator: Invalid value: "Bogus": not a valid selector operator',
  ]);
  assert.ok(errs[3]!.startsWith('spec.selector.matchExpressions[3].values[1]: Invalid value: "not ok"'));
});

test("immutable fields compare deeply", () => {
  assert.equal(validateImmutableField({ a: [1, 2] }, { a: [1, 2] }, "spec.x"), []);
  assert.equal(validateImmutableField(undefined, [], "spec.x"), []);
  assert.equal(validateImmutableField("b", "a", "spec.x").map(fieldErrorText), ['spec.x: Invalid value: "b": field is immutable']);
});

test("object meta on create: name, namespace scope, owner references, finalizers", () => {
  const opts = { namespaced: true, nameValidator: nameIsDNSSubdomain };
  assert.equal(validateObjectMeta({ name: "a", namespace: "default" }, opts), []);
  assert.equal(validateObjectMeta({ namespace: "default" }, opts).map(fieldErrorText), ["metadata.name: Required value: name or generateName is required"]);
  assert.equal(validateObjectMeta({ name: "a" }, opts).map(fieldErrorText), ["metadata.namespace: Required value"]);
  assert.equal(validateObjectMeta({ name: "a", namespace: "x" }, { namespaced: false, nameValidator: nameIsDNSSubdomain }).map(fieldErrorText), [
    "metadata.namespace: Forbidden: not allowed on this type",
  ]);
  const errs = validateObjectMeta(
    {
      name: "a",
      namespace: "ns",
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "ReplicaSet", name: "r1", uid: "1", controller: true },
        { apiVersion: "apps/v1", kind: "ReplicaSet", name: "r2", uid: "", controller: true },
      ],
      finalizers: ["orphan", "foregroundDeletion"],
    },
    opts,
  ).map(fieldErrorText);
  assert.ok(errs.includes("metadata.ownerReferences[1].uid: Required value: must not be empty"));
  assert.ok(errs.some((e) => e.includes('Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/r1 and ReplicaSet/r2')));
  assert.ok(errs.some((e) => e.includes("finalizer orphan and foregroundDeletion cannot be both set")));
});

test("object meta on update: immutable identity, no new finalizers while deleting", () => {
  const old = { name: "a", namespace: "ns", uid: "u1", creationTimestamp: "2024-01-01T00:00:00Z", deletionTimestamp: "2024-01-02T00:00:00Z", finalizers: ["x.io/a"] };
  const errs = validateObjectMetaUpdate({ ...old, uid: "u2", finalizers: ["x.io/a", "x.io/b"] }, old).map(fieldErrorText);
  assert.ok(errs.includes('metadata.uid: Invalid value: "u2": field is immutable'));
  assert.ok(errs.some((e) => e.startsWith('metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"x.io/b"}')));
});

test.run();
