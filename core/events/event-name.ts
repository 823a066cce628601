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
    // Joined, not a template string: the name is stored with its Event, and a template string is kept as a tree of pieces beside the flat copy made when it is first read whole.
    return [objectName, nanosecondsHex(ms, this.offset)].join(".");
  }
}

const TWO_24 = 0x1000000;

/**
 * `ms * 10^6 + offset` in hexadecimal, exactly, without BigInt: ms = a·2^24 + b gives
 * a·10^6·2^24 + (b·10^6 + offset), both parts below 2^53 for any date's milliseconds.
 */
export function nanosecondsHex(ms: number, offset: number): string {
  if (ms < 0) return (BigInt(ms) * 1_000_000n + BigInt(offset)).toString(16);
  const a = Math.floor(ms / TWO_24);
  const low = (ms - a * TWO_24) * 1_000_000 + offset;
  const carry = Math.floor(low / TWO_24);
  const high = a * 1_000_000 + carry;
  const rest = (low - carry * TWO_24).toString(16);
  return high === 0 ? rest : highHex(high) + "000000".slice(rest.length) + rest;
}

/** The last high part formatted, and its digits: it changes once per 2^24 ns (~17 ms), and a double's `toString(16)` is slow. */
let lastHigh = -1;
let lastHighText = "";

function highHex(high: number): string {
  if (high !== lastHigh) {
    lastHighText = high.toString(16);
    lastHigh = high;
  }
  return lastHighText;
}
