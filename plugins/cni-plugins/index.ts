import { definePlugin } from "../../core/plugins/plugin.js";
import { NetworkPlugins } from "../../core/cni/network-plugins.js";
import type { CniPlugin } from "../../core/cni/cni-types.js";
import { bandwidth } from "./bandwidth.js";
import { bridge } from "./bridge.js";
import { hostLocal } from "./host-local.js";
import { loopback } from "./loopback.js";
import { portmap } from "./portmap.js";
import { ptp } from "./ptp.js";

/** The CNI reference plugins (containernetworking/plugins), by binary name. */
export const CNI_REFERENCE_PLUGINS: Record<string, CniPlugin> = {
  bridge,
  ptp,
  "host-local": hostLocal,
  loopback,
  portmap,
  bandwidth,
};

export default definePlugin({
  name: "cni-plugins",
  description: "CNI reference plugins in /opt/cni/bin: bridge, ptp, host-local, loopback, portmap, bandwidth",
  setup(ctx) {
    for (const [name, plugin] of Object.entries(CNI_REFERENCE_PLUGINS)) ctx.contribute(NetworkPlugins, name, plugin);
    return () => {
      for (const name of Object.keys(CNI_REFERENCE_PLUGINS)) ctx.extensions(NetworkPlugins).withdraw(name);
    };
  },
});
