/** Owner references' apiVersion: `<version>` or `<group>/<version>`, as apimachinery parses it. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { validateOwnerReferences } from "../../../core/api/validation/object-meta.js";
import { fieldErrorText } from "../../../core/api/status.js";

const ref = (apiVersion: string) => ({ apiVersion, kind: "ReplicaSet", name: "rs", uid: "u" });

test("an owner reference's apiVersion is a version or a group/version", () => {
  for (const ok of ["v1", "apps/v1", "example.com/v1alpha1"]) assert.equal(validateOwnerReferences([ref(ok)], "metadata.ownerReferences"), [], ok);
  for (const bad of ["apps/", "a/b/c", "/", "x//", "apps/v1/"]) {
    assert.equal(validateOwnerReferences([ref(bad)], "metadata.ownerReferences").map(fieldErrorText), [`metadata.ownerReferences[0].apiVersion: Invalid value: "${bad}": must be <group>/<version> or <version>`], bad);
  }
  assert.equal(validateOwnerReferences([ref("")], "metadata.ownerReferences").map(fieldErrorText), ["metadata.ownerReferences[0].apiVersion: Required value: must not be empty"]);
});

test("each owner reference's missing members and the second controller are reported at their index", () => {
  const refs = [
    { apiVersion: "apps/v1", kind: "ReplicaSet", name: "a", uid: "1", controller: true },
    { apiVersion: "", kind: "", name: "", uid: "" },
    { apiVersion: "v1", kind: "Event", name: "e", uid: "2" },
    { apiVersion: "apps/v1", kind: "StatefulSet", name: "b", uid: "3", controller: true },
  ];
  assert.equal(validateOwnerReferences(refs, "metadata.ownerReferences").map((e) => [e.field, e.detail]), [
    ["metadata.ownerReferences[1].apiVersion", "Required value: must not be empty"],
    ["metadata.ownerReferences[1].kind", "Required value: must not be empty"],
    ["metadata.ownerReferences[1].name", "Required value: must not be empty"],
    ["metadata.ownerReferences[1].uid", "Required value: must not be empty"],
    ["metadata.ownerReferences[2]", `Invalid value: ${JSON.stringify(refs[2])}: /v1, Kind=Event is disallowed from being an owner`],
    ["metadata.ownerReferences", `Invalid value: ${JSON.stringify(refs)}: Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/a and StatefulSet/b`],
  ]);
});

test.run();
