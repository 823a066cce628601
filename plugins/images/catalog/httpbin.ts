import type { ImageDefinition } from "../../../core/cri/images.js";
import { canonicalHeaderKey, type HttpResponse } from "../../../core/cri/http.js";
import type { Program } from "../../../core/cri/process.js";
import { isoSpaceTime, layers, serveHttp, untilSignal } from "../daemon.js";
import { DEBIAN_BASE, USERLAND } from "../userland.js";

function gunicorn(port: number): Program {
  return async (p) => {
    const t = (): string => `[${isoSpaceTime(p.clock.now(), false)} +0000]`;
    p.stderr(`${t()} [1] [INFO] Starting gunicorn 19.9.0\n${t()} [1] [INFO] Listening at: http://0.0.0.0:${port} (1)\n${t()} [1] [INFO] Using worker: gevent\n${t()} [8] [INFO] Booting worker with pid: 8\n`);
    serveHttp(p, port, async (req): Promise<HttpResponse> => {
      const [path = "/", query = ""] = req.path.split("?");
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [canonicalHeaderKey(k), v]));
      const json = (o: unknown, status = 200): HttpResponse => ({ status, headers: { "Content-Type": "application/json", Server: "gunicorn/19.9.0", "Access-Control-Allow-Origin": "*" }, body: JSON.stringify(o, null, 2) + "\n" });
      const status = /^\/status\/(\d{3})$/.exec(path);
      if (status) return { status: Number(status[1]), headers: { Server: "gunicorn/19.9.0" }, body: "" };
      // Seconds, fractions too (httpbin reads them as a float), at most 10.
      const delay = /^\/delay\/(\d+(?:\.\d+)?)$/.exec(path);
      if (delay) await p.sleep(Math.min(10, Number(delay[1])) * 1000);
      switch (path) {
        case "/get":
          return json({ args: Object.fromEntries(new URLSearchParams(query)), headers, origin: req.remoteAddress, url: `http://${req.headers["host"] ?? ""}${req.path}` });
        case "/headers":
          return json({ headers });
        case "/ip":
          return json({ origin: req.remoteAddress });
        case "/user-agent":
          return json({ "user-agent": req.headers["user-agent"] ?? "" });
        case "/uuid":
          return json({ uuid: "a1b2c3d4-0000-4000-8000-000000000000" });
        case "/":
          return { status: 200, headers: { "Content-Type": "text/html; charset=utf-8" }, body: "<!DOCTYPE html>\n<html lang=\"en\">\n<head><title>httpbin.org</title></head>\n<body><h2>httpbin.org</h2><p>A simple HTTP Request &amp; Response Service.</p></body>\n</html>\n" };
        default:
          if (delay) return json({ args: {}, headers, origin: req.remoteAddress, url: `http://${req.headers["host"] ?? ""}${req.path}` });
          return { status: 404, headers: { "Content-Type": "text/html" }, body: "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server.  If you entered the URL manually please check your spelling and try again.</p>\n" };
      }
    });
    return untilSignal(p, (s) => {
      if (s === "SIGTERM" || s === "SIGINT" || s === "SIGQUIT") {
        p.stderr(`${t()} [1] [INFO] Handling signal: term\n${t()} [8] [INFO] Worker exiting (pid: 8)\n${t()} [1] [INFO] Shutting down: Master\n`);
        return 0;
      }
      return undefined;
    });
  };
}

/** kennethreitz/httpbin: gunicorn serving httpbin on :80. */
export const HTTPBIN: ImageDefinition = {
  repository: "docker.io/kennethreitz/httpbin",
  tags: ["latest"],
  size: 163_000_000,
  layers: layers("httpbin", 8),
  config: { cmd: ["gunicorn", "-b", "0.0.0.0:80", "httpbin:app", "-k", "gevent"], exposedPorts: ["80/tcp"] },
  programs: { ...USERLAND, gunicorn: gunicorn(80) },
};

/** ghcr.io/stefanprodan/httpbin-like image (the seeds' example), same behaviour on :9898. */
export const HTTPBIN_GHCR: ImageDefinition = {
  repository: "ghcr.io/stefanprodan/httpbin",
  tags: ["latest", "*"],
  size: 40_000_000,
  layers: layers("httpbin-ghcr", 4, DEBIAN_BASE),
  config: { cmd: ["gunicorn", "-b", "0.0.0.0:9898", "httpbin:app"], exposedPorts: ["9898/tcp"] },
  programs: { ...USERLAND, gunicorn: gunicorn(9898) },
};
