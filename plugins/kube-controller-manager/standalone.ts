import { BUILT_IN_TYPES, componentUserAgent, HttpClient, RealClock, ResourceRegistry, SeededRandom, SharedInformerFactory, createLogger, type LogLevel } from "../../core/index.js";
import { readKubeconfig, resolveContext } from "../../core/client/kubeconfig.js";
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { KubeControllerManager } from "./controller-manager.js";
import type { KubeControllerManagerOptions } from "./options.js";
import { tokenServiceAccountClients } from "./service-account-credentials.js";

export interface StandaloneOptions extends KubeControllerManagerOptions {
  /** kubeconfig of the API server to run against. */
  kubeconfig: string;
  /** kubeconfig context (default: current-context). */
  context?: string;
  logLevel?: LogLevel;
  /**
   * The CA the csrsigning controller signs with (`--cluster-signing-cert-file` and
   * `--cluster-signing-key-file`); without it the signers do not run, as upstream.
   */
  clusterSigning?: { certFile: string; keyFile: string };
}

export interface StandaloneHandle {
  readonly kcm: KubeControllerManager;
  /** Resolves when this replica leads (controllers running). */
  elected(): Promise<void>;
  /** Stops the controllers, releases the lease, closes connections. */
  shutdown(): Promise<void>;
}

/**
 * kube-controller-manager in its own process, over HTTP: the kubeconfig's server, the built-in
 * resource types (custom resources are not walked by the namespace controller or the garbage
 * collector in this mode), on wall time. With `useServiceAccountCredentials` (upstream's flag,
 * off unless set; kubeadm sets it) each controller talks to the server with a token of its own
 * kube-system service account, which it requests with the kubeconfig's credentials.
 */
export async function runControllerManager(options: StandaloneOptions): Promise<StandaloneHandle> {
  const { kubeconfig, context, logLevel, clusterSigning, ...flags } = options;
  const connection = resolveContext(readKubeconfig(kubeconfig), context, dirname(kubeconfig));
  const client = new HttpClient({ ...connection, namespace: connection.namespace, userAgent: componentUserAgent("kube-controller-manager") });
  const clock = new RealClock();
  const random = new SeededRandom();
  const log = createLogger("kube-controller-manager", { level: logLevel ?? "info" });
  const registry = new ResourceRegistry(BUILT_IN_TYPES);
  const informers = new SharedInformerFactory({ client, clock, registry, random, logger: log.child("informers") });
  // The root-ca-cert-publisher publishes the kubeconfig's CA (upstream: --root-ca-file, else the
  // client config's CA data), so pods' kube-root-ca.crt exists when the API server is elsewhere.
  const caData = connection.caData;
  const rootCA = caData ? { pem: async () => caData, onChange: () => () => undefined } : undefined;
  const signing = clusterSigning ? { certPem: readFileSync(clusterSigning.certFile, "utf8"), keyPem: readFileSync(clusterSigning.keyFile, "utf8") } : undefined;
  const signingCA = signing ? async () => signing : undefined;
  const serviceAccountClients = flags.useServiceAccountCredentials ? tokenServiceAccountClients(client, connection) : undefined;
  const kcm = new KubeControllerManager({ client, informers, clock, log, registry, random, ...(rootCA ? { rootCA } : {}), ...(signingCA ? { signingCA } : {}), ...(serviceAccountClients ? { serviceAccountClients } : {}) }, flags);
  await kcm.start();
  return {
    kcm,
    elected: () => kcm.manager.elected(),
    async shutdown() {
      await kcm.stop();
      await informers.shutdown();
      client.close();
    },
  };
}
