import { token } from "../di/token.js";

/**
 * The host port the cluster DNS is to be served on (`ClusterOptions.dnsPort`, `kubesim up
 * --dns-port`, cluster.yaml `dnsPort`; 0 picks a free port). Not registered: the DNS plugin serves
 * no host port.
 */
export const ClusterDnsPort = token<number>("ClusterDnsPort");

/** Where a DNS plugin serves the cluster DNS on the host (UDP and TCP), once it does. */
export interface ClusterDnsAddress {
  readonly host: string;
  readonly port: number;
}
export const ClusterDnsAddressToken = token<ClusterDnsAddress>("ClusterDnsAddress");
