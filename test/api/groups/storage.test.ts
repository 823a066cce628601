import { test } from "uvu";
import * as assert from "uvu/assert";
import { STORAGE_CLASS } from "../../../core/api/builtin/storage/storage-class.js";
import { CSI_DRIVER } from "../../../core/api/builtin/storage/csi-driver.js";
import { CSI_NODE } from "../../../core/api/builtin/storage/csi-node.js";
import { VOLUME_ATTACHMENT } from "../../../core/api/builtin/storage/volume-attachment.js";
import type { ApiTypeRegistration } from "../../../core/api/strategy.js";
import { create, update } from "./strategy-harness.js";

const SC = STORAGE_CLASS as ApiTypeRegistration;
const DRIVER = CSI_DRIVER as ApiTypeRegistration;
const NODE = CSI_NODE as ApiTypeRegistration;
const VA = VOLUME_ATTACHMENT as ApiTypeRegistration;

test("StorageClass defaults and immutable fields", () => {
  const { obj, errors } = create(SC, { metadata: { name: "standard" }, provisioner: "hostpath.csi.k8s.io", parameters: { type: "ssd" } });
  assert.equal(errors, []);
  assert.is(obj.reclaimPolicy, "Delete");
  assert.is(obj.volumeBindingMode, "Immediate");
  assert.equal(create(SC, { metadata: { name: "x" } }).errors, ['provisioner: Required value']);
  assert.equal(create(SC, { metadata: { name: "x" }, provisioner: "p", reclaimPolicy: "Recycle" }).errors, ['reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"']);
  const changed = update(SC, { ...obj, parameters: { type: "hdd" }, reclaimPolicy: "Retain", volumeBindingMode: "WaitForFirstConsumer" }, obj);
  assert.equal(changed.errors, [
    "parameters: Forbidden: updates to parameters are forbidden.",
    "reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.",
    'volumeBindingMode: Invalid value: "WaitForFirstConsumer": field is immutable',
  ]);
  assert.equal(update(SC, { ...obj, metadata: { ...obj.metadata, labels: { tier: "gold" } } }, obj).errors, []);
});

test("CSIDriver defaults and immutability", () => {
  const { obj, errors } = create(DRIVER, { metadata: { name: "hostpath.csi.k8s.io" }, spec: {} });
  assert.equal(errors, []);
  assert.equal(obj.spec, {
    attachRequired: true, podInfoOnMount: false, storageCapacity: false, fsGroupPolicy: "ReadWriteOnceWithFSType",
    volumeLifecycleModes: ["Persistent"], requiresRepublish: false, seLinuxMount: false,
  });
  assert.equal(update(DRIVER, { ...obj, spec: { ...obj.spec, attachRequired: false } }, obj).errors, ["spec.attachRequired: Invalid value: false: field is immutable"]);
  assert.equal(update(DRIVER, { ...obj, spec: { ...obj.spec, podInfoOnMount: true } }, obj).errors, []);
  assert.equal(create(DRIVER, { metadata: { name: "x" }, spec: { volumeLifecycleModes: ["Forever"] } }).errors, ['spec.volumeLifecycleModes[0]: Unsupported value: "Forever": supported values: "Persistent", "Ephemeral"']);
});

test("CSINode drivers", () => {
  const node = { metadata: { name: "node-1" }, spec: { drivers: [{ name: "hostpath.csi.k8s.io", nodeID: "node-1", topologyKeys: ["topology.hostpath.csi/node"] }] } };
  const { obj, errors } = create(NODE, node);
  assert.equal(errors, []);
  assert.equal(create(NODE, { metadata: { name: "n" }, spec: { drivers: [{ name: "d.io", nodeID: "" }, { name: "d.io", nodeID: "a" }] } }).errors, ["spec.drivers[0].nodeID: Required value", 'spec.drivers[1].name: Duplicate value: "d.io"']);
  assert.equal(update(NODE, { ...obj, spec: { drivers: [{ ...node.spec.drivers[0], nodeID: "other" }] } }, obj).errors, ['spec.drivers[0].nodeID: Invalid value: "other": field is immutable']);
});

test("VolumeAttachment: one source, immutable spec, attached false", () => {
  const va = { metadata: { name: "csi-123" }, spec: { attacher: "hostpath.csi.k8s.io", nodeName: "node-1", source: { persistentVolumeName: "pv-1" } } };
  const { obj, errors } = create(VA, va);
  assert.equal(errors, []);
  assert.equal(obj.status, { attached: false });
  assert.equal(create(VA, { ...va, spec: { ...va.spec, source: {} } }).errors, ["spec.source: Required value: must specify exactly one of inlineVolumeSpec and persistentVolumeName"]);
  const moved = update(VA, { ...obj, spec: { ...obj.spec, nodeName: "node-2" } }, obj);
  assert.equal(moved.errors.length, 1);
  assert.ok(moved.errors[0]!.startsWith("spec: Invalid value: ") && moved.errors[0]!.endsWith("field is immutable"));
});

test.run();
