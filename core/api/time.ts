/** The last second formatted by {@link rfc3339}: writes within one second share the string. */
let lastSecond = Number.NaN;
let lastText = "";

/** RFC 3339 with second precision (`metav1.Time`), as the API server writes timestamps. */
export function rfc3339(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastText = new Date(second * 1000).toISOString().replace(".000Z", "Z");
    lastSecond = second;
  }
  return lastText;
}

/** RFC 3339 with microsecond precision (`metav1.MicroTime`), for fields such as Lease renewTime and Event eventTime. */
export function rfc3339Micro(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
