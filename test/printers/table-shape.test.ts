import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KubeList, KubeObject } from "../../core/api/object.js";
import { toTable } from "../../core/apiserver/printers/to-table.js";
import { toPartialObjectMetadataList } from "../../core/apiserver/printers/partial-object-metadata.js";
import { parseSimpleJsonPath, evaluateSimpleJsonPath } from "../../core/apiserver/printers/simple-json-path.js";

const NOW = Date.parse("2026-01-01T12:00:00Z");
const created = "2026-01-01T11:00:00Z";
const names = (t: ReturnType<typeof toTable>): string[] => t.columnDefinitions.map((c) => c.name);

test("deployment list: column definitions, cells, list metadata, PartialObjectMetadata rows", () => {
  const list: KubeList = {
    apiVersion: "apps/v1", kind: "DeploymentList", metadata: { resourceVersion: "42" },
    items: [{
      apiVersion: "apps/v1", kind: "Deployment",
      metadata: { name: "web", namespace: "default", creationTimestamp: created, resourceVersion: "40" },
      spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, template: { spec: { containers: [{ name: "nginx", image: "nginx:1.27" }, { name: "side", image: "busybox" }] } } },
      status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    }],
  };
  const t = toTable(list, { kind: "Deployment", group: "apps", now: NOW });
  assert.is(t.kind, "Table");
  assert.is(t.apiVersion, "meta.k8s.io/v1");
  assert.equal(t.metadata, { resourceVersion: "42" });
  assert.equal(names(t), ["Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"]);
  assert.equal(t.columnDefinitions.map((c) => c.priority), [0, 0, 0, 0, 0, 1, 1, 1]);
  const nameCol = t.columnDefinitions[0]!;
  assert.is(nameCol.format, "name");
  assert.is(nameCol.type, "string");
  assert.ok(nameCol.description.startsWith("Name must be unique within a namespace"), nameCol.description);
  assert.equal(t.rows[0]!.cells, ["web", "2/3", 3, 2, "60m", "nginx,side", "nginx:1.27,busybox", "app=web"]);
  assert.equal(t.rows[0]!.object, { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: list.items[0]!.metadata });
  // Every definition carries all five fields, as on the wire.
  for (const c of t.columnDefinitions) assert.equal(Object.keys(c).sort(), ["description", "format", "name", "priority", "type"]);
});

test("narrow tables drop priority columns; includeObject None/Object; single object table carries its resourceVersion", () => {
  const svc: KubeObject = {
    apiVersion: "v1", kind: "Service", metadata: { name: "web", creationTimestamp: created, resourceVersion: "7" },
    spec: { type: "NodePort", clusterIP: "10.96.0.10", clusterIPs: ["10.96.0.10"], selector: { app: "web" }, ports: [{ port: 80, nodePort: 30080, protocol: "TCP" }, { port: 443, protocol: "TCP" }] },
  };
  const narrow = toTable(svc, { kind: "Service", group: "", now: NOW, wide: false, includeObject: "None" });
  assert.equal(narrow.metadata, { resourceVersion: "7" });
  assert.equal(names(narrow), ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age"]);
  assert.equal(narrow.rows[0]!.cells, ["web", "NodePort", "10.96.0.10", "<none>", "80:30080/TCP,443/TCP", "60m"]);
  assert.not.ok("object" in narrow.rows[0]!);
  const full = toTable([svc], { kind: "Service", group: "", now: NOW, includeObject: "Object", noHeaders: true });
  assert.is(full.rows[0]!.object, svc);
  assert.equal(full.columnDefinitions, []);
});

test("nodes: status, roles from labels, wide addresses", () => {
  const node: KubeObject = {
    apiVersion: "v1", kind: "Node",
    metadata: { name: "cp", creationTimestamp: "2025-12-30T12:00:00Z", labels: { "node-role.kubernetes.io/control-plane": "" } },
    spec: { unschedulable: true },
    status: {
      conditions: [{ type: "Ready", status: "False" }], addresses: [{ type: "InternalIP", address: "172.18.0.2" }],
      nodeInfo: { kubeletVersion: "v1.32.0", osImage: "Debian", kernelVersion: "6.1", containerRuntimeVersion: "containerd://1.7" },
    },
  };
  const worker: KubeObject = { apiVersion: "v1", kind: "Node", metadata: { name: "w1", creationTimestamp: created }, status: { conditions: [{ type: "Ready", status: "True" }] } };
  const t = toTable([node, worker], { kind: "Node", group: "", now: NOW });
  assert.equal(t.rows[0]!.cells, ["cp", "NotReady,SchedulingDisabled", "control-plane", "2d", "v1.32.0", "172.18.0.2", "<none>", "Debian", "6.1", "containerd://1.7"]);
  assert.equal(t.rows[1]!.cells.slice(0, 3), ["w1", "Ready", "<none>"]);
});

test("kinds without a printer use the default convertor (Name, Created At)", () => {
  const role: KubeObject = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "reader", creationTimestamp: created } };
  const t = toTable(role, { kind: "Role", group: "rbac.authorization.k8s.io", now: NOW });
  assert.equal(names(t), ["Name", "Created At"]);
  assert.is(t.columnDefinitions[1]!.type, "date");
  assert.equal(t.rows[0]!.cells, ["reader", "2026-01-01T11:00:00Z"]);
});

test("custom resources: additionalPrinterColumns with simple JSON paths, and the default Age column", () => {
  const cr: KubeObject = {
    apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w", creationTimestamp: created },
    spec: { size: 3, color: "red" }, status: { conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2026-01-01T11:59:00Z" }] },
  };
  const t = toTable(cr, {
    kind: "Widget", group: "example.com", now: NOW,
    printerColumns: [
      { name: "Size", type: "integer", jsonPath: ".spec.size" },
      { name: "Color", type: "string", jsonPath: ".spec.color", priority: 1, description: "the color" },
      { name: "Ready", type: "string", jsonPath: ".status.conditions[0].status" },
      { name: "Since", type: "date", jsonPath: ".status.conditions[0].lastTransitionTime" },
      { name: "Missing", type: "string", jsonPath: ".spec.nothing" },
    ],
  });
  assert.equal(names(t), ["Name", "Size", "Color", "Ready", "Since", "Missing"]);
  assert.is(t.columnDefinitions[2]!.priority, 1);
  assert.is(t.columnDefinitions[2]!.description, "the color");
  assert.equal(t.rows[0]!.cells, ["w", 3, "red", "True", "60s", null]);
  const plain = toTable(cr, { kind: "Widget", group: "example.com", now: NOW, printerColumns: [] });
  assert.equal(names(plain), ["Name", "Age"]);
  assert.equal(plain.rows[0]!.cells, ["w", "60m"]);
});

test("simple JSON path parsing", () => {
  assert.equal(parseSimpleJsonPath("{.metadata.labels['app\\.kubernetes\\.io/name']}"), ["metadata", "labels", "app.kubernetes.io/name"]);
  assert.equal(parseSimpleJsonPath(".status.y[0].z"), ["status", "y", 0, "z"]);
  assert.is(evaluateSimpleJsonPath({ a: [1, 2, 3] }, ["a", -1]), 3);
  assert.throws(() => parseSimpleJsonPath(".a[?(@.x =~ /y/)]"));
});

test("PartialObjectMetadataList keeps list and item metadata", () => {
  const list: KubeList = { apiVersion: "v1", kind: "ConfigMapList", metadata: { resourceVersion: "9" }, items: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" }, data: { x: "1" } }] };
  assert.equal(toPartialObjectMetadataList(list), {
    kind: "PartialObjectMetadataList", apiVersion: "meta.k8s.io/v1", metadata: { resourceVersion: "9" },
    items: [{ kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: { name: "a" } }],
  });
});

test("events, jobs, pvs and secrets print as kubectl shows them", () => {
  const ev: KubeObject = {
    apiVersion: "v1", kind: "Event", metadata: { name: "web.1", creationTimestamp: created }, type: "Normal", reason: "Scheduled",
    involvedObject: { kind: "Pod", name: "web" }, message: "Successfully assigned default/web to w1\n", lastTimestamp: "2026-01-01T11:59:50Z", count: 2,
  };
  const et = toTable(ev, { kind: "Event", group: "", now: NOW, wide: false });
  assert.equal(names(et), ["Last Seen", "Type", "Reason", "Object", "Message"]);
  assert.equal(et.rows[0]!.cells, ["10s", "Normal", "Scheduled", "pod/web", "Successfully assigned default/web to w1"]);
  const job: KubeObject = {
    apiVersion: "batch/v1", kind: "Job", metadata: { name: "pi", creationTimestamp: created }, spec: { completions: 1, template: { spec: { containers: [] } } },
    status: { succeeded: 1, startTime: "2026-01-01T11:00:00Z", completionTime: "2026-01-01T11:00:07Z", conditions: [{ type: "Complete", status: "True" }] },
  };
  assert.equal(toTable(job, { kind: "Job", group: "batch", now: NOW, wide: false }).rows[0]!.cells, ["pi", "Complete", "1/1", "7s", "60m"]);
  const secret: KubeObject = { apiVersion: "v1", kind: "Secret", metadata: { name: "s", creationTimestamp: created }, type: "Opaque", data: { a: "", b: "" } };
  assert.equal(toTable(secret, { kind: "Secret", group: "", now: NOW }).rows[0]!.cells, ["s", "Opaque", 2, "60m"]);
  const pvc: KubeObject = {
    apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data", creationTimestamp: created },
    spec: { volumeName: "pv-1", storageClassName: "standard" }, status: { phase: "Bound", capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"] },
  };
  assert.equal(toTable(pvc, { kind: "PersistentVolumeClaim", group: "", now: NOW, wide: false }).rows[0]!.cells, ["data", "Bound", "pv-1", "1Gi", "RWO", "standard", "<unset>", "60m"]);
});

test.run();
