/**
 * Names Events as client-go does: `<object name>.<timestamp in nanoseconds, hex>`
 * (`fmt.Sprintf("%v.%x", ref.Name, t.UnixNano())`). The clock has millisecond resolution (and a
 * virtual clock may not move at all between events), so events named within one millisecond get
 * successive nanosecond offsets: names stay unique and ordered.
 */
export class EventNamer {
  private static readonly byClock = new WeakMap<object, EventNamer>();

  /**
   * The namer every broadcaster on `clock` shares: components of one cluster (kubelets, scheduler,
   * controllers) name events for the same object at the same instant, and a virtual clock does not
   * move between them, so one sequence per clock keeps their names apart.
   */
  static forClock(clock: object): EventNamer {
    let namer = EventNamer.byClock.get(clock);
    if (!namer) EventNamer.byClock.set(clock, (namer = new EventNamer()));
    return namer;
  }

  private lastMs = -1;
  private offset = 0;

  name(objectName: string, nowMs: number): string {
    const ms = Math.trunc(nowMs);
    if (ms === this.lastMs) this.offset++;
    else {
      this.lastMs = ms;
      this.offset = 0;
    }
    return `${objectName}.${(BigInt(ms) * 1_000_000n + BigInt(this.offset)).toString(16)}`;
  }
}
