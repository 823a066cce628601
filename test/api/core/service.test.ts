import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Service } from "kubernetes-types/core/v1.js";
import { copy, create, strategyContext, strategyOf, update } from "./helpers.js";
import { isStatusError } from "../../../core/api/status.js";
import type { KubeObject } from "../../../core/api/object.js";

function svc(spec: Service["spec"], name = "web"): Service {
  return { apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default" }, spec };
}

test("ClusterIP service defaults and gets an IP from 10.96.0.0/12 (never .1)", () => {
  const ctx = strategyContext();
  const { obj, errors } = create("Service", svc({ selector: { app: "web" }, ports: [{ port: 80 }] }), ctx);
  assert.equal(errors, []);
  const s = obj.spec!;
  assert.is(s.type, "ClusterIP");
  assert.is(s.sessionAffinity, "None");
  assert.equal(s.ports, [{ port: 80, protocol: "TCP", targetPort: 80 }]);
  assert.equal(s.ipFamilies, ["IPv4"]);
  assert.is(s.ipFamilyPolicy, "SingleStack");
  assert.is(s.internalTrafficPolicy, "Cluster");
  assert.is(s.externalTrafficPolicy, undefined);
  assert.match(s.clusterIP!, /^10\.(9[6-9]|10[0-9]|11[01])\./);
  assert.not.equal(s.clusterIP, "10.96.0.1");
  assert.equal(s.clusterIPs, [s.clusterIP]);
  assert.ok(ctx.services.clusterIPs.isAllocated(s.clusterIP!));
});

test("NodePort service gets node ports in range; explicit port out of range is refused with the upstream message", () => {
  const ctx = strategyContext();
  const { obj } = create("Service", svc({ type: "NodePort", selector: { a: "b" }, ports: [{ port: 80 }] }), ctx);
  const np = obj.spec!.ports![0]!.nodePort!;
  assert.ok(np >= 30000 && np <= 32767);
  assert.is(obj.spec!.externalTrafficPolicy, "Cluster");
  try {
    create("Service", svc({ type: "NodePort", ports: [{ port: 80, nodePort: 1234 }] }, "other"), ctx);
    assert.unreachable();
  } catch (err) {
    assert.ok(isStatusError(err, "Invalid"));
    assert.is(err.message, 'Service "other" is invalid: spec.ports[0].nodePort: Invalid value: 1234: provided port is not in the valid range. The range of valid ports is 30000-32767');
  }
  assert.is(ctx.services.nodePorts.allocatedCount, 1, "nothing leaked by the failed create");
});

test("requesting a taken cluster IP fails like kube-apiserver", () => {
  const ctx = strategyContext();
  create("Service", svc({ clusterIP: "10.96.0.5", ports: [{ port: 80 }] }, "a"), ctx);
  try {
    create("Service", svc({ clusterIP: "10.96.0.5", ports: [{ port: 80 }] }, "b"), ctx);
    assert.unreachable();
  } catch (err) {
    assert.ok(isStatusError(err, "Invalid"));
    assert.is(err.message, 'Service "b" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.5"}: failed to allocate IP 10.96.0.5: provided IP is already allocated');
  }
  try {
    create("Service", svc({ clusterIP: "192.168.0.1", ports: [{ port: 80 }] }, "c"), ctx);
    assert.unreachable();
  } catch (err) {
    assert.ok(err instanceof Error && err.message.includes("the provided IP (192.168.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12"));
  }
  // The kubernetes Service's .1 is allocatable when asked for.
  assert.is(create("Service", svc({ clusterIP: "10.96.0.1", ports: [{ port: 443 }] }, "kubernetes"), ctx).obj.spec!.clusterIP, "10.96.0.1");
});

test("headless and ExternalName services get no cluster IP", () => {
  const ctx = strategyContext();
  const headless = create("Service", svc({ clusterIP: "None", selector: { a: "b" } }), ctx);
  assert.equal(headless.errors, []);
  assert.equal(headless.obj.spec!.clusterIPs, ["None"]);
  const ext = create("Service", svc({ type: "ExternalName", externalName: "example.com" }, "ext"), ctx);
  assert.equal(ext.errors, []);
  assert.is(ext.obj.spec!.clusterIP, undefined);
  assert.is(ctx.services.clusterIPs.allocatedCount, 0);
});

test("validation: name format, required ports, unsupported type, duplicate ports", () => {
  const ctx = strategyContext();
  const bad = create("Service", svc({ ports: [] }, "1web"), ctx).errors;
  assert.ok(bad[0]!.startsWith('metadata.name: Invalid value: "1web": a DNS-1035 label must consist'));
  assert.ok(bad.includes("spec.ports: Required value"));
  assert.ok(create("Service", svc({ type: "Weird" as never, ports: [{ port: 80 }] }), ctx).errors.includes('spec.type: Unsupported value: "Weird": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'));
  const dup = create("Service", svc({ ports: [{ name: "a", port: 80 }, { name: "a", port: 81 }] }, "d"), ctx).errors;
  assert.equal(dup, ['spec.ports[1].name: Duplicate value: "a"']);
});

test("update keeps allocated values when omitted and refuses a changed cluster IP; delete releases", () => {
  const ctx = strategyContext();
  const old = create("Service", svc({ type: "NodePort", ports: [{ port: 80 }] }), ctx).obj;
  const applied = svc({ type: "NodePort", ports: [{ port: 80 }] });
  const { obj, errors } = update("Service", applied, old, ctx);
  assert.equal(errors, []);
  assert.is(obj.spec!.clusterIP, old.spec!.clusterIP);
  assert.is(obj.spec!.ports![0]!.nodePort, old.spec!.ports![0]!.nodePort);
  const changed = copy(old);
  changed.spec!.clusterIP = "10.96.0.9";
  changed.spec!.clusterIPs = ["10.96.0.9"];
  assert.ok(update("Service", changed, old, ctx).errors.includes('spec.clusterIPs[0]: Invalid value: []string{"10.96.0.9"}: may not change once set'));
  strategyOf("Service").release!(old as unknown as KubeObject, ctx);
  assert.is(ctx.services.clusterIPs.allocatedCount, 0);
  assert.is(ctx.services.nodePorts.allocatedCount, 0);
});

test.run();
