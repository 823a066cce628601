import { token } from "../di/token.js";

/** The cluster's address plan, as kube-controller-manager and kube-proxy are configured with it. */
export interface NetworkConfig {
  /** `--cluster-cidr` (default 10.244.0.0/16). */
  readonly podNetworkCidr: string;
  /** `--service-cluster-ip-range` (default 10.96.0.0/12). */
  readonly serviceCidr: string;
  /** `--service-node-port-range` (default 30000-32767). */
  readonly nodePortRange: string;
}

/** The cluster's network configuration (cluster scope). */
export const NetworkConfigToken = token<NetworkConfig>("NetworkConfig");
