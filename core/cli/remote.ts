import { dirname } from "node:path";
import { existsSync } from "node:fs";
import { HttpTransport } from "../client/http-transport.js";
import { readKubeconfig, resolveContext } from "../client/kubeconfig.js";

/** The kubeconfig a `kubesim` inspection command uses: `--kubeconfig`, else $KUBECONFIG, else `kubesim up`'s `.kubesim/kubeconfig`. */
export function kubeconfigPath(option: string | undefined): string {
  if (option) return option;
  const env = process.env["KUBECONFIG"]?.split(":")[0];
  if (env) return env;
  if (existsSync(".kubesim/kubeconfig")) return ".kubesim/kubeconfig";
  throw new Error("no kubeconfig: pass --kubeconfig, set KUBECONFIG, or run from the directory where `kubesim up` wrote .kubesim/kubeconfig");
}

/**
 * Calls one of kubesim's own endpoints (`POST /kubesim/v1/...`, see core/cluster/kubesim-endpoints.ts)
 * on the API server a kubeconfig names, with its credentials.
 */
export async function callKubesim<T>(kubeconfig: string, context: string | undefined, path: string, body: unknown): Promise<T> {
  const resolved = resolveContext(readKubeconfig(kubeconfig), context, dirname(kubeconfig));
  const transport = new HttpTransport(resolved);
  try {
    const res = await transport.request({ method: "POST", path, body: JSON.stringify(body), contentType: "application/json" });
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.text);
    } catch {
      parsed = undefined;
    }
    if (res.status !== 200) {
      const message = (parsed as { message?: string } | undefined)?.message ?? (res.text.trim() || `HTTP ${res.status}`);
      throw new Error(res.status === 404 && !parsed ? `the server at ${resolved.server} is not a kubesim API server (no ${path})` : message);
    }
    return parsed as T;
  } finally {
    transport.close();
  }
}
