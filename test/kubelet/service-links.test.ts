/** Service links: the `<SVC>_SERVICE_HOST`/`_PORT` and Docker link variables the kubelet gives containers (pkg/kubelet/envvars). */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Namespace, Pod, Service } from "kubernetes-types/core/v1.js";
import { PodStreams } from "../../core/apiserver/http/pod-streams.js";
import { serviceVariables } from "../../plugins/kubelet/service-env.js";
import { kubeletCluster, pod } from "./harness.js";

const svc = (name: string, namespace: string, spec: Service["spec"]): Service => ({ apiVersion: "v1", kind: "Service", metadata: { name, namespace }, spec });
const PRINT = ["sh", "-c", "env | grep -E '^(WEB_API|HEADLESS|KUBERNETES|OTHER)' | sort; echo \"arg=$1\"", "sh", "$(WEB_API_SERVICE_HOST):$(WEB_API_SERVICE_PORT_HTTP)"];

test("containers get the variables of their namespace's Services with a cluster IP and of the kubernetes Service; enableServiceLinks: false keeps only the latter", async () => {
  const { cluster, pods } = await kubeletCluster();
  try {
    const services = cluster.client.resource<Service>("Service");
    await cluster.client.resource<Namespace>("Namespace").create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "other" } });
    const web = (await services.create(svc("web-api", "default", { ports: [{ name: "http", port: 80, targetPort: 8080 }, { name: "metrics", port: 9100, protocol: "UDP" }], selector: { app: "web" } }))) as Service;
    await services.create(svc("headless", "default", { clusterIP: "None", ports: [{ port: 80 }], selector: { app: "web" } }));
    await services.create(svc("other", "other", { ports: [{ port: 5432 }], selector: { app: "db" } }));
    const kubernetes = (await services.get("kubernetes", { namespace: "default" })) as Service;
    const ip = web.spec!.clusterIP!;
    const k8sIP = kubernetes.spec!.clusterIP!;
    await pods.create(pod("linked", { restartPolicy: "Never", containers: [{ name: "c", image: "busybox:1.36", command: PRINT }] }));
    await pods.create(pod("unlinked", { restartPolicy: "Never", enableServiceLinks: false, containers: [{ name: "c", image: "busybox:1.36", command: PRINT }] }));
    for (const name of ["linked", "unlinked"]) await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === name && p.status?.phase === "Succeeded", { namespace: "default", timeout: 60_000 });
    const logs = cluster.resolve(PodStreams).logs;
    const text = async (name: string): Promise<string> => {
      const l = await logs("default", name, new URLSearchParams());
      return typeof l === "string" ? l : l.text;
    };
    const kubernetesVars = [
      `KUBERNETES_PORT=tcp://${k8sIP}:443`, `KUBERNETES_PORT_443_TCP=tcp://${k8sIP}:443`, `KUBERNETES_PORT_443_TCP_ADDR=${k8sIP}`, "KUBERNETES_PORT_443_TCP_PORT=443", "KUBERNETES_PORT_443_TCP_PROTO=tcp",
      `KUBERNETES_SERVICE_HOST=${k8sIP}`, "KUBERNETES_SERVICE_PORT=443", "KUBERNETES_SERVICE_PORT_HTTPS=443",
    ];
    const webVars = [
      `WEB_API_PORT=tcp://${ip}:80`, `WEB_API_PORT_80_TCP=tcp://${ip}:80`, `WEB_API_PORT_80_TCP_ADDR=${ip}`, "WEB_API_PORT_80_TCP_PORT=80", "WEB_API_PORT_80_TCP_PROTO=tcp",
      `WEB_API_PORT_9100_UDP=udp://${ip}:9100`, `WEB_API_PORT_9100_UDP_ADDR=${ip}`, "WEB_API_PORT_9100_UDP_PORT=9100", "WEB_API_PORT_9100_UDP_PROTO=udp",
      `WEB_API_SERVICE_HOST=${ip}`, "WEB_API_SERVICE_PORT=80", "WEB_API_SERVICE_PORT_HTTP=80", "WEB_API_SERVICE_PORT_METRICS=9100",
    ];
    assert.is(await text("linked"), [...kubernetesVars, ...webVars].join("\n") + `\narg=${ip}:80\n`);
    // Without links: the master service only, and $(VAR) of an unknown variable stays as written.
    assert.is(await text("unlinked"), kubernetesVars.join("\n") + "\narg=$(WEB_API_SERVICE_HOST):$(WEB_API_SERVICE_PORT_HTTP)\n");
  } finally {
    await cluster.stop();
  }
});

test("a Service's variables are made once per Service object and in upstream's order", () => {
  const s: Service = svc("db", "default", { clusterIP: "10.96.0.20", ports: [{ port: 5432 }] });
  const vars = serviceVariables(s);
  assert.is(serviceVariables(s), vars);
  assert.equal(vars.map((kv) => `${kv.key}=${kv.value}`), ["DB_SERVICE_HOST=10.96.0.20", "DB_SERVICE_PORT=5432", "DB_PORT=tcp://10.96.0.20:5432", "DB_PORT_5432_TCP=tcp://10.96.0.20:5432", "DB_PORT_5432_TCP_PROTO=tcp", "DB_PORT_5432_TCP_PORT=5432", "DB_PORT_5432_TCP_ADDR=10.96.0.20"]);
});

test.run();
