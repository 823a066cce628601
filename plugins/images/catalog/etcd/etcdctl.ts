import type { Process } from "../../../../core/cri/process.js";
import { httpGet } from "../../../../core/cri/http.js";
import { resolveHost } from "../../../../core/net/resolver.js";
import { hostPort } from "./etcd-config.js";

interface GatewayMember { ID: string; name?: string; peerURLs: string[]; clientURLs?: string[]; isLearner?: boolean }

const hex = (decimalId: string): string => BigInt(decimalId).toString(16);

/**
 * `etcdctl` (v3 API) against the members' JSON gateway: `member list|add|remove`, `endpoint
 * health|status`, `put`, `get`, `del`, `version`; `--endpoints` (or ETCDCTL_ENDPOINTS, default
 * 127.0.0.1:2379) and `-w simple|json`. Output and errors as etcdctl 3.5 prints them.
 */
export async function etcdctl(p: Process): Promise<number> {
  const args: string[] = [];
  let endpoints = (p.env["ETCDCTL_ENDPOINTS"] ?? "127.0.0.1:2379").split(",");
  let format = p.env["ETCDCTL_WRITE_OUT"] ?? "simple";
  let peerUrls: string[] = [];
  let learner = false;
  const argv = p.argv.slice(1);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--?([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) {
      args.push(a);
      continue;
    }
    const take = (): string => m[2] ?? argv[++i] ?? "";
    if (m[1] === "endpoints") endpoints = take().split(",");
    else if (m[1] === "w" || m[1] === "write-out") format = take();
    else if (m[1] === "peer-urls") peerUrls = take().split(",");
    else if (m[1] === "learner") learner = true;
  }
  const call = async (endpoint: string, path: string, body: unknown = {}): Promise<Record<string, unknown>> => {
    const { host, port } = hostPort(endpoint.includes("://") ? endpoint : `http://${endpoint}`, 2379);
    let address = host;
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(host)) address = host === "localhost" ? "127.0.0.1" : (await resolveHost({ fs: p.fs, net: p.net, clock: p.clock }, host)).addresses[0]!;
    const res = await httpGet(p.net, { host: address, port, path, method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), timeoutMs: 5000, clock: p.clock });
    const out = JSON.parse(res.body || "{}") as Record<string, unknown>;
    if (res.status !== 200) throw new Error(String(out["message"] ?? out["error"] ?? `HTTP ${res.status}`));
    return out;
  };
  const fail = (err: unknown): number => {
    const msg = (err as Error).message;
    p.stderr(`{"level":"warn","ts":"${new Date(p.clock.now()).toISOString()}","caller":"clientv3/retry_interceptor.go:62","msg":"retrying of unary invoker failed","error":"rpc error: code = Unavailable desc = ${msg}"}\nError: ${/^etcdserver|^context/.test(msg) ? msg : `context deadline exceeded`}\n`);
    return 1;
  };
  const [cmd, sub, ...rest] = args;
  const first = endpoints[0]!;
  try {
    if (cmd === "version") {
      p.stdout("etcdctl version: 3.5.16\nAPI version: 3.5\n");
      return 0;
    }
    if (cmd === "member" && sub === "list") {
      const out = await call(first, "/v3/cluster/member/list");
      if (format === "json") {
        p.stdout(JSON.stringify({ header: out["header"], members: out["members"] }) + "\n");
        return 0;
      }
      for (const m of (out["members"] as GatewayMember[]) ?? []) {
        const started = m.name ? "started" : "unstarted";
        p.stdout(`${hex(m.ID)}, ${started}, ${m.name ?? ""}, ${m.peerURLs.join(",")}, ${(m.clientURLs ?? []).join(",")}, ${m.isLearner ? "true" : "false"}\n`);
      }
      return 0;
    }
    if (cmd === "member" && sub === "add") {
      const name = rest[0];
      if (!name || peerUrls.length === 0) {
        p.stderr(name ? "Error: member peer urls not provided\n" : "Error: member name not provided\n");
        return 1;
      }
      const out = await call(first, "/v3/cluster/member/add", { peerURLs: peerUrls, ...(learner ? { isLearner: true } : {}) });
      const member = out["member"] as GatewayMember;
      const header = out["header"] as { cluster_id: string };
      const members = out["members"] as GatewayMember[];
      const initial = members.flatMap((m) => m.peerURLs.map((u) => `${m.ID === member.ID ? name : (m.name ?? "")}=${u}`)).filter((e) => !e.startsWith("="));
      p.stdout(`Member ${hex(member.ID).padStart(16, "0")} added to cluster ${hex(header.cluster_id).padStart(16, "0")}\n\nETCD_NAME="${name}"\nETCD_INITIAL_CLUSTER="${initial.join(",")}"\nETCD_INITIAL_ADVERTISE_PEER_URLS="${peerUrls.join(",")}"\nETCD_INITIAL_CLUSTER_STATE="existing"\n`);
      return 0;
    }
    if (cmd === "member" && sub === "remove") {
      const id = rest[0];
      if (!id || !/^[0-9a-fA-F]+$/.test(id)) {
        p.stderr(id ? `Error: bad member ID arg (strconv.ParseUint: parsing "${id}": invalid syntax), expecting ID in Hex\n` : "Error: member ID is not provided\n");
        return 1;
      }
      const out = await call(first, "/v3/cluster/member/remove", { ID: BigInt(`0x${id}`).toString(10) });
      p.stdout(`Member ${id.toLowerCase()} removed from cluster ${hex((out["header"] as { cluster_id: string }).cluster_id).padStart(16, "0")}\n`);
      return 0;
    }
    if (cmd === "endpoint" && (sub === "health" || sub === "status")) {
      let code = 0;
      for (const ep of endpoints) {
        const started = p.clock.now();
        try {
          if (sub === "health") {
            await call(ep, "/v3/kv/range", { key: Buffer.from("health").toString("base64") });
            const h = await call(ep, "/health").catch(() => ({ health: "false" }) as Record<string, unknown>);
            if (h["health"] !== "true") throw new Error("etcdserver: no leader");
            p.stdout(`${ep} is healthy: successfully committed proposal: took = ${Math.max(1, p.clock.now() - started)}.000000ms\n`);
          } else {
            const s = await call(ep, "/v3/maintenance/status");
            const header = s["header"] as { member_id: string; raft_term: string };
            const isLeader = s["leader"] === header.member_id;
            p.stdout(`${ep}, ${hex(header.member_id)}, ${s["version"]}, ${Math.round(Number(s["dbSize"]) / 1024)} kB, ${isLeader}, false, ${s["raftTerm"]}, ${s["raftIndex"]}, ${s["raftAppliedIndex"]}, \n`);
          }
        } catch (err) {
          code = 1;
          if (sub === "health") p.stderr(`${ep} is unhealthy: failed to commit proposal: ${/etcdserver/.test((err as Error).message) ? (err as Error).message : "context deadline exceeded"}\n`);
          else p.stderr(`Failed to get the status of endpoint ${ep} (context deadline exceeded)\n`);
        }
      }
      if (code && sub === "health") p.stderr("Error: unhealthy cluster\n");
      return code;
    }
    if (cmd === "put" && sub !== undefined && rest[0] !== undefined) {
      await call(first, "/v3/kv/put", { key: Buffer.from(sub).toString("base64"), value: Buffer.from(rest[0]).toString("base64") });
      p.stdout("OK\n");
      return 0;
    }
    if (cmd === "get" && sub !== undefined) {
      const out = await call(first, "/v3/kv/range", { key: Buffer.from(sub).toString("base64") });
      for (const kv of (out["kvs"] as { key: string; value: string }[] | undefined) ?? []) p.stdout(`${Buffer.from(kv.key, "base64").toString()}\n${Buffer.from(kv.value, "base64").toString()}\n`);
      return 0;
    }
    if (cmd === "del" && sub !== undefined) {
      const out = await call(first, "/v3/kv/deleterange", { key: Buffer.from(sub).toString("base64") });
      p.stdout(`${out["deleted"] ?? 0}\n`);
      return 0;
    }
  } catch (err) {
    return fail(err);
  }
  p.stderr(`Error: unknown command "${args.join(" ")}" for "etcdctl"\nRun 'etcdctl --help' for usage.\n`);
  return 1;
}
