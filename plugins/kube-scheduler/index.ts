/**
 * kube-scheduler as a kubesim plugin, and the scheduler framework third parties build on: the
 * `SchedulerPlugins` extension point (name → factory), the extension-point interfaces, Status,
 * CycleState and NodeInfo. See docs/scheduling.md.
 */
import { definePlugin, type DefinedPlugin } from "../../core/plugins/plugin.js";
import { token } from "../../core/di/token.js";
import { ClientFactory, KUBE_SCHEDULER_USER } from "../../core/client/client-factory.js";
import { componentUserAgent } from "../../core/client/user-agent.js";
import { InformerFactory } from "../../core/informers/shared-informer-factory.js";
import { Controllers } from "../../core/controller/extension-point.js";
import type { Cluster } from "../../core/cluster/cluster.js";
import type { Client } from "../../core/client/client.js";
import type { ConfigMap } from "kubernetes-types/core/v1.js";
import { Scheduler } from "./scheduler.js";
import { SchedulerPlugins } from "./framework/registry.js";
import type { KubeSchedulerConfiguration } from "./config/types.js";
import { validateSchedulerConfig } from "./config/validate.js";
import { isPluginConfigError } from "../../core/plugins/plugin-config.js";
import { NodeAgents } from "../../core/cluster/node-agents.js";
import { Images } from "../../core/cri/images.js";
import { controlPlaneComponentAgent } from "../../core/cluster/control-plane-component-agent.js";
import { KUBE_SCHEDULER_PORT, kubeSchedulerPod } from "../../core/cluster/kubeadm-static-pods.js";
import { KUBE_SCHEDULER_IMAGE } from "./image.js";
import { EXPLAIN_LABEL, EXPLAIN_NAMESPACE, formatExplanation, type Explanation } from "./explain/explanation.js";

export { Scheduler, numFeasibleNodesToFind, type SchedulerOptions } from "./scheduler.js";
export { SchedulerPlugins } from "./framework/registry.js";
export { explainRbac } from "./explain/explain-rbac.js";
export * from "./framework/interface.js";
export { Status, Code, isSuccess, isRejected } from "./framework/status.js";
export { CycleState, type StateData } from "./framework/cycle-state.js";
export { NodeInfo } from "./framework/node-info.js";
export { PodInfo, termMatches, type AffinityTerm, type WeightedAffinityTerm, type HostPort } from "./framework/pod-info.js";
export { Resource, podRequests, type PodRequests } from "./framework/resource.js";
export { defaultNormalizeScore, MAX_NODE_SCORE } from "./framework/normalize.js";
export { fitErrorMessage } from "./framework/fit-error.js";
export { Framework, type PluginScore } from "./framework/runtime.js";
export { SchedulingQueue } from "./queue/scheduling-queue.js";
export { SchedulerCache } from "./cache/scheduler-cache.js";
export { SchedulerConfigError, validateSchedulerConfig, parseSchedulerConfig } from "./config/validate.js";
export type { KubeSchedulerConfiguration, KubeSchedulerProfile, PluginSet, PluginConfig } from "./config/types.js";
export { formatExplanation, EXPLAIN_LABEL, EXPLAIN_NAMESPACE, type Explanation, type NodeExplanation } from "./explain/explanation.js";

/** The running in-process scheduler of a cluster (resolve it with `cluster.resolve(KubeScheduler)`). */
export const KubeScheduler = token<Scheduler>("KubeScheduler");

/** The identity kube-scheduler acts as. */
export const SCHEDULER_USER = KUBE_SCHEDULER_USER;

export interface KubeSchedulerPluginOptions {
  /**
   * KubeSchedulerConfiguration (validated; a bad one fails the cluster start naming the field).
   * A configuration section given to the plugin (cluster.yaml `plugins: [{ name: kube-scheduler,
   * config }]`, or `cluster.use("kube-scheduler", config)`) takes its place.
   */
  config?: KubeSchedulerConfiguration;
}

/**
 * The kube-scheduler plugin with a configuration. Scheduler plugins contributed to
 * `SchedulerPlugins` by plugins set up before it (`requires`) or at any time before the cluster
 * starts are available by name to its profiles; a profile naming one nobody contributed fails the
 * cluster start naming the field.
 */
export function kubeScheduler(options: KubeSchedulerPluginOptions = {}): DefinedPlugin<KubeSchedulerConfiguration> {
  const given = options.config ? validateSchedulerConfig(options.config) : undefined;
  return definePlugin<KubeSchedulerConfiguration>({
    name: "kube-scheduler",
    description: "kube-scheduler: the scheduling framework, default plugins, preemption, binding through pods/binding",
    config: { description: "KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1)", parse: validateSchedulerConfig },
    setup(ctx) {
      const config = ctx.config ?? given;
      // kube-scheduler acts as system:kube-scheduler (kubeadm's scheduler.conf), under its bootstrap role.
      const client = ctx.resolve(ClientFactory).clientFor(KUBE_SCHEDULER_USER, componentUserAgent("kube-scheduler"));
      let scheduler: Scheduler | undefined;
      // Built when the cluster sets up its controllers: every plugin has been set up by then, so
      // scheduler plugins contributed by plugins loaded in any order are registered, and a
      // profile naming an unknown one still fails the cluster start.
      ctx.contribute(Controllers, "kube-scheduler", {
        name: "kube-scheduler",
        setup(mgr) {
          try {
            scheduler = new Scheduler({
              client,
              informers: ctx.resolve(InformerFactory),
              clock: ctx.clock,
              random: ctx.random,
              log: ctx.log,
              plugins: new Map(ctx.extensions(SchedulerPlugins).entries().map((e) => [e.name, e.value])),
              ...(config ? { config } : {}),
            });
          } catch (err) {
            if (isPluginConfigError(err)) throw ctx.configError(err.errors);
            throw err;
          }
          const built = scheduler;
          ctx.provide(KubeScheduler, built);
          mgr.add({
            name: "kube-scheduler",
            needLeaderElection: false,
            async start(signal: AbortSignal) {
              const stopped = new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener("abort", () => r(), { once: true })));
              await built.start(signal);
              await stopped;
              await built.shutdown();
            },
          });
        },
      });
      // kubeadm's kube-scheduler static pod on the control-plane nodes, and its secure port :10259
      // (metrics and the health its probes read) in the host network it runs in.
      ctx.contribute(Images, KUBE_SCHEDULER_IMAGE.repository, KUBE_SCHEDULER_IMAGE);
      ctx.contribute(
        NodeAgents,
        "kube-scheduler-metrics",
        controlPlaneComponentAgent({
          port: KUBE_SCHEDULER_PORT,
          metrics: () => scheduler?.metrics.scrape() ?? "",
          healthPaths: ["/healthz", "/livez", "/readyz"],
          health: () => (scheduler ? { healthy: true } : { healthy: false, reason: "the scheduler is not running" }),
          staticPod: () => kubeSchedulerPod(),
        }),
      );
      return async () => {
        ctx.extensions(NodeAgents).withdraw("kube-scheduler-metrics");
        ctx.extensions(Images).withdraw(KUBE_SCHEDULER_IMAGE.repository);
        ctx.extensions(Controllers).withdraw("kube-scheduler");
        await scheduler?.shutdown();
      };
    },
  });
}

/** `kube-scheduler` with the default configuration (the default distribution's). */
export default kubeScheduler();

/**
 * Explains how `ns/pod` is scheduled (each node's Filter verdict, each plugin's scores) as a
 * table. With a Cluster running the scheduler in process it asks it directly; otherwise (a client
 * of a remote `kubesim up`) it asks through a request ConfigMap the leading scheduler answers.
 */
export async function explainSchedule(target: Cluster | Client, podRef: string, options: { timeoutMs?: number } = {}): Promise<string> {
  const [ns, name] = podRef.includes("/") ? (podRef.split("/", 2) as [string, string]) : ["default", podRef];
  if ("resolve" in target && typeof (target as Cluster).resolve === "function") {
    let scheduler: Scheduler | undefined;
    try {
      scheduler = (target as Cluster).resolve(KubeScheduler);
    } catch {
      scheduler = undefined;
    }
    if (scheduler) return formatExplanation(scheduler.explain(ns, name));
    return explainSchedule((target as Cluster).client, podRef, options);
  }
  return formatExplanation(await requestExplanation(target as Client, ns, name, options.timeoutMs ?? 10_000));
}

/** The request/answer ConfigMap protocol (only used when someone asks: never on the scheduling path). */
export async function requestExplanation(client: Client, ns: string, name: string, timeoutMs: number): Promise<Explanation> {
  const cms = client.resource<ConfigMap>("ConfigMap");
  const created = await cms.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { generateName: "explain-schedule-", namespace: EXPLAIN_NAMESPACE, labels: { [EXPLAIN_LABEL]: "request" } }, data: { pod: `${ns}/${name}` } }, { namespace: EXPLAIN_NAMESPACE });
  const cmName = created.metadata!.name!;
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const cm = await cms.get(cmName, { namespace: EXPLAIN_NAMESPACE } as never);
      const body = cm.data?.["explanation"];
      if (body) {
        const parsed = JSON.parse(body) as Explanation | { error: string };
        if ("error" in parsed) throw new Error(parsed.error);
        return parsed;
      }
      if (Date.now() > deadline) throw new Error(`no scheduler answered within ${timeoutMs / 1000}s (is a scheduler running pod ${ns}/${name}'s schedulerName?)`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await cms.delete(cmName, { namespace: EXPLAIN_NAMESPACE } as never).catch(() => undefined);
  }
}
