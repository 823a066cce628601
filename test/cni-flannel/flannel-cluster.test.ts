import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod, Service } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { DEFAULT_PLUGINS } from "../../core/cluster/default-distribution.js";
import type { NetworkStack } from "../../core/net/sockets.js";

const CP = "kubesim-control-plane";
const W1 = "kubesim-worker";

/** GET / over the simulated network, reading until the server closes or the headers and body have come. */
async function httpGet(stack: NetworkStack, address: string, port: number): Promise<string> {
  const conn = await stack.connect(address, port);
  return new Promise((resolve) => {
    let text = "";
    conn.on("data", (d) => {
      text += new TextDecoder().decode(d);
      if (text.includes("</html>")) resolve(text.split("\r\n")[0]!);
    });
    conn.on("end", () => resolve(text.split("\r\n")[0]!));
    conn.write(`GET / HTTP/1.1\r\nHost: ${address}\r\nConnection: close\r\n\r\n`);
  });
}

function nginx(name: string, node: string): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", labels: { app: "web" } }, spec: { nodeName: node, containers: [{ name: "nginx", image: "nginx:1.27", ports: [{ containerPort: 80 }] }] } };
}

test("the default distribution with cni-flannel instead of cni-kindnet: kube-flannel-ds runs on every node, pods reach pods and a Service across nodes", async () => {
  const plugins = [...DEFAULT_PLUGINS.filter((p) => p !== "cni-kindnet"), "cni-flannel"];
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 2, plugins });
  await cluster.start();
  try {
    await cluster.apply([nginx("web-0", CP), nginx("web-1", W1)] as never);
    await cluster.apply({ apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "default" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } } as never);
    for (const name of ["web-0", "web-1"]) await cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === name && p.status?.phase === "Running" && !!p.status.podIP, { timeout: 120_000 });
    const flannelPods = (await cluster.client.resource<Pod>("Pod").list({ namespace: "kube-flannel" })).items;
    assert.equal(flannelPods.map((p) => p.spec?.nodeName).sort(), [CP, W1]);
    for (const p of flannelPods) {
      assert.match(p.metadata!.name!, /^kube-flannel-ds-[a-z0-9]{5}$/);
      await cluster.waitFor<Pod>("Pod", (x) => x.metadata?.name === p.metadata!.name && x.status?.phase === "Running", { namespace: "kube-flannel", timeout: 120_000 });
    }
    const pods = await cluster.client.resource<Pod>("Pod").list({ namespace: "default" });
    const ip = (name: string): string => pods.items.find((p) => p.metadata?.name === name)!.status!.podIP!;
    assert.match(ip("web-0"), /^10\.244\.0\./);
    assert.match(ip("web-1"), /^10\.244\.1\./);
    const plane = cluster.network.plane;
    const from = plane.stack(plane.ownerOf(ip("web-0").split(".").reduce((a, o) => a * 256 + Number(o), 0))!);
    assert.is(await httpGet(from, ip("web-1"), 80), "HTTP/1.1 200 OK", "pod to pod across nodes (VXLAN)");
    await cluster.clock.sleep(2000);
    const svc = await cluster.client.resource<Service>("Service").get("web", { namespace: "default" });
    for (let i = 0; i < 4; i++) assert.is(await httpGet(from, svc.spec!.clusterIP!, 80), "HTTP/1.1 200 OK", "pod to the ClusterIP");
    const t = await cluster.network.trace("pod/default/web-0", "pod/default/web-1:80");
    assert.is(t.outcome, "delivered");
    assert.ok(t.hops.some((h) => h.step === "encap" && h.device === "flannel.1"));
  } finally {
    await cluster.stop();
  }
});

test.run();
