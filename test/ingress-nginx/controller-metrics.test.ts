/** The controller's request metrics: one series per label set, whichever location object asks. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Ingress } from "kubernetes-types/networking/v1.js";
import { IngressControllerMetrics } from "../../plugins/ingress-nginx/controller-metrics.js";
import { buildRoutingModel, findLocation, findServer } from "../../plugins/ingress-nginx/routing-model.js";

const INGRESS: Ingress = {
  apiVersion: "networking.k8s.io/v1",
  kind: "Ingress",
  metadata: { name: "web", namespace: "shop", creationTimestamp: "2026-01-01T00:00:00Z" },
  spec: { ingressClassName: "nginx", rules: [{ host: "shop.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }] } }] },
};

/** The `/` location of a freshly built routing model (a new object each time, as each reload builds). */
const location = () => findLocation(findServer(buildRoutingModel([INGRESS]), "shop.example.com"), "/").location;

/** The exposition's `nginx_ingress_controller_requests` lines, and the response-size sums. */
async function scrape(m: IngressControllerMetrics): Promise<string[]> {
  const text = await m.registry.metrics();
  return text.split("\n").filter((l) => l.startsWith("nginx_ingress_controller_requests{") || l.startsWith("nginx_ingress_controller_response_size_sum{"));
}

test("requests are counted per host, method, status and location labels; a rebuilt model's equal location adds to the same series", async () => {
  const m = new IngressControllerMetrics("ctrl-0", "ingress-nginx");
  const first = location();
  m.request(first, "shop.example.com", "GET", 200, 0.001, 615);
  m.request(first, "shop.example.com", "GET", 200, 0.002, 615);
  m.request(first, "shop.example.com", "GET", 404, 0.001, 153);
  m.request(first, "shop.example.com", "POST", 200, 0.001, 10);
  m.request(location(), "shop.example.com", "GET", 200, 0.001, 615);
  m.request(first, "other.example.com", "GET", 200, 0.001, 615);
  m.request(undefined, "nowhere.example.com", "GET", 404, 0.001, 153);
  m.request(undefined, "nowhere.example.com", "GET", 404, 0.001, 153);
  const labels = (host: string, method: string, status: number, matched = true): string =>
    `canary="",controller_class="k8s.io/ingress-nginx",controller_namespace="ingress-nginx",controller_pod="ctrl-0",host="${host}",ingress="${matched ? "web" : ""}",method="${method}",namespace="${matched ? "shop" : ""}",path="${matched ? "/" : ""}",service="${matched ? "web" : ""}",status="${status}"`;
  assert.equal(await scrape(m), [
    `nginx_ingress_controller_requests{${labels("shop.example.com", "GET", 200)}} 3`,
    `nginx_ingress_controller_requests{${labels("shop.example.com", "GET", 404)}} 1`,
    `nginx_ingress_controller_requests{${labels("shop.example.com", "POST", 200)}} 1`,
    `nginx_ingress_controller_requests{${labels("other.example.com", "GET", 200)}} 1`,
    `nginx_ingress_controller_requests{${labels("nowhere.example.com", "GET", 404, false)}} 2`,
    `nginx_ingress_controller_response_size_sum{${labels("shop.example.com", "GET", 200)}} 1845`,
    `nginx_ingress_controller_response_size_sum{${labels("shop.example.com", "GET", 404)}} 153`,
    `nginx_ingress_controller_response_size_sum{${labels("shop.example.com", "POST", 200)}} 10`,
    `nginx_ingress_controller_response_size_sum{${labels("other.example.com", "GET", 200)}} 615`,
    `nginx_ingress_controller_response_size_sum{${labels("nowhere.example.com", "GET", 404, false)}} 306`,
  ]);
});

test.run();
