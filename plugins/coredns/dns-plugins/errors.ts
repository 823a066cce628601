import { Rcode, reply, type DnsPluginDefinition } from "../server/handler.js";

/**
 * `errors`: any error a later plugin returns is logged as CoreDNS logs it
 * (`[ERROR] plugin/errors: 2 example.org. A: read udp ...: i/o timeout`) and answered SERVFAIL.
 */
export const errorsPlugin: DnsPluginDefinition = {
  name: "errors",
  setup(s) {
    for (const sub of s.directive.block ?? []) if (sub.name !== "consolidate" && sub.name !== "stacktrace") throw s.reader.unknown(sub);
    if (s.directive.args.length > 0) throw s.reader.argError();
    return {
      handler: (next) => ({
        name: "errors",
        passive: true,
        async serveDNS(req) {
          try {
            return await next.serveDNS(req);
          } catch (err) {
            s.env.log("ERROR", `plugin/errors: ${Rcode.SERVFAIL} ${req.name} ${req.type}: ${err instanceof Error ? err.message : String(err)}`);
            return reply(Rcode.SERVFAIL);
          }
        },
      }),
    };
  },
};
