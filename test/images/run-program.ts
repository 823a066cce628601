import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { MemoryFileSystem } from "../../core/cri/filesystem.js";
import type { Program } from "../../core/cri/process.js";
import { DataPlane } from "../../core/net/data-plane.js";
import { RunningProcess } from "../../plugins/runtime-containerd/process-runner.js";

/** Runs `argv` with `programs` on a virtual clock; resolves with its exit code and output. */
export async function runProgram(programs: Readonly<Record<string, Program>>, argv: string[], options: { env?: Record<string, string>; stdin?: string; files?: Record<string, string> } = {}): Promise<{ code: number; stdout: string; stderr: string; fs: MemoryFileSystem }> {
  const clock = new VirtualClock({ auto: true });
  let stdout = "";
  let stderr = "";
  const fs = new MemoryFileSystem(options.files);
  const chunks = options.stdin !== undefined ? [options.stdin] : [];
  const proc = new RunningProcess(1, { argv, env: { PATH: "/bin", HOME: "/root", ...(options.env ?? {}) }, cwd: "/", hostname: "test-pod", fs, net: podStack(clock), clock, programs, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, async () => chunks.shift());
  const code = await proc.exit;
  clock.setAuto(false);
  return { code, stdout, stderr, fs };
}

/** A lone node's network namespace holding 10.244.0.5 (the program's own listeners answer on it and on 127.0.0.1). */
function podStack(clock: VirtualClock) {
  const plane = new DataPlane({ clock });
  return plane.stack(plane.addNode("node-1", "10.244.0.5"));
}
