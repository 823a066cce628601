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

test.run();
