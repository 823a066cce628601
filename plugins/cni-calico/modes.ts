import type { EncapMode } from "./ipam.js";

/** How pod traffic between nodes travels, as the comparison names the variants. */
export type CalicoMode = "ipip" | "ipip-crosssubnet" | "bgp" | "vxlan" | "vxlan-crosssubnet";

/** The pool encapsulation and the calico_backend a mode means (calico.yaml's stock is IPIP Always with BIRD). */
export function modeSettings(mode: CalicoMode): { ipipMode: EncapMode; vxlanMode: EncapMode; backend: "bird" | "vxlan"; mtu: number } {
  switch (mode) {
    case "ipip":
      return { ipipMode: "Always", vxlanMode: "Never", backend: "bird", mtu: 1480 };
    case "ipip-crosssubnet":
      return { ipipMode: "CrossSubnet", vxlanMode: "Never", backend: "bird", mtu: 1480 };
    case "bgp":
      return { ipipMode: "Never", vxlanMode: "Never", backend: "bird", mtu: 1500 };
    case "vxlan":
      return { ipipMode: "Never", vxlanMode: "Always", backend: "vxlan", mtu: 1450 };
    case "vxlan-crosssubnet":
      return { ipipMode: "Never", vxlanMode: "CrossSubnet", backend: "vxlan", mtu: 1450 };
  }
}
