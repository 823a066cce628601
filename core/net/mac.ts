import type { Random } from "../clock/random.js";

/** A locally administered unicast MAC address (`x2:..`), as the kernel generates for veth/bridge devices. */
export function randomMac(random: Random): string {
  const bytes = [((random.int(256) & 0xfc) | 0x02) >>> 0];
  for (let i = 0; i < 5; i++) bytes.push(random.int(256));
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");
}
