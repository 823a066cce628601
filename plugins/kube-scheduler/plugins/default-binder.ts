import type { Pod } from "kubernetes-types/core/v1.js";
import type { BindPlugin, FrameworkHandle } from "../framework/interface.js";
import { Status } from "../framework/status.js";
import type { CycleState } from "../framework/cycle-state.js";

/** Binds through the `pods/binding` subresource, as kube-scheduler's DefaultBinder. */
export class DefaultBinder implements BindPlugin {
  static readonly pluginName = "DefaultBinder";
  readonly name = DefaultBinder.pluginName;

  constructor(private readonly handle: Pick<FrameworkHandle, "client">) {}

  async bind(_state: CycleState, pod: Pod, nodeName: string): Promise<Status | null> {
    const m = pod.metadata!;
    try {
      await this.handle.client.resource("Pod").createSubresource(
        m.name!,
        "binding",
        { apiVersion: "v1", kind: "Binding", metadata: { name: m.name!, namespace: m.namespace!, uid: m.uid! }, target: { kind: "Node", name: nodeName } },
        { namespace: m.namespace! },
      );
      return null;
    } catch (err) {
      return Status.error(err instanceof Error ? err.message : String(err));
    }
  }
}
