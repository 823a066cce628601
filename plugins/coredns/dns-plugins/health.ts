import type { DnsPluginDefinition } from "../server/handler.js";
import { httpPort } from "./http-address.js";

/**
 * `health [ADDRESS] { lameduck DURATION }`: `GET /health` on :8080 answers 200 `OK` while the
 * process runs (the Deployment's liveness probe); on stop the server keeps answering for the
 * lameduck duration before it exits.
 */
export const healthPlugin: DnsPluginDefinition = {
  name: "health",
  setup(s) {
    if (s.directive.args.length > 1) throw s.reader.argError();
    const port = httpPort(s.reader, s.directive.args[0], 8080);
    let lameduckMs = 0;
    for (const sub of s.directive.block ?? []) {
      if (sub.name !== "lameduck") throw s.reader.unknown(sub);
      if (sub.args.length !== 1) throw s.reader.argError(sub.line, "lameduck");
      lameduckMs = s.reader.duration(sub.args[0]!, sub.line);
    }
    s.serveHttp({ port, path: "/health", handle: () => ({ status: 200, body: "OK" }) });
    return { lameduckMs };
  },
};
