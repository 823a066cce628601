/**
 * Per-cycle data plugins share (upstream `CycleState`): written in PreFilter/PreScore, read in
 * Filter/Score of the same cycle. `clone` is shallow per key unless a value implements `clone`
 * (preemption and nominated-pod simulations clone the state before AddPod/RemovePod).
 */
export interface StateData {
  clone(): StateData;
}

export class CycleState {
  private readonly data = new Map<string, StateData>();
  /** Plugins whose Filter is skipped (their PreFilter returned Skip). */
  readonly skipFilterPlugins = new Set<string>();
  /** Plugins whose Score is skipped (their PreScore returned Skip). */
  readonly skipScorePlugins = new Set<string>();
  /** The framework's cache of the Filter plugins left after skips (internal). */
  activeFilters: unknown;
  activeFiltersFor = -1;

  read<T extends StateData>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  write(key: string, value: StateData): void {
    this.data.set(key, value);
  }

  delete(key: string): void {
    this.data.delete(key);
  }

  clone(): CycleState {
    const copy = new CycleState();
    for (const [k, v] of this.data) copy.data.set(k, v.clone());
    for (const p of this.skipFilterPlugins) copy.skipFilterPlugins.add(p);
    for (const p of this.skipScorePlugins) copy.skipScorePlugins.add(p);
    return copy;
  }
}
