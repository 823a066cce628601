/**
 * Names Events as client-go does: `<object name>.<timestamp in nanoseconds, hex>`
 * (`fmt.Sprintf("%v.%x", ref.Name, t.UnixNano())`). The clock has millisecond resolution (and a
 * virtual clock may not move at all between events), so events named within one millisecond get
 * successive nanosecond offsets: names stay unique and ordered.
 */
export class EventNamer {
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
