/**
 * The name client-go gives an Event: `<object name>.<timestamp in nanoseconds, hex>`
 * (`fmt.Sprintf("%v.%x", ref.Name, t.UnixNano())`).
 */
export function eventName(objectName: string, nowMs: number): string {
  return `${objectName}.${(BigInt(Math.trunc(nowMs)) * 1_000_000n).toString(16)}`;
}
