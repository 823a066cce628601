/** An etcd member's configuration, from `--flags` and `ETCD_*` environment variables (flags win), as etcd reads it. */
export interface EtcdConfig {
  name: string;
  dataDir: string;
  listenPeerUrls: string[];
  listenClientUrls: string[];
  initialAdvertisePeerUrls: string[];
  advertiseClientUrls: string[];
  /** name → peer URLs */
  initialCluster: Map<string, string[]>;
  initialClusterState: "new" | "existing";
  initialClusterToken: string;
  heartbeatIntervalMs: number;
  electionTimeoutMs: number;
}

const FLAGS = ["name", "data-dir", "listen-peer-urls", "listen-client-urls", "initial-advertise-peer-urls", "advertise-client-urls", "initial-cluster", "initial-cluster-state", "initial-cluster-token", "heartbeat-interval", "election-timeout"];

/** Parses argv (after the program name) and env; throws an Error with etcd's message on a bad value. */
export function parseEtcdConfig(argv: readonly string[], env: Readonly<Record<string, string>>): EtcdConfig {
  const values = new Map<string, string>();
  for (const flag of FLAGS) {
    const v = env[`ETCD_${flag.toUpperCase().replace(/-/g, "_")}`];
    if (v !== undefined && v !== "") values.set(flag, v);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = /^--?([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) continue;
    const flag = m[1]!;
    if (!FLAGS.includes(flag)) continue;
    values.set(flag, m[2] ?? argv[++i] ?? "");
  }
  const name = values.get("name") ?? "default";
  const list = (k: string, d: string): string[] => (values.get(k) ?? d).split(",").map((s) => s.trim()).filter(Boolean);
  const initialAdvertisePeerUrls = list("initial-advertise-peer-urls", "http://localhost:2380");
  const initialCluster = new Map<string, string[]>();
  for (const entry of list("initial-cluster", `${name}=${initialAdvertisePeerUrls.join(",")}`)) {
    const eq = entry.indexOf("=");
    if (eq < 0) throw new Error(`invalid value "${values.get("initial-cluster")}" for flag -initial-cluster: missing "=" in ${entry}`);
    const n = entry.slice(0, eq);
    initialCluster.set(n, [...(initialCluster.get(n) ?? []), entry.slice(eq + 1)]);
  }
  const state = values.get("initial-cluster-state") ?? "new";
  if (state !== "new" && state !== "existing") throw new Error(`invalid value "${state}" for flag -initial-cluster-state: valid values are "new", "existing"`);
  return {
    name,
    dataDir: values.get("data-dir") ?? `${name}.etcd`,
    listenPeerUrls: list("listen-peer-urls", "http://localhost:2380"),
    listenClientUrls: list("listen-client-urls", "http://localhost:2379"),
    initialAdvertisePeerUrls,
    advertiseClientUrls: list("advertise-client-urls", "http://localhost:2379"),
    initialCluster,
    initialClusterState: state,
    initialClusterToken: values.get("initial-cluster-token") ?? "etcd-cluster",
    heartbeatIntervalMs: Number(values.get("heartbeat-interval") ?? 100),
    electionTimeoutMs: Number(values.get("election-timeout") ?? 1000),
  };
}

/** `http://host:2380` → `{ host, port }`. */
export function hostPort(url: string, defaultPort: number): { host: string; port: number } {
  const m = /^[a-z]+:\/\/([^/:]+)(?::(\d+))?/.exec(url);
  return { host: m?.[1] ?? "127.0.0.1", port: Number(m?.[2] ?? defaultPort) };
}
