import type { Answer } from "dns-packet";
import type { DnsPluginDefinition } from "../server/handler.js";

function rotatable(a: Answer): boolean {
  return a.type === "A" || a.type === "AAAA" || a.type === "MX";
}

/**
 * `loadbalance [round_robin]`: rotates the address records (A, AAAA, MX) of every answer so
 * successive clients start with a different one; CNAMEs stay first.
 */
export const loadbalancePlugin: DnsPluginDefinition = {
  name: "loadbalance",
  setup(s) {
    const policy = s.directive.args[0] ?? "round_robin";
    if (policy !== "round_robin") throw s.reader.error(`unknown policy: ${policy}`);
    if (s.directive.args.length > 1) throw s.reader.argError();
    let turn = 0;
    return {
      handler: (next) => ({
        name: "loadbalance",
        passive: true,
        async serveDNS(req) {
          const r = await next.serveDNS(req);
          let count = 0;
          for (const a of r.answers) if (rotatable(a)) count++;
          if (count < 2) return r;
          const addresses = r.answers.filter(rotatable);
          const k = turn++ % addresses.length;
          const rotated = [...addresses.slice(k), ...addresses.slice(0, k)];
          return { ...r, answers: [...r.answers.filter((a) => !rotatable(a)), ...rotated] };
        },
      }),
    };
  },
};
