import { createHash } from "node:crypto";
import type { TimerHandle } from "../../../core/clock/clock.js";
import type { DnsPluginDefinition } from "../server/handler.js";

/**
 * `reload [INTERVAL] [JITTER]` (default 30s and 15s): checks the Corefile's SHA512 every interval
 * (plus a random jitter) and, when it changed, loads it — the running configuration stays if the
 * new one does not parse (`[ERROR] Restart failed: ...`, coredns_reload_failed_total).
 */
export const reloadPlugin: DnsPluginDefinition = {
  name: "reload",
  setup(s) {
    if (s.directive.args.length > 2) throw s.reader.argError();
    const interval = s.directive.args[0] ? s.reader.duration(s.directive.args[0]) : 30_000;
    const jitter = s.directive.args[1] ? s.reader.duration(s.directive.args[1]) : 15_000;
    if (interval < 2000) throw s.reader.error(`interval value must be greater or equal to 2s`);
    if (jitter < 1000) throw s.reader.error(`jitter value must be greater or equal to 1s`);
    if (jitter > interval / 2) throw s.reader.error(`jitter value must be smaller than half of interval value`);
    const m = s.metrics;
    m.define("coredns_reload_failed_total", "counter", "Counter of the number of failed reload attempts.", []);
    m.define("coredns_reload_version_info", "gauge", "A metric with a constant '1' value labeled by hash, and value which type of hash generated.", ["hash", "value"]);
    const sha = (t: string): string => createHash("sha512").update(t).digest("hex");
    const path = s.env.corefilePath;
    const running = sha(s.corefile);
    let timer: TimerHandle | undefined;
    let stopped = false;
    let failedHash: string | undefined;
    const check = async (): Promise<void> => {
      if (stopped || !path) return;
      const text = s.env.readFile(path);
      if (text !== undefined) {
        const h = sha(text);
        if (h !== running && h !== failedHash) {
          s.env.log("INFO", "Reloading");
          try {
            await s.reload(text);
            s.env.log("INFO", `plugin/reload: Running configuration SHA512 = ${h}`);
            s.env.log("INFO", "Reloading complete");
            return; // this instance was replaced by the new configuration's
          } catch (err) {
            failedHash = h;
            m.inc("coredns_reload_failed_total");
            s.env.log("ERROR", `Restart failed: ${err instanceof Error ? err.message : String(err)}`);
          }
        }
      }
      schedule();
    };
    const schedule = (): void => {
      if (stopped) return;
      timer = s.env.clock.setTimeout(() => void check(), interval + Math.floor(s.env.random.next() * jitter));
    };
    return {
      startup() {
        m.set("coredns_reload_version_info", { hash: "sha512", value: running }, 1);
        schedule();
      },
      shutdown() {
        stopped = true;
        if (timer) s.env.clock.clearTimeout(timer);
      },
    };
  },
};
