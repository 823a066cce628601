import { extensionPoint } from "../plugins/extension-point.js";

/** A service of the cluster reachable from the host, as a plugin publishes it once it listens. */
export interface HostEndpoint {
  /** What it is, one line (`ingress (HTTP)`). */
  readonly description: string;
  /** Where to reach it (`http://127.0.0.1:8080`). */
  readonly url: string;
}

/** Endpoints on the host that plugins opened (ingress ports, DNS); `kubesim up` prints them. */
export const HostEndpoints = extensionPoint<HostEndpoint>("host-endpoints", "a cluster service reachable from the host");
