/**
 * Composing a cluster in code: three nodes on a virtual clock, a manifest applied the way
 * `kubectl apply` applies it, and a wait on a condition through the cluster's informers.
 *
 * Run it: node --import tsx examples/compose-cluster/main.ts
 */
import { pathToFileURL } from "node:url";
import type { Node, Service } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";

export const manifest = `
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 3
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: nginx
          image: nginx:1.27
          ports: [{ containerPort: 80 }]
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  type: NodePort
  selector: { app: web }
  ports:
    - port: 80
      targetPort: 80
`;

export interface ExampleResult {
  nodes: string[];
  applied: string[];
  serviceIP: string;
  nodePort: number;
}

export async function main(log: (line: string) => void = console.log): Promise<ExampleResult> {
  const cluster = new Cluster({ name: "demo", clock: "virtual", seed: 42, nodes: 3 });
  await cluster.start();
  try {
    const nodes = (await cluster.client.resource<Node>("Node").list()).items.map((n) => `${n.metadata!.name} ${n.spec!.podCIDR}`);
    for (const n of nodes) log(`node ${n}`);

    const applied = (await cluster.apply(manifest)).map((r) => `${r.object.kind}/${r.object.metadata!.name} ${r.action}`);
    for (const a of applied) log(a);

    // Wait, through the shared informer, until the Service has its cluster IP and node port.
    const svc = await cluster.waitFor<Service>("Service", (s) => s.metadata?.name === "web" && !!s.spec?.clusterIP && !!s.spec.ports?.[0]?.nodePort, { namespace: "shop", timeout: 10_000 });
    log(`service web: ${svc.spec!.clusterIP}:80, nodePort ${svc.spec!.ports![0]!.nodePort}`);
    return { nodes, applied, serviceIP: svc.spec!.clusterIP!, nodePort: svc.spec!.ports![0]!.nodePort! };
  } finally {
    await cluster.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
