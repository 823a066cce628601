/** Where flanneld writes its lease for the CNI plugin (`--subnet-file`). */
export const SUBNET_FILE = "/run/flannel/subnet.env";

/** What /run/flannel/subnet.env holds. */
export interface SubnetEnv {
  /** FLANNEL_NETWORK: the whole pod network. */
  readonly network: string;
  /** FLANNEL_SUBNET: the node's subnet written as its first address (`10.244.1.1/24`). */
  readonly subnet: string;
  readonly mtu: number;
  readonly ipMasq: boolean;
}

/** The file as flanneld writes it (WriteSubnetFile): four `KEY=value` lines. */
export function formatSubnetEnv(env: SubnetEnv): string {
  return `FLANNEL_NETWORK=${env.network}\nFLANNEL_SUBNET=${env.subnet}\nFLANNEL_MTU=${env.mtu}\nFLANNEL_IPMASQ=${env.ipMasq}\n`;
}

/** Reads the file as the flannel CNI plugin does; throws naming the missing key. */
export function parseSubnetEnv(text: string): SubnetEnv {
  const kv = new Map<string, string>();
  for (const line of text.split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) kv.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  const need = (k: string): string => {
    const v = kv.get(k);
    if (v === undefined) throw new Error(`${SUBNET_FILE} is missing ${k}`);
    return v;
  };
  return { network: need("FLANNEL_NETWORK"), subnet: need("FLANNEL_SUBNET"), mtu: Number(need("FLANNEL_MTU")), ipMasq: need("FLANNEL_IPMASQ") === "true" };
}
