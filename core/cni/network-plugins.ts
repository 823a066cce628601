import { extensionPoint } from "../plugins/extension-point.js";
import type { CniPlugin } from "./cni-types.js";

/** CNI plugin binaries by type name (`bridge`, `ptp`, `host-local`, `flannel`, ...), as in /opt/cni/bin. */
export const NetworkPlugins = extensionPoint<CniPlugin>("network-plugins", "a CNI plugin binary (/opt/cni/bin/<type>)");
