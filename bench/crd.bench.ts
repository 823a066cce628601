/**
 * Custom resource figures (issue 17, "Serving custom resources"), each next to its target:
 * - creates/s of custom resources with a large real schema (Gateway API's HTTPRoute, validated,
 *   pruned and defaulted, with its x-kubernetes-validations CEL rules) compared with built-in Pods
 *   in the same run (≥ 0.5×)
 * - time from creating a ~500 KB CRD to its resource being served (Established, schema compiled)
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import type { Pod } from "kubernetes-types/core/v1.js";
import type { CustomResourceDefinition, JSONSchemaProps } from "kubernetes-types/apiextensions/v1.js";
import { RealClock } from "../core/clock/real-clock.js";
import { SeededRandom } from "../core/clock/random.js";
import { createLogger } from "../core/log/logger.js";
import { createControlPlane } from "../core/apiserver/control-plane.js";
import type { KubeObject } from "../core/api/object.js";

const N = Number(process.env["BENCH_CRS"] ?? 5_000);
const HTTPROUTES = fileURLToPath(new URL("../test/fixtures/crds/gateway.networking.k8s.io_httproutes.yaml", import.meta.url));

function line(label: string, value: string, target: string, ok: boolean): void {
  process.stdout.write(`${label.padEnd(62)} ${value.padStart(16)}   target ${target} ${ok ? "✓" : "✗"}\n`);
}

function pod(i: number): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `p-${i}`, namespace: "default", labels: { app: `app-${i % 10}` } },
    spec: { containers: [{ name: "main", image: "nginx:1.27", ports: [{ containerPort: 8080 }], resources: { requests: { cpu: "100m", memory: "128Mi" } } }] },
  };
}

function route(i: number): KubeObject {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: `r-${i}`, namespace: "default", labels: { app: `app-${i % 10}` } },
    spec: {
      parentRefs: [{ name: "gw" }],
      hostnames: [`app-${i}.example.com`],
      rules: [
        { matches: [{ path: { type: "PathPrefix", value: "/api" }, headers: [{ name: "x-team", value: "a" }] }], backendRefs: [{ name: `svc-${i}`, port: 8080 }] },
        { matches: [{ path: { type: "Exact", value: "/" } }], filters: [{ type: "RequestHeaderModifier", requestHeaderModifier: { add: [{ name: "x-a", value: "b" }] } }], backendRefs: [{ name: `web-${i}`, port: 80 }] },
      ],
    },
  } as KubeObject;
}

async function settle(cp: { crds: { idle(): Promise<void> } }, served: () => boolean): Promise<void> {
  while (!served()) {
    await cp.crds.idle();
    await new Promise((r) => setImmediate(r));
  }
}

const cp = await createControlPlane({ clock: new RealClock(), random: new SeededRandom(1), log: createLogger("bench", { level: "silent" }) });
const crdClient = cp.client.resource("CustomResourceDefinition");
const httpRouteCrd = parse(readFileSync(HTTPROUTES, "utf8")) as KubeObject;
await crdClient.create(httpRouteCrd);
await settle(cp, () => !!cp.registry.find("httproutes.gateway.networking.k8s.io"));
const routes = cp.client.resource("httproutes.gateway.networking.k8s.io");
const pods = cp.client.resource<Pod>("Pod");

// Warm up both paths, then time them in the same run.
for (let i = 0; i < 200; i++) {
  await pods.create(pod(-1 - i));
  await routes.create(route(-1 - i));
}
/** CPU time (user + system) in ms since `from` (wall time means little on a shared machine). */
const cpuMs = (from: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1000;
};
let t = performance.now();
let cpu = process.cpuUsage();
for (let i = 0; i < N; i++) await pods.create(pod(i));
const podRate = N / ((performance.now() - t) / 1000);
const podCpuMs = cpuMs(cpu);
t = performance.now();
cpu = process.cpuUsage();
for (let i = 0; i < N; i++) await routes.create(route(i));
const crRate = N / ((performance.now() - t) / 1000);
const crCpuMs = cpuMs(cpu);
process.stdout.write(`CPU time: ${N} pods ${podCpuMs.toFixed(0)} ms (${((podCpuMs * 1000) / N).toFixed(0)} µs each), ${N} HTTPRoutes ${crCpuMs.toFixed(0)} ms (${((crCpuMs * 1000) / N).toFixed(0)} µs each)\n`);
line("pods created/s (built-in, same run)", podRate.toFixed(0), "reference", true);
line("HTTPRoutes created/s (large schema + CEL rules)", crRate.toFixed(0), "≥ 0.5× pods", crRate >= 0.5 * podRate);
line("custom resource / pod create rate", `${(crRate / podRate).toFixed(2)}×`, "≥ 0.5×", crRate >= 0.5 * podRate);

// A ~500 KB CRD: HTTPRoute's v1 schema copied under many spec fields.
const v1 = (httpRouteCrd as unknown as CustomResourceDefinition).spec.versions.find((v) => v.name === "v1")!.schema!.openAPIV3Schema!;
const specSchema = v1.properties!["spec"]!;
const properties: Record<string, JSONSchemaProps> = {};
const big: CustomResourceDefinition & KubeObject = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "bigs.bench.example.com" },
  spec: {
    group: "bench.example.com",
    scope: "Namespaced",
    names: { plural: "bigs", kind: "Big" },
    versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", properties } } } } }],
  },
} as CustomResourceDefinition & KubeObject;
for (let i = 0; JSON.stringify(big).length < 500 * 1024; i++) properties[`part${i}`] = specSchema;
const size = JSON.stringify(big).length;
t = performance.now();
cpu = process.cpuUsage();
await crdClient.create(big);
await settle(cp, () => !!cp.registry.find("bigs.bench.example.com"));
const establishMs = performance.now() - t;
process.stdout.write(`CPU time to establish the large CRD: ${cpuMs(cpu).toFixed(1)} ms\n`);
line(`time to establish a ${(size / 1024).toFixed(0)} KB CRD (create → served)`, `${establishMs.toFixed(1)} ms`, "≤ 1000 ms", establishMs <= 1000);
cp.stop();
await cp.store.close();
