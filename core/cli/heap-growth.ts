import { getHeapStatistics, setFlagsFromString } from "node:v8";

/**
 * How far the old generation may grow past what the last full collection left live, chosen by
 * the heap's size. The launcher starts Node with `--heap-growing-percent=30`: a small cluster's
 * RSS then stays close to what it holds (V8's own factor drifts up to 4 while pods churn, and the
 * process holds mostly garbage). A cluster of thousands of nodes pays for it: with a heap of
 * hundreds of MB growing steadily, 30 % keeps V8 marking nearly all the time, and the marking
 * write barrier and the scavenges under marking slow every write. Once the heap in use passes
 * {@link LARGE_HEAP_BYTES} the factor is handed back to V8 (`--heap-growing-percent=0`), and set
 * to 30 % again when it falls below half of that. V8 reads the flag each time it sets the next
 * collection's limit, so a change applies from the next full collection; the heap stays within
 * `--max-old-space-size` either way.
 */
export const LARGE_HEAP_BYTES = 512 * 1024 * 1024;
/** The launcher's growth for small heaps, as on its `#!` line. */
export const SMALL_HEAP_GROWING_PERCENT = 30;
const CHECK_INTERVAL_MS = 1000;

/** What {@link adaptHeapGrowth} reads and sets; the defaults are the process's own. */
export interface HeapGrowthOptions {
  /** The heap in use from which V8's own factor applies (default {@link LARGE_HEAP_BYTES}). */
  largeHeapBytes?: number;
  /** The process's Node flags (default `process.execArgv`). */
  execArgv?: readonly string[];
  /** The heap in use, in bytes (default V8's `used_heap_size`). */
  usedHeapBytes?: () => number;
  /** Sets V8 flags (default `v8.setFlagsFromString`). */
  setV8Flags?: (flags: string) => void;
}

/** A running {@link adaptHeapGrowth}. */
export interface HeapGrowthHandle {
  /** Checks the heap now (the timer does it every second). */
  check(): void;
  /** Stops the checks; the factor stays as last set. */
  stop(): void;
}

/**
 * Checks the heap in use every second (on a timer that does not keep the process alive) and
 * switches the growth factor as above. Only in a process started with the launcher's
 * `--heap-growing-percent=30` (the `kubesim` command, `npm start`, the benches that run under the
 * launcher's flags); elsewhere it does nothing: a program that embeds `Cluster` chooses its own
 * flags.
 */
export function adaptHeapGrowth(options: HeapGrowthOptions = {}): HeapGrowthHandle {
  const { largeHeapBytes = LARGE_HEAP_BYTES, execArgv = process.execArgv, usedHeapBytes = () => getHeapStatistics().used_heap_size, setV8Flags = setFlagsFromString } = options;
  if (!execArgv.includes(`--heap-growing-percent=${SMALL_HEAP_GROWING_PERCENT}`)) return { check: () => undefined, stop: () => undefined };
  let large = false;
  const check = (): void => {
    const used = usedHeapBytes();
    if (!large && used >= largeHeapBytes) {
      large = true;
      setV8Flags("--heap-growing-percent=0");
    } else if (large && used < largeHeapBytes / 2) {
      large = false;
      setV8Flags(`--heap-growing-percent=${SMALL_HEAP_GROWING_PERCENT}`);
    }
  };
  const timer = setInterval(check, CHECK_INTERVAL_MS);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}
