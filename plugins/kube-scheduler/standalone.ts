import { readFileSync } from "node:fs";
import { HttpClient } from "../../core/client/http-client.js";
import { componentUserAgent } from "../../core/client/user-agent.js";
import { RealClock } from "../../core/clock/real-clock.js";
import { SeededRandom } from "../../core/clock/random.js";
import { createLogger, type LogLevel } from "../../core/log/logger.js";
import { SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import { Scheduler } from "./scheduler.js";
import { parseSchedulerConfig } from "./config/validate.js";
import type { PluginFactory } from "./framework/interface.js";

export interface StandaloneOptions {
  kubeconfig: string;
  /** Path of a KubeSchedulerConfiguration file. */
  config?: string;
  logLevel?: LogLevel;
  /** Scheduler plugins beyond the in-tree ones. */
  plugins?: ReadonlyMap<string, PluginFactory>;
}

/**
 * `kubesim scheduler`: kube-scheduler against any API server over HTTP (a `kubesim up` in another
 * terminal, or a real cluster), leader-elected on kube-system/kube-scheduler unless the
 * configuration turns leaderElect off. Resolves with a stop function.
 */
export async function runStandaloneScheduler(options: StandaloneOptions): Promise<{ scheduler: Scheduler; stop(): Promise<void> }> {
  const config = options.config ? parseSchedulerConfig(readFileSync(options.config, "utf8"), options.config) : undefined;
  const client = HttpClient.fromKubeconfig(options.kubeconfig, undefined, componentUserAgent("kube-scheduler"));
  const clock = new RealClock();
  const random = new SeededRandom();
  const log = createLogger("kube-scheduler", { level: options.logLevel ?? "info" });
  const informers = new SharedInformerFactory({ client, clock, random, logger: log.child("informers") });
  const scheduler = new Scheduler({ client, informers, clock, random, log, ...(config ? { config } : {}), ...(options.plugins ? { plugins: options.plugins } : {}) });
  await scheduler.start();
  log.info("kube-scheduler started", { profiles: [...scheduler.frameworks.keys()] });
  return {
    scheduler,
    async stop() {
      await scheduler.shutdown();
      await informers.shutdown();
    },
  };
}
