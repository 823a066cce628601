import { extensionPoint } from "../../../core/plugins/extension-point.js";
import type { PluginFactory } from "./interface.js";

/**
 * The scheduler framework's plugin registry as a kubesim extension point: name → factory.
 * A third-party kubesim plugin contributes here (`ctx.contribute(SchedulerPlugins, "MyScore",
 * factory)`) and a profile enables it by name. In-tree plugin names are reserved.
 */
export const SchedulerPlugins = extensionPoint<PluginFactory>("kube-scheduler/plugins", "a kube-scheduler framework plugin (name → factory(args, handle))");
