import type { CniEnv, CniHost, CniResult, NetConf } from "../../core/cni/cni-types.js";
import { versionResult } from "../../core/cni/cni-runtime.js";

/** The `loopback` plugin: brings `lo` up in the pod's namespace (every namespace here already has it). */
export function loopback(env: CniEnv, conf: NetConf, host: CniHost): CniResult | undefined {
  if (env.CNI_COMMAND === "VERSION") return versionResult();
  if (env.CNI_COMMAND !== "ADD") return undefined;
  const lo = host.netns(env.CNI_NETNS ?? "")?.devices.get("lo");
  if (lo) lo.up = true;
  return { cniVersion: conf.cniVersion ?? "1.1.0", interfaces: [{ name: "lo", mac: "00:00:00:00:00:00", sandbox: env.CNI_NETNS! }], ips: [{ address: "127.0.0.1/8", interface: 0 }] };
}
