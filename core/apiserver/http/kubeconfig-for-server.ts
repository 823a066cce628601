import { kubeconfigFor, writeKubeconfig, type Kubeconfig } from "../../client/kubeconfig.js";
import type { HttpServerHandle } from "./http-server.js";

/** The kubeconfig that reaches `server` as its admin: server URL, CA data (HTTPS) and bearer token. */
export function kubeconfigForServer(server: Pick<HttpServerHandle, "url" | "caData" | "token">, name = "kubesim", namespace?: string): Kubeconfig {
  return kubeconfigFor({ name, server: server.url, token: server.token, ...(server.caData ? { caPem: server.caData } : {}), ...(namespace ? { namespace } : {}) });
}

/** Writes {@link kubeconfigForServer} to `path` (mode 0600, directory created). Never pass `~/.kube/config` unasked. */
export function writeKubeconfigFor(server: Pick<HttpServerHandle, "url" | "caData" | "token">, path: string, name = "kubesim"): Kubeconfig {
  const config = kubeconfigForServer(server, name);
  writeKubeconfig(path, config);
  return config;
}
