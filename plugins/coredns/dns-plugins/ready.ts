import type { DnsPluginDefinition } from "../server/handler.js";
import { httpPort } from "./http-address.js";

/**
 * `ready [ADDRESS]`: `GET /ready` on :8181 answers 200 `OK` once every plugin that reports
 * readiness is ready (kubernetes: its informers synced), else 503 naming those that are not
 * (the Deployment's readiness probe).
 */
export const readyPlugin: DnsPluginDefinition = {
  name: "ready",
  setup(s) {
    if (s.directive.args.length > 1) throw s.reader.argError();
    if (s.directive.block?.length) throw s.reader.unknown(s.directive.block[0]!);
    const port = httpPort(s.reader, s.directive.args[0], 8181);
    s.serveHttp({
      port,
      path: "/ready",
      handle: () => {
        const waiting = s.notReady();
        return waiting.length ? { status: 503, body: waiting.sort().join(", ") } : { status: 200, body: "OK" };
      },
    });
    return {};
  },
};
