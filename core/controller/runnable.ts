/**
 * Something the {@link Manager} starts and stops (controller-runtime's `manager.Runnable`):
 * controllers, servers, periodic jobs. `start` may return a promise that settles once the runnable
 * has fully stopped after `signal` aborts; the manager awaits it on stop.
 */
export interface Runnable {
  start(signal: AbortSignal): Promise<void> | void;
  /**
   * Whether only the elected leader may run it. Absent means true, as in controller-runtime; set
   * false for work every replica does (serving, cache warmers). Without leader election on the
   * manager every runnable runs.
   */
  readonly needLeaderElection?: boolean;
}
