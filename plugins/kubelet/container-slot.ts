import type { Container, ContainerState, ContainerStateTerminated } from "kubernetes-types/core/v1.js";
import type { ProbeWorker } from "./probes.js";

/** What kind of container a slot runs: init (in order, to completion), sidecar (init with restartPolicy Always), regular, or ephemeral (`kubectl debug`: started once, never restarted). */
export type SlotKind = "init" | "sidecar" | "regular" | "ephemeral";

/**
 * The kubelet's record of one container of a pod across its restarts: the current runtime
 * container, why it is waiting, the last termination, restart count and probe state.
 */
export interface ContainerSlot {
  readonly name: string;
  readonly kind: SlotKind;
  readonly spec: Container;
  /** Runtime ID of the current container (undefined before the first create). */
  id?: string;
  restartCount: number;
  /** The previous, exited instance kept for `logs --previous`. */
  deadId?: string;
  /** Set while the container has no running/exited instance to show, or is backing off. */
  waiting?: { reason: string; message?: string };
  /** The current instance's state, as the runtime last reported it. */
  state?: ContainerState;
  /** When the current instance exited (ms, the runtime's precise time; the API's is whole seconds). */
  finishedMs?: number;
  /** The previous instance's termination (lastState). */
  last?: ContainerStateTerminated;
  imageID?: string;
  ready: boolean;
  started: boolean;
  probes?: ProbeWorker[];
  /** Set while the kubelet is killing this instance (liveness failure, deletion). */
  killing?: boolean;
}
