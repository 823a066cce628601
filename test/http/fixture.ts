import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHttpServer, writeKubeconfigFor, type HttpServerHandle, type HttpServerOptions } from "../../core/apiserver/http/index.js";
import type { ControlPlane, ControlPlaneOptions } from "../../core/apiserver/control-plane.js";
import { createLogger } from "../../core/log/logger.js";
import { testControlPlane } from "../support/control-plane.js";
import type { VirtualClock } from "../../core/clock/virtual-clock.js";

/** A control plane on a virtual clock served over HTTP(S) on an ephemeral port, with a kubeconfig in a temp dir. */
export interface HttpFixture {
  cp: ControlPlane & { clock: VirtualClock };
  server: HttpServerHandle;
  dir: string;
  kubeconfig: string;
  /** Sends a request with the admin token (plain HTTP fixtures only: Node's fetch cannot take a CA per call); a string body is sent as application/json unless a Content-Type is given. */
  fetch(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  stop(): Promise<void>;
}

export async function startFixture(options: Partial<HttpServerOptions> = {}, cpOptions: Partial<ControlPlaneOptions> = {}): Promise<HttpFixture> {
  const cp = await testControlPlane(cpOptions);
  const dir = mkdtempSync(join(tmpdir(), "kubesim-http-"));
  const server = await startHttpServer({ apiServer: cp.apiServer, clock: cp.clock, log: createLogger("http", { level: "silent" }), port: 0, stateDir: join(dir, "state"), ...options });
  const kubeconfig = join(dir, "kubeconfig");
  writeKubeconfigFor(server, kubeconfig);
  return {
    cp,
    server,
    dir,
    kubeconfig,
    fetch(path, init = {}) {
      const { token, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token !== null) headers.set("Authorization", `Bearer ${token ?? server.token}`);
      // A string body is JSON unless the test says otherwise (fetch would send text/plain, which is 415).
      if (typeof rest.body === "string" && !headers.has("Content-Type")) headers.set("Content-Type", "application/json");
      return fetch(server.url + path, { ...rest, headers });
    },
    async stop() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until `check` holds, polling every 10 ms (fails after `ms`). */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 5000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
