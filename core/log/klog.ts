/**
 * One line as klog writes it (Kubernetes components' log format):
 * `I1126 05:10:00.123456       1 server_linux.go:66] "Using iptables proxy"` — severity letter,
 * month and day, time with microseconds (UTC), the thread id right-aligned in 7 columns (1: a
 * container's PID 1), the source file and line, then the message.
 */
export function klogLine(severity: "I" | "W" | "E", ms: number, source: string, message: string): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, "0");
  return `${severity}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds() * 1000, 6)}       1 ${source}] ${message}\n`;
}
