import type { ImageDefinition } from "../../../core/cri/images.js";
import { canonicalHeaderKey } from "../../../core/cri/http.js";
import type { Program } from "../../../core/cri/process.js";
import { layers, serveHttp, untilSignal } from "../daemon.js";

/**
 * The Ingress conformance echo server (kubernetes-sigs/ingress-controller-conformance
 * `images/echoserver`): on $PORT (3000) it answers every request with a JSON document of the
 * request (path as sent, host, method, proto, headers without Host) and of its context (NAMESPACE,
 * INGRESS_NAME, SERVICE_NAME, POD_NAME from the environment); `/health` answers `OK`.
 */
const echoserver: Program = async (p) => {
  const port = p.env["PORT"] || "3000";
  p.stdout(`Starting server, listening on port ${port}\n`);
  serveHttp(p, Number(port), (req) => {
    const path = req.path.replaceAll("//", "/");
    if (path.split("?")[0] === "/health") return { status: 200, body: "OK" };
    p.stdout(`Echoing back request made to ${req.path} to client (${req.remoteAddress}:${req.remotePort})\n`);
    const headers: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (k !== "host") (headers[canonicalHeaderKey(k)] ??= []).push(v);
    const sorted = Object.fromEntries(Object.keys(headers).sort().map((k) => [k, headers[k]!]));
    const doc = {
      path: req.path,
      host: req.headers["host"] ?? "",
      method: req.method,
      proto: req.httpVersion,
      headers: sorted,
      namespace: p.env["NAMESPACE"] ?? "",
      ingress: p.env["INGRESS_NAME"] ?? "",
      service: p.env["SERVICE_NAME"] ?? "",
      pod: p.env["POD_NAME"] ?? "",
    };
    return { status: 200, headers: { "Content-Type": "application/json", "X-Content-Type-Options": "nosniff" }, body: JSON.stringify(doc, null, " ") };
  });
  return untilSignal(p, () => 0);
};

/** gcr.io/k8s-staging-ingressconformance/echoserver: the backend of the Ingress conformance suite. */
export const ECHOSERVER: ImageDefinition = {
  repository: "gcr.io/k8s-staging-ingressconformance/echoserver",
  tags: ["latest", "*"],
  size: 3_400_000,
  layers: layers("ingressconformance-echoserver", 1),
  config: { entrypoint: ["/echoserver"], exposedPorts: ["3000/tcp"] },
  programs: { echoserver },
};
