/**
 * A third-party kube-scheduler plugin, as its own package: a Score plugin that prefers nodes
 * carrying a label (default `example.com/preferred=true`), contributed to the scheduler's
 * `SchedulerPlugins` extension point and enabled by name in a KubeSchedulerConfiguration profile:
 *
 * ```yaml
 * profiles:
 *   - schedulerName: default-scheduler
 *     plugins:
 *       score:
 *         enabled: [{ name: example.com/PreferLabel, weight: 5 }]
 *     pluginConfig:
 *       - name: example.com/PreferLabel
 *         args: { label: disktype, value: ssd }
 * ```
 *
 * A published plugin imports from "kubesim" and "kubesim/plugins/kube-scheduler"; this example
 * imports them by relative path so it runs inside the kubesim repository.
 */
import type { Pod } from "kubernetes-types/core/v1.js";
import { definePlugin } from "../../core/index.js";
import { SchedulerPlugins, MAX_NODE_SCORE, type CycleState, type NodeInfo, type PluginFactory, type ScorePlugin } from "../../plugins/kube-scheduler/index.js";

export const PLUGIN_NAME = "example.com/PreferLabel";

export interface PreferLabelArgs {
  label?: string;
  value?: string;
}

/** Scores 100 for nodes with the label (and value, when given), 0 for the others. */
export class PreferLabel implements ScorePlugin {
  readonly name = PLUGIN_NAME;
  private readonly label: string;
  private readonly value: string | undefined;

  constructor(args: PreferLabelArgs = {}) {
    this.label = args.label ?? "example.com/preferred";
    this.value = args.label ? args.value : (args.value ?? "true");
  }

  score(_state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number {
    const labels = nodeInfo.node?.metadata?.labels ?? {};
    if (!(this.label in labels)) return 0;
    return this.value === undefined || labels[this.label] === this.value ? MAX_NODE_SCORE : 0;
  }
}

export const preferLabelFactory: PluginFactory = (args) => new PreferLabel(args as PreferLabelArgs | undefined);

export default definePlugin({
  name: "example-prefer-label",
  description: "a kube-scheduler Score plugin preferring nodes with a label",
  setup(ctx) {
    ctx.contribute(SchedulerPlugins, PLUGIN_NAME, preferLabelFactory);
    return () => {
      ctx.extensions(SchedulerPlugins).withdraw(PLUGIN_NAME);
    };
  },
});
