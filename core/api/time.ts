/** The last second formatted by {@link rfc3339}: writes within one second share the string. */
let lastSecond = Number.NaN;
let lastText = "";
/** The second formatted before it (kept for callers that alternate between two times). */
let previousSecond = Number.NaN;
let previousText = "";

/** RFC 3339 with second precision (`metav1.Time`), as the API server writes timestamps. */
export function rfc3339(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second === lastSecond) return lastText;
  // Two seconds are kept: a status carries an old time (a pod's startTime) beside the current one, asked for in turn.
  if (second === previousSecond) {
    const text = previousText;
    previousSecond = lastSecond;
    previousText = lastText;
    lastSecond = second;
    lastText = text;
    return text;
  }
  previousSecond = lastSecond;
  previousText = lastText;
  lastText = new Date(second * 1000).toISOString().replace(".000Z", "Z");
  lastSecond = second;
  return lastText;
}

/** RFC 3339 with microsecond precision (`metav1.MicroTime`), for fields such as Lease renewTime and Event eventTime. */
export function rfc3339Micro(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
