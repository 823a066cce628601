import type { ImageDefinition } from "../../../core/cri/images.js";
import type { Process } from "../../../core/cri/process.js";
import { untilSignal } from "../daemon.js";

/** `150M`, `1G`, `512k`, `100` (bytes) as stress reads sizes (powers of 1024). */
function sizeArg(text: string): number | undefined {
  const m = /^(\d+)([bBkKmMgG]?)$/.exec(text);
  if (!m) return undefined;
  const mult = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as "" | "b" | "k" | "m" | "g"];
  return Number(m[1]) * mult;
}

/**
 * `stress` (polinux/stress, the image of the Kubernetes docs' memory and CPU examples): `--vm N
 * --vm-bytes SIZE` holds N×SIZE of memory, `--cpu N` keeps N cores busy; `--vm-hang` and
 * `--timeout` as upstream. Exceeding the container's memory limit gets it OOMKilled.
 */
async function stress(p: Process): Promise<number> {
  const args = p.argv.slice(1);
  const opt = (name: string, short: string): string | undefined => {
    const i = args.findIndex((a) => a === name || a === short);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const vm = Number(opt("--vm", "-m") ?? 0);
  const cpu = Number(opt("--cpu", "-c") ?? 0);
  const vmBytes = sizeArg(opt("--vm-bytes", "--vm-bytes") ?? "256M");
  const timeout = opt("--timeout", "-t");
  if ((vm === 0 && cpu === 0) || vmBytes === undefined || Number.isNaN(vm) || Number.isNaN(cpu)) {
    p.stderr(`stress: FAIL: [1] (244) <-- worker 2 returned error 1\n`);
    return 1;
  }
  p.stdout(`stress: info: [1] dispatching hogs: ${cpu} cpu, 0 io, ${vm} vm, 0 hdd\n`);
  p.use({ memoryBytes: vm * vmBytes, cpuMillis: cpu * 1000 });
  if (timeout) {
    const seconds = Number(/^(\d+)s?$/.exec(timeout)?.[1] ?? 0);
    await p.sleep(seconds * 1000);
    p.stdout(`stress: info: [1] successful run completed in ${seconds}s\n`);
    return 0;
  }
  return untilSignal(p, () => 0);
}

/** polinux/stress. */
export const STRESS: ImageDefinition = {
  repository: "docker.io/polinux/stress",
  tags: ["latest", "1.0.4"],
  size: 4_410_000,
  layers: ["sha256:stress-1.0.4-layer-0"],
  config: { entrypoint: [], cmd: ["stress", "--help"] },
  programs: { stress },
};
