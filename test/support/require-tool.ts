/**
 * Tests that need a program npm cannot install (kubectl, the Python client, etcd, dig, bird,
 * chromium...) declare it here. When the program is missing the test is reported as skipped —
 * with the reason and the install command, and counted in `npm test`'s closing line — instead of
 * failing on a machine that lacks it. CI sets `KUBESIM_REQUIRE_TOOLS=1` (see .ci/run): then a
 * missing tool fails the test, so CI always runs everything.
 *
 * ```ts
 * requireTool(KUBECTL);                      // first statement of a file that needs it throughout
 * const kubectlTest = testWithTool(KUBECTL, test); // or: only some tests of the file need it
 * kubectlTest("kubectl get pods", async () => { ... });
 * ```
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { relative } from "node:path";
import { sourcePath } from "./test-bundle.js";
import type { Test } from "uvu";

/** A program some tests need, how to find out whether it works here, and how to install it. */
export interface Tool {
  /** What is needed, as a person would say it (`kubectl`, `python3 with the kubernetes package`). */
  readonly name: string;
  /** The program to run to probe it. */
  readonly command: string;
  /** Arguments of a quick run that exits 0 when the tool is usable (default `--version`). */
  readonly probeArgs?: readonly string[];
  /** The command that installs it on Debian/Ubuntu (or where to get it). */
  readonly install: string;
}

/** The env variable that turns a missing tool from a skip into a failure (set by CI). */
export const REQUIRE_TOOLS_ENV = "KUBESIM_REQUIRE_TOOLS";

/** The line prefix `test/run.ts` collects to name skipped tests and why. */
export const SKIP_MARKER = "[skipped]";

/** kubectl (tests expect v1.32). Not packaged for Debian: the official binary. */
export const KUBECTL: Tool = {
  name: "kubectl",
  command: "kubectl",
  probeArgs: ["version", "--client"],
  install:
    'curl -fsSLo /usr/local/bin/kubectl "https://dl.k8s.io/release/v1.32.0/bin/linux/$(dpkg --print-architecture)/kubectl" && chmod +x /usr/local/bin/kubectl',
};

/** The official Python client as Debian packages it (installed for the system interpreter). */
export const PYTHON_KUBERNETES: Tool = {
  name: "python3 with the kubernetes package",
  command: existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3",
  probeArgs: ["-c", "import kubernetes"],
  install: "apt-get install -y python3-kubernetes",
};

/** A stock Prometheus server (Debian's package), for scraping a cluster as users do. */
export const PROMETHEUS: Tool = {
  name: "prometheus",
  command: "prometheus",
  install: "apt-get install -y prometheus",
};

const probed = new Map<Tool, string | undefined>();

/** Why `tool` cannot be used here, or undefined when it can (probed once per process). */
export function missingReason(tool: Tool): string | undefined {
  if (probed.has(tool)) return probed.get(tool);
  const r = spawnSync(tool.command, [...(tool.probeArgs ?? ["--version"])], { stdio: ["ignore", "pipe", "pipe"], timeout: 20_000, encoding: "utf8" });
  let reason: string | undefined;
  if (r.error) reason = (r.error as NodeJS.ErrnoException).code === "ENOENT" ? `${tool.command} is not on PATH` : `${tool.command}: ${r.error.message}`;
  else if (r.status !== 0) reason = `${[tool.command, ...(tool.probeArgs ?? ["--version"])].join(" ")} exited ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim().split("\n").pop() ?? ""}`;
  probed.set(tool, reason);
  return reason;
}

function required(): boolean {
  const v = process.env[REQUIRE_TOOLS_ENV];
  return v !== undefined && v !== "" && v !== "0" && v !== "false";
}

/** The running test file, named by its source even when it runs from the runner's bundle. */
function testFile(): string {
  const entry = process.argv[1];
  return entry ? sourcePath(relative(process.cwd(), entry)) : "this test";
}

function explain(tool: Tool, reason: string, what: string): string {
  return `${what} needs ${tool.name} (${reason}); install it with: ${tool.install}`;
}

/**
 * The whole file needs `tool`: call it before starting anything. When the tool is missing the file
 * reports itself skipped (a uvu summary with `Skipped: 1`) and exits 0; with
 * `KUBESIM_REQUIRE_TOOLS=1` it throws instead, failing the file.
 */
export function requireTool(tool: Tool): void {
  const reason = missingReason(tool);
  if (!reason) return;
  const message = explain(tool, reason, testFile());
  if (required()) throw new Error(`${message} (${REQUIRE_TOOLS_ENV} is set, so a missing tool is a failure)`);
  process.stdout.write(`${SKIP_MARKER} ${message}\n\n  Total:     0\n  Passed:    0\n  Skipped:   1\n  Duration:  0ms\n\n`);
  process.exit(0);
}

/**
 * `test` when `tool` is present. Otherwise a stand-in that counts each test as skipped in uvu's
 * summary (printing the reason once), or — with `KUBESIM_REQUIRE_TOOLS=1` — registers each test
 * as one that fails with the reason.
 */
export function testWithTool(tool: Tool, test: Test): (name: string, fn: () => void | Promise<void>) => void {
  const reason = missingReason(tool);
  if (!reason) return test;
  if (required()) {
    return (name) =>
      test(name, () => {
        throw new Error(`${explain(tool, reason, `"${name}"`)} (${REQUIRE_TOOLS_ENV} is set, so a missing tool is a failure)`);
      });
  }
  return (name) => {
    process.stdout.write(`${SKIP_MARKER} ${explain(tool, reason, `${testFile()}: "${name}"`)}\n`);
    test.skip(name, () => undefined);
  };
}

/** dig from Debian's dnsutils (the real DNS client the CoreDNS tests ask). */
/** Debian's BIRD 1.6 (the BIRD Calico ships), for parsing confd's rendered configuration. */
export const BIRD: Tool = { name: "bird (BIRD 1.6)", command: "bird", probeArgs: ["--version"], install: "apt-get install -y bird" };

/** curl, as users reach the ingress host ports. */
export const CURL: Tool = { name: "curl", command: "curl", probeArgs: ["--version"], install: "apt-get install -y curl" };

export const DIG: Tool = { name: "dig", command: "dig", probeArgs: ["-v"], install: "apt-get install -y dnsutils" };

/** Debian's etcd 3.4 (the etcd store's tests run real members on loopback ports). */
export const ETCD: Tool = { name: "etcd (etcd-server 3.4)", command: "etcd", probeArgs: ["--version"], install: "apt-get install -y etcd-server" };

/** openssl, to issue test certificates (etcd's TLS client authentication). */
export const OPENSSL: Tool = { name: "openssl", command: "openssl", probeArgs: ["version"], install: "apt-get install -y openssl" };
