import { token } from "../di/token.js";

/**
 * The host port the cluster DNS is to be served on (`ClusterOptions.dnsPort`, `kubesim up
 * --dns-port`, cluster.yaml `dnsPort`; 0 picks a free port). Not registered: the DNS plugin serves
 * no host port.
 */
export const ClusterDnsPort = token<number>("ClusterDnsPort");

/**
 * Worker processes answering the cluster DNS host port's UDP queries (`ClusterOptions.dnsWorkers`,
 * `kubesim up --dns-workers`, cluster.yaml `dnsWorkers`); 0 or not registered: this process
 * answers them. Needs the real clock (the workers answer in real time).
 */
export const ClusterDnsWorkers = token<number>("ClusterDnsWorkers");

/** Where a DNS plugin serves the cluster DNS on the host (UDP and TCP), once it does. */
export interface ClusterDnsAddress {
  readonly host: string;
  readonly port: number;
}
export const ClusterDnsAddressToken = token<ClusterDnsAddress>("ClusterDnsAddress");
