import type { KubeObject } from "../api/object.js";
import type { CustomResourceConversion } from "../apiserver/apiextensions/custom-resource-converters.js";

/** How one non-hub version converts to the hub version and back (controller-runtime's `Convertible`). */
export interface SpokeConversion {
  /** The object in the hub version, from one in this version. Return a new object; apiVersion is set for you. */
  toHub(object: KubeObject): KubeObject;
  /** The object in this version, from one in the hub version. Return a new object; apiVersion is set for you. */
  fromHub(hub: KubeObject): KubeObject;
}

/** {@link hubAndSpokeConversion}'s arguments. */
export interface HubAndSpokeOptions {
  /** The hub version (`v1`): every other version converts through it. */
  hub: string;
  /** Every other served version by name, with its conversion to and from the hub. */
  spokes: Readonly<Record<string, SpokeConversion>>;
}

function versionOf(apiVersion: string | undefined): string {
  const v = apiVersion ?? "";
  return v.slice(v.indexOf("/") + 1);
}

/**
 * controller-runtime's hub-and-spoke conversion as one {@link CustomResourceConversion}: an
 * object goes from its version to the hub (`toHub`) and from the hub to the desired version
 * (`fromHub`), so n versions need 2(n-1) functions instead of n². A version that is neither the
 * hub nor a spoke fails the conversion, naming it.
 */
export function hubAndSpokeConversion(o: HubAndSpokeOptions): CustomResourceConversion {
  const spoke = (version: string): SpokeConversion => {
    const s = o.spokes[version];
    if (!s) throw new Error(`no conversion for version ${JSON.stringify(version)} (hub ${o.hub}, spokes ${Object.keys(o.spokes).join(", ") || "none"})`);
    return s;
  };
  return (object, desiredAPIVersion) => {
    const from = versionOf(object.apiVersion);
    const to = versionOf(desiredAPIVersion);
    const group = desiredAPIVersion.slice(0, desiredAPIVersion.length - to.length - 1);
    if (from === to) return object;
    const hub = from === o.hub ? object : { ...spoke(from).toHub(object), apiVersion: `${group}/${o.hub}` };
    return to === o.hub ? { ...hub, apiVersion: desiredAPIVersion } : { ...spoke(to).fromHub(hub), apiVersion: desiredAPIVersion };
  };
}
