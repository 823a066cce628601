/** KubeSchedulerConfiguration, kubescheduler.config.k8s.io/v1 (the fields kubesim uses). */
export interface PluginRef {
  name: string;
  weight?: number;
}

export interface PluginSet {
  enabled?: PluginRef[];
  disabled?: PluginRef[];
}

export const EXTENSION_POINTS = ["preEnqueue", "queueSort", "preFilter", "filter", "postFilter", "preScore", "score", "reserve", "permit", "preBind", "bind", "postBind", "multiPoint"] as const;
export type ExtensionPointName = (typeof EXTENSION_POINTS)[number];

export type Plugins = Partial<Record<ExtensionPointName, PluginSet>>;

export interface PluginConfig {
  name: string;
  args?: Record<string, unknown>;
}

export interface KubeSchedulerProfile {
  schedulerName?: string;
  percentageOfNodesToScore?: number;
  plugins?: Plugins;
  pluginConfig?: PluginConfig[];
}

export interface KubeSchedulerConfiguration {
  apiVersion?: string;
  kind?: string;
  parallelism?: number;
  percentageOfNodesToScore?: number;
  podInitialBackoffSeconds?: number;
  podMaxBackoffSeconds?: number;
  leaderElection?: {
    leaderElect?: boolean;
    leaseDuration?: string;
    renewDeadline?: string;
    retryPeriod?: string;
    resourceNamespace?: string;
    resourceName?: string;
  };
  profiles?: KubeSchedulerProfile[];
}

export const CONFIG_API_VERSION = "kubescheduler.config.k8s.io/v1";
export const DEFAULT_SCHEDULER_NAME = "default-scheduler";
