/** `GET /version`: apimachinery's `version.Info`. */
export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

/** The Kubernetes version kubesim reproduces. */
export const KUBERNETES_VERSION = { major: 1, minor: 32, patch: 0 } as const;

/** kubesim's `/version`: Kubernetes 1.32 semantics, `gitVersion` `v1.32.0-kubesim`. */
export function buildVersionInfo(options: { buildDate?: string; gitCommit?: string } = {}): VersionInfo {
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  return {
    major: String(KUBERNETES_VERSION.major),
    minor: String(KUBERNETES_VERSION.minor),
    gitVersion: `v${KUBERNETES_VERSION.major}.${KUBERNETES_VERSION.minor}.${KUBERNETES_VERSION.patch}-kubesim`,
    gitCommit: options.gitCommit ?? "",
    gitTreeState: "clean",
    buildDate: options.buildDate ?? "1970-01-01T00:00:00Z",
    goVersion: `node${process.versions.node}`,
    compiler: "tsc",
    platform: `${process.platform}/${arch}`,
  };
}
