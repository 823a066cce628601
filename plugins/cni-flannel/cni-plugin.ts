import { deepFreeze } from "../../core/api/immutable.js";
import { CNI_ERROR, CniError, type CniEnv, type CniHost, type CniResult, type NetConf } from "../../core/cni/cni-types.js";
import { versionResult } from "../../core/cni/cni-runtime.js";
import { SUBNET_FILE, parseSubnetEnv } from "./subnet-env.js";

/** flannel-cni-plugin's default state directory: one file per container with the delegate config. */
export const FLANNEL_CNI_DATA_DIR = "/var/lib/cni/flannel";

/** The stock `10-flannel.conflist` (kube-flannel-cfg's `cni-conf.json`). */
export const FLANNEL_CONFLIST = `{
  "name": "cbr0",
  "cniVersion": "0.3.1",
  "plugins": [
    {
      "type": "flannel",
      "delegate": {
        "hairpinMode": true,
        "isDefaultGateway": true
      }
    },
    {
      "type": "portmap",
      "capabilities": {
        "portMappings": true
      }
    }
  ]
}
`;

/**
 * The delegate configuration flannel builds from its own and subnet.env: `bridge` by default, the
 * network's name, `ipMasq` off when flanneld masquerades, the flannel MTU, `isGateway`, and a
 * host-local IPAM over the node's subnet with a route to the whole flannel network.
 */
function delegateConf(conf: NetConf, subnetEnv: ReturnType<typeof parseSubnetEnv>): NetConf {
  const given = (conf["delegate"] as Record<string, unknown> | undefined) ?? {};
  const d: Record<string, unknown> = { ...given, name: conf.name };
  if (d["type"] === undefined) d["type"] = "bridge";
  if (d["ipMasq"] === undefined) d["ipMasq"] = !subnetEnv.ipMasq;
  if (d["mtu"] === undefined) d["mtu"] = subnetEnv.mtu;
  if (d["type"] === "bridge" && d["isGateway"] === undefined) d["isGateway"] = true;
  if (conf.cniVersion) d["cniVersion"] = conf.cniVersion;
  d["ipam"] = { type: "host-local", ranges: [[{ subnet: subnetEnv.subnet }]], routes: [{ dst: subnetEnv.network }], ...((given["ipam"] as object | undefined) ?? {}) };
  return d as NetConf;
}

/** A delegate configuration as built for one flannel configuration and subnet.env text, with its saved JSON. */
interface BuiltDelegate {
  readonly name: string | undefined;
  readonly cniVersion: string | undefined;
  readonly subnetText: string;
  readonly conf: NetConf;
  readonly json: string;
}

/**
 * The delegate last built per `delegate` section of the runtime's cached (frozen) conflist: every
 * pod of a node gets the same one until flanneld rewrites subnet.env, so it is built, serialised
 * and kept once (one saved text shared by the node's per-container files, and one IPAM section,
 * which host-local's per-section cache then recognises). Frozen, as the conflist is: plugins only read it.
 */
const builtDelegates = new WeakMap<object, BuiltDelegate>();

/** {@link delegateConf} and its JSON, reused while the configuration and subnet.env text are the same. Throws what parseSubnetEnv throws. */
function delegateFor(conf: NetConf, subnetText: string): BuiltDelegate {
  const given = conf["delegate"];
  const key = typeof given === "object" && given !== null && Object.isFrozen(given) ? given : undefined;
  const last = key ? builtDelegates.get(key) : undefined;
  if (last && last.subnetText === subnetText && last.name === conf.name && last.cniVersion === conf.cniVersion) return last;
  const d = deepFreeze(delegateConf(conf, parseSubnetEnv(subnetText)));
  const built: BuiltDelegate = { name: conf.name, cniVersion: conf.cniVersion, subnetText, conf: d, json: JSON.stringify(d) };
  if (key) builtDelegates.set(key, built);
  return built;
}

/**
 * The `flannel` CNI plugin (flannel-io/cni-plugin): on ADD it reads /run/flannel/subnet.env, saves
 * the delegate configuration under /var/lib/cni/flannel/<containerID> and runs the delegate
 * (`bridge` → cni0, with host-local); on DEL it runs the saved delegate's DEL and removes the file.
 */
export async function flannelCni(env: CniEnv, conf: NetConf, host: CniHost): Promise<CniResult | undefined> {
  const dataDir = typeof conf["dataDir"] === "string" ? (conf["dataDir"] as string) : FLANNEL_CNI_DATA_DIR;
  const subnetFile = typeof conf["subnetFile"] === "string" ? (conf["subnetFile"] as string) : SUBNET_FILE;
  const saved = `${dataDir}/${env.CNI_CONTAINERID ?? ""}`;
  switch (env.CNI_COMMAND) {
    case "VERSION":
      return versionResult();
    case "GC":
      return undefined;
    case "STATUS":
      if (!host.files.exists(subnetFile)) throw new CniError(CNI_ERROR.notAvailable, `failed to load flannel 'subnet.env' file: open ${subnetFile}: no such file or directory. Check the flannel pod log for this node.`);
      return undefined;
    case "ADD": {
      const text = host.files.read(subnetFile);
      if (text === undefined) throw new CniError(CNI_ERROR.ioFailure, `failed to load flannel 'subnet.env' file: open ${subnetFile}: no such file or directory. Check the flannel pod log for this node.`);
      let built: BuiltDelegate;
      try {
        built = delegateFor(conf, text);
      } catch (err) {
        throw new CniError(CNI_ERROR.decodeFailure, `failed to load flannel 'subnet.env' file: ${(err as Error).message}`);
      }
      host.files.write(saved, built.json);
      const result = await host.delegate(built.conf.type, env, built.conf);
      return result;
    }
    case "CHECK": {
      const text = host.files.read(saved);
      if (text === undefined) throw new CniError(CNI_ERROR.containerUnknown, `failed to read delegate config for ${env.CNI_CONTAINERID}`);
      const d = JSON.parse(text) as NetConf;
      await host.delegate(d.type, env, { ...d, ...(conf.prevResult ? { prevResult: conf.prevResult } : {}) });
      return undefined;
    }
    case "DEL": {
      const text = host.files.read(saved);
      // DEL is idempotent: nothing saved means nothing to undo (the real plugin also tolerates it).
      if (text === undefined) return undefined;
      const d = JSON.parse(text) as NetConf;
      await host.delegate(d.type, env, d);
      host.files.remove(saved);
      return undefined;
    }
  }
  return undefined;
}
