import type { ImageDefinition } from "../../../core/cri/images.js";
import type { Program } from "../../../core/cri/process.js";
import { layers, serveHttp, untilSignal } from "../daemon.js";

/**
 * `/server` of registry.k8s.io/defaultbackend (kubernetes/contrib's 404-server): on `--port`
 * (8080) it answers `/healthz` with 200 `ok` and every other path with 404 `default backend - 404`,
 * as Go's net/http sends them (`text/plain; charset=utf-8`).
 */
const server: Program = async (p) => {
  const flag = p.argv.find((a) => /^--?port=/.test(a));
  const port = Number(flag?.slice(flag.indexOf("=") + 1) ?? "8080");
  serveHttp(p, port, (req) => {
    const healthz = req.path.split("?")[0] === "/healthz";
    return { status: healthz ? 200 : 404, headers: { "Content-Type": "text/plain; charset=utf-8" }, body: healthz ? "ok" : "default backend - 404" };
  });
  return untilSignal(p, () => 0);
};

/** The ingress-nginx Helm chart's `defaultBackend` image (`registry.k8s.io/defaultbackend-amd64:1.5`). */
export const DEFAULTBACKEND: ImageDefinition = {
  repository: "registry.k8s.io/defaultbackend-amd64",
  tags: ["1.5", "1.4"],
  size: 2_300_000,
  layers: layers("defaultbackend", 1),
  config: { entrypoint: ["/server"], exposedPorts: ["8080/tcp"], user: "65534" },
  programs: { server },
};
