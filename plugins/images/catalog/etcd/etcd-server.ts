import type { Process } from "../../../../core/cri/process.js";
import { httpGet, type HttpRequest, type HttpResponse } from "../../../../core/cri/http.js";
import { resolveHost } from "../../../../core/net/resolver.js";
import { serveHttp, untilSignal } from "../../daemon.js";
import { hostPort, parseEtcdConfig, type EtcdConfig } from "./etcd-config.js";
import { applyEntry, quorum, type EtcdState, type Entry, type Member } from "./etcd-state.js";
import { clusterId, decimal, memberId } from "./member-id.js";

export const ETCD_VERSION = "3.5.16";

/** A refusal as the gRPC gateway returns it (`{"error","code","message"}`); `code` is the gRPC code. */
class EtcdError extends Error {
  constructor(message: string, readonly grpcCode: number, readonly httpStatus: number) {
    super(message);
  }
}
const unavailable = (m: string): EtcdError => new EtcdError(m, 14, 503);
const failedPrecondition = (m: string): EtcdError => new EtcdError(m, 9, 400);
const notFoundErr = (m: string): EtcdError => new EtcdError(m, 5, 404);

/**
 * One etcd member (what `registry.k8s.io/etcd` runs): Raft's shape over HTTP on the peer port —
 * terms, votes with the up-to-date check and check-quorum (a member that heard from a leader
 * within the election timeout refuses to vote), heartbeats every `--heartbeat-interval`, a leader
 * that steps down without a quorum, entries committed on a majority, snapshots for members behind
 * — with the membership protocol (`member add` then start with `--initial-cluster-state=existing`,
 * `member remove`, removed members shut down) and the client API on the client port: `/health`,
 * `/version`, and the v3 JSON gateway (`/v3/kv/put|range|deleterange`,
 * `/v3/cluster/member/list|add|remove`, `/v3/maintenance/status`).
 */
class EtcdMember {
  private state!: EtcdState;
  private id = "";
  private role: "follower" | "candidate" | "leader" = "follower";
  private leaderId: string | undefined;
  private votedFor: string | undefined;
  private lastHeard = 0;
  private readonly lastAck = new Map<string, number>();
  private readonly inflight = new Set<string>();
  private readonly dns = new Map<string, { address: string; until: number }>();
  private exit: ((code: number) => void) | undefined;
  private published = false;

  constructor(private readonly p: Process, private readonly cfg: EtcdConfig) {}

  private get now(): number {
    return this.p.clock.now();
  }

  private log(level: "info" | "warn" | "error", msg: string, fields: Record<string, unknown> = {}): void {
    const line = JSON.stringify({ level, ts: new Date(this.now).toISOString().replace("Z", "000Z"), caller: "etcdserver/server.go:0", msg, ...fields });
    this.p.stderr(line + "\n");
  }

  private get dbPath(): string {
    return `${this.cfg.dataDir.replace(/\/$/, "")}/member/snap/db`;
  }

  private persist(): void {
    this.p.fs.write(this.dbPath, JSON.stringify({ ...this.state, id: this.id, votedFor: this.votedFor }));
  }

  private get voters(): Member[] {
    return this.state.members.filter((m) => !m.isLearner);
  }

  async run(): Promise<number> {
    this.log("info", "starting etcd", { "etcd-version": ETCD_VERSION, name: this.cfg.name, "data-dir": this.cfg.dataDir, "initial-cluster-state": this.cfg.initialClusterState });
    const boot = await this.bootstrap();
    if (boot !== undefined) return boot;
    const peer = hostPort(this.cfg.listenPeerUrls[0]!, 2380);
    const client = hostPort(this.cfg.listenClientUrls[0]!, 2379);
    try {
      serveHttp(this.p, peer.port, (req) => this.servePeer(req));
      if (client.port !== peer.port) serveHttp(this.p, client.port, (req) => this.serveClient(req));
    } catch (err) {
      this.log("error", "failed to listen", { error: (err as Error).message });
      return 1;
    }
    this.log("info", "serving client traffic insecurely; this is strongly discouraged!", { address: this.cfg.listenClientUrls.join(",") });
    this.lastHeard = this.now;
    const done = new Promise<number>((resolve) => (this.exit = resolve));
    void this.tickLoop();
    return Promise.race([done, untilSignal(this.p, (s) => (s === "SIGTERM" || s === "SIGINT" ? (this.log("info", "received signal; shutting down", { signal: s }), 0) : undefined))]);
  }

  /** Loads the data dir, or builds the first state from the flags; an exit code when the member cannot start. */
  private async bootstrap(): Promise<number | undefined> {
    const saved = this.p.fs.read(this.dbPath);
    if (saved) {
      const s = JSON.parse(saved) as EtcdState & { id: string; votedFor?: string };
      this.state = s;
      this.id = s.id;
      this.votedFor = s.votedFor;
      if (s.removed.includes(this.id)) {
        this.log("error", "the member has been permanently removed from the cluster", { "local-member-id": this.id });
        return 1;
      }
      this.log("info", "recovered store from snapshot", { "local-member-id": this.id, index: s.index });
      return undefined;
    }
    const token = this.cfg.initialClusterToken;
    const myPeers = this.cfg.initialAdvertisePeerUrls;
    if (this.cfg.initialClusterState === "new") {
      if (!this.cfg.initialCluster.has(this.cfg.name)) {
        this.log("error", `couldn't find local name "${this.cfg.name}" in the initial cluster configuration`);
        return 1;
      }
      const members: Member[] = [...this.cfg.initialCluster].map(([name, urls]) => ({ id: memberId(urls, token), name, peerURLs: urls, clientURLs: [] }));
      this.id = members.find((m) => m.name === this.cfg.name)!.id;
      this.state = { clusterId: clusterId(members.map((m) => m.id)), members, removed: [], kv: {}, revision: 1, index: 0, term: 0 };
      this.persist();
      return undefined;
    }
    // Joining: the cluster's membership from a peer; this member is the one with our peer URLs.
    for (let attempt = 0; attempt < 10; attempt++) {
      for (const [name, urls] of this.cfg.initialCluster) {
        if (name === this.cfg.name) continue;
        const res = await this.request(urls[0]!, "/members", undefined, "GET");
        if (!res) continue;
        const remote = res as { clusterId: string; members: Member[]; removed: string[] };
        const me = remote.members.find((m) => m.peerURLs.some((u) => myPeers.includes(u)));
        if (!me) {
          this.log("error", `error validating peerURLs {ClusterID:${remote.clusterId} Members:[${remote.members.map((m) => `&{ID:${m.id} RaftAttributes:{PeerURLs:[${m.peerURLs.join(" ")}] IsLearner:false} Attributes:{Name:${m.name} ClientURLs:[${m.clientURLs.join(" ")}]}}`).join(" ")}] RemovedMemberIDs:[]}: member count is unequal`);
          return 1;
        }
        this.id = me.id;
        this.state = { clusterId: remote.clusterId, members: remote.members, removed: remote.removed, kv: {}, revision: 1, index: 0, term: 0 };
        this.persist();
        this.log("info", "joining existing cluster", { "local-member-id": this.id, "cluster-id": remote.clusterId });
        return undefined;
      }
      await this.p.sleep(1000);
    }
    this.log("error", "cannot fetch cluster info from peer urls: could not retrieve cluster information from the given URLs");
    return 1;
  }

  // ---- Raft ----

  private async tickLoop(): Promise<void> {
    try {
      for (;;) {
        await this.p.sleep(this.cfg.heartbeatIntervalMs);
        this.tick();
      }
    } catch {
      // killed
    }
  }

  /** A spread of election timeouts without a global random source: [timeout, 2×timeout) by member and term. */
  private electionDeadline(): number {
    const spread = parseInt(this.id.slice(-4) || "0", 16) ^ (this.state.term * 7919);
    return this.cfg.electionTimeoutMs + (spread % this.cfg.electionTimeoutMs);
  }

  private tick(): void {
    if (this.role === "leader") {
      const acked = this.voters.filter((m) => m.id === this.id || this.now - (this.lastAck.get(m.id) ?? -Infinity) <= this.cfg.electionTimeoutMs).length;
      if (acked < quorum(this.voters.length) && this.now - this.lastHeard > this.cfg.electionTimeoutMs) {
        this.log("warn", "leader stepping down: lost quorum (check quorum)", { term: this.state.term });
        this.role = "follower";
        this.leaderId = undefined;
        return;
      }
      for (const m of this.state.members) if (m.id !== this.id) void this.heartbeat(m);
      return;
    }
    if (!this.voters.some((m) => m.id === this.id)) return; // learners and removed members do not campaign
    if (this.now - this.lastHeard >= this.electionDeadline()) void this.campaign();
  }

  private async campaign(): Promise<void> {
    this.role = "candidate";
    this.leaderId = undefined;
    this.state.term++;
    this.votedFor = this.id;
    this.lastHeard = this.now;
    this.persist();
    const term = this.state.term;
    this.log("info", `${this.id} is starting a new election at term ${term}`);
    let votes = 1;
    const voters = this.voters;
    await Promise.all(
      voters.filter((m) => m.id !== this.id).map(async (m) => {
        const res = (await this.request(m.peerURLs[0]!, "/raft/vote", { term, candidateId: this.id, index: this.state.index }, "POST", this.cfg.electionTimeoutMs / 2)) as { term: number; granted: boolean } | undefined;
        if (!res) return;
        if (res.term > this.state.term) this.stepDown(res.term);
        if (res.granted && this.role === "candidate" && this.state.term === term) {
          votes++;
          if (votes >= quorum(voters.length)) this.becomeLeader();
        }
      }),
    );
    if (voters.length === 1 && this.role === "candidate") this.becomeLeader();
  }

  private becomeLeader(): void {
    if (this.role === "leader") return;
    this.role = "leader";
    this.leaderId = this.id;
    this.lastHeard = this.now;
    for (const m of this.state.members) this.lastAck.set(m.id, this.now);
    this.log("info", `${this.id} became leader at term ${this.state.term}`);
    for (const m of this.state.members) if (m.id !== this.id) void this.heartbeat(m);
    this.publishSelf();
  }

  private stepDown(term: number): void {
    if (term > this.state.term) {
      this.state.term = term;
      this.votedFor = undefined;
      this.persist();
    }
    this.role = "follower";
  }

  private async heartbeat(m: Member): Promise<void> {
    if (this.inflight.has(m.id)) return;
    this.inflight.add(m.id);
    try {
      const res = (await this.request(m.peerURLs[0]!, "/raft/append", { term: this.state.term, leaderId: this.id, index: this.state.index }, "POST", this.cfg.electionTimeoutMs / 2)) as { term: number; ok: boolean; index: number } | undefined;
      if (!res || this.role !== "leader") return;
      if (res.term > this.state.term) return this.stepDown(res.term);
      this.lastAck.set(m.id, this.now);
      if (res.index < this.state.index) await this.sendSnapshot(m);
    } finally {
      this.inflight.delete(m.id);
    }
  }

  private async sendSnapshot(m: Member): Promise<boolean> {
    const res = (await this.request(m.peerURLs[0]!, "/raft/snapshot", { term: this.state.term, leaderId: this.id, state: this.state }, "POST", this.cfg.electionTimeoutMs)) as { ok: boolean } | undefined;
    return res?.ok === true;
  }

  /** Leader: appends `entry`, replicates it, resolves once a quorum of voters has it. */
  private async propose(entry: Entry): Promise<void> {
    if (this.role !== "leader") throw unavailable("etcdserver: not leader");
    const before = this.voters;
    applyEntry(this.state, entry);
    this.persist();
    const index = this.state.index;
    const voters = entry.type === "memberAdd" ? before : this.voters;
    let acks = voters.some((m) => m.id === this.id) ? 1 : 0;
    const need = quorum(voters.length);
    const replicate = async (m: Member): Promise<boolean> => {
      const res = (await this.request(m.peerURLs[0]!, "/raft/append", { term: this.state.term, leaderId: this.id, index, entry }, "POST", this.cfg.electionTimeoutMs)) as { ok: boolean; index: number } | undefined;
      if (!res) return false;
      this.lastAck.set(m.id, this.now);
      if (res.ok) return true;
      return this.sendSnapshot(m);
    };
    const targets = this.state.members.filter((m) => m.id !== this.id);
    if (entry.type === "memberRemove") {
      const gone = before.find((m) => m.id === entry.id);
      if (gone && gone.id !== this.id) void this.request(gone.peerURLs[0]!, "/raft/append", { term: this.state.term, leaderId: this.id, index, entry }, "POST", 1000);
    }
    if (acks >= need) {
      for (const m of targets) void replicate(m);
      return;
    }
    await new Promise<void>((resolve, reject) => {
      let pending = targets.length;
      if (pending === 0) reject(unavailable("etcdserver: request timed out"));
      for (const m of targets) {
        void replicate(m).then((ok) => {
          pending--;
          if (ok && voters.some((v) => v.id === m.id)) acks++;
          if (acks >= need) resolve();
          else if (pending === 0) reject(unavailable("etcdserver: request timed out"));
        });
      }
    });
  }

  /** Any member: proposes through the leader. */
  private async submit(entry: Entry): Promise<void> {
    if (this.role === "leader") return this.propose(entry);
    const leader = this.state.members.find((m) => m.id === this.leaderId);
    if (!leader) throw unavailable("etcdserver: no leader");
    const res = (await this.request(leader.peerURLs[0]!, "/raft/propose", { entry }, "POST", 5 * this.cfg.electionTimeoutMs)) as { ok: boolean; error?: string; code?: number } | undefined;
    if (!res) throw unavailable("etcdserver: request timed out");
    if (!res.ok) throw new EtcdError(res.error ?? "etcdserver: request timed out", res.code ?? 14, res.code === 9 ? 400 : 503);
  }

  private publishSelf(): void {
    if (this.published) return;
    const me = this.state.members.find((m) => m.id === this.id);
    if (!me) return;
    if (me.name === this.cfg.name && me.clientURLs.join(",") === this.cfg.advertiseClientUrls.join(",")) {
      this.published = true;
      return;
    }
    this.published = true;
    void this.submit({ type: "publish", id: this.id, name: this.cfg.name, clientURLs: this.cfg.advertiseClientUrls }).then(
      () => this.log("info", "published local member to cluster through raft", { "local-member-id": this.id, "cluster-id": this.state.clusterId }),
      () => (this.published = false),
    );
  }

  private removedSelf(): void {
    this.log("error", "the member has been permanently removed from the cluster", { "local-member-id": this.id });
    this.exit?.(1);
  }

  // ---- peer API ----

  private async servePeer(req: HttpRequest): Promise<HttpResponse> {
    const body = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};
    // Messages from a removed member are refused; hearing that tells it to shut down.
    const from = req.headers["x-server-from"];
    if (from && this.state.removed.includes(from)) return json(410, { error: "the member has been permanently removed from the cluster" });
    if (req.path === "/members" && req.method === "GET") return json(200, { clusterId: this.state.clusterId, members: this.state.members, removed: this.state.removed });
    if (req.path === "/version") return json(200, { etcdserver: ETCD_VERSION, etcdcluster: "3.5.0" });
    if (req.path === "/raft/vote") {
      const { term, candidateId, index } = body as { term: number; candidateId: string; index: number };
      if (this.state.removed.includes(candidateId)) return json(410, { error: "removed" });
      const recentLeader = this.leaderId !== undefined && this.leaderId !== candidateId && this.now - this.lastHeard < this.cfg.electionTimeoutMs;
      if (recentLeader || term < this.state.term) return json(200, { term: this.state.term, granted: false });
      if (term > this.state.term) this.stepDown(term);
      const granted = (this.votedFor === undefined || this.votedFor === candidateId) && index >= this.state.index;
      if (granted) {
        this.votedFor = candidateId;
        this.lastHeard = this.now;
        this.persist();
      }
      return json(200, { term: this.state.term, granted });
    }
    if (req.path === "/raft/append" || req.path === "/raft/snapshot") {
      const { term, leaderId } = body as { term: number; leaderId: string };
      if (term < this.state.term) return json(200, { term: this.state.term, ok: false, index: this.state.index });
      if (term > this.state.term || this.role !== "follower") this.stepDown(term);
      if (this.leaderId !== leaderId) this.log("info", `raft.node: ${this.id} elected leader ${leaderId} at term ${term}`);
      this.leaderId = leaderId;
      this.lastHeard = this.now;
      if (req.path === "/raft/snapshot") {
        const snap = body["state"] as EtcdState;
        this.state = { ...structuredClone(snap), term: Math.max(term, this.state.term) };
        this.persist();
        this.log("info", "applied snapshot", { index: snap.index });
      } else {
        const entry = body["entry"] as Entry | undefined;
        const index = body["index"] as number;
        if (entry) {
          if (index !== this.state.index + 1) return json(200, { term: this.state.term, ok: false, index: this.state.index });
          applyEntry(this.state, entry);
          this.persist();
          if (entry.type === "memberRemove" && entry.id === this.id) {
            setImmediate(() => this.removedSelf());
            return json(200, { term: this.state.term, ok: true, index: this.state.index });
          }
        } else if (index > this.state.index) return json(200, { term: this.state.term, ok: false, index: this.state.index });
      }
      if (!this.state.members.some((m) => m.id === this.id)) setImmediate(() => this.removedSelf());
      else this.publishSelf();
      return json(200, { term: this.state.term, ok: true, index: this.state.index });
    }
    if (req.path === "/raft/propose") {
      try {
        await this.propose(body["entry"] as Entry);
        return json(200, { ok: true });
      } catch (err) {
        const e = err as EtcdError;
        return json(200, { ok: false, error: e.message, code: e.grpcCode });
      }
    }
    return json(404, { error: "404 page not found" });
  }

  // ---- client API ----

  private healthy(): boolean {
    if (this.role === "leader") return true;
    return this.leaderId !== undefined && this.now - this.lastHeard < this.cfg.electionTimeoutMs;
  }

  private header(): Record<string, string> {
    return { cluster_id: decimal(this.state.clusterId), member_id: decimal(this.id), revision: String(this.state.revision), raft_term: String(this.state.term) };
  }

  private memberJson(m: Member): Record<string, unknown> {
    return { ID: decimal(m.id), ...(m.name ? { name: m.name } : {}), peerURLs: m.peerURLs, ...(m.clientURLs.length ? { clientURLs: m.clientURLs } : {}), ...(m.isLearner ? { isLearner: true } : {}) };
  }

  private async serveClient(req: HttpRequest): Promise<HttpResponse> {
    try {
      return await this.clientRequest(req);
    } catch (err) {
      if (err instanceof EtcdError) return json(err.httpStatus, { error: err.message, code: err.grpcCode, message: err.message });
      throw err;
    }
  }

  private async clientRequest(req: HttpRequest): Promise<HttpResponse> {
    const body = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};
    const path = req.path.split("?")[0];
    switch (path) {
      case "/health":
      case "/readyz":
      case "/livez":
        if (path === "/livez") return text(200, "ok");
        if (this.healthy()) return path === "/health" ? json(200, { health: "true", reason: "" }) : text(200, "ok");
        return path === "/health" ? json(503, { health: "false", reason: "RAFT NO LEADER" }) : text(503, "[-]serializable_read failed: RAFT NO LEADER\nreadyz check failed");
      case "/version":
        return json(200, { etcdserver: ETCD_VERSION, etcdcluster: "3.5.0" });
      case "/v3/kv/put": {
        const key = b64d(body["key"]);
        await this.submit({ type: "put", key, value: b64d(body["value"]) });
        return json(200, { header: this.header() });
      }
      case "/v3/kv/range": {
        const key = b64d(body["key"]);
        const end = body["range_end"] ? b64d(body["range_end"]) : undefined;
        const keys = Object.keys(this.state.kv).filter((k) => (end === undefined ? k === key : end === "\0" ? k >= key : k >= key && k < end)).sort();
        const kvs = keys.map((k) => {
          const v = this.state.kv[k]!;
          return { key: b64e(k), create_revision: String(v.createRevision), mod_revision: String(v.modRevision), version: String(v.version), value: b64e(v.value) };
        });
        return json(200, { header: this.header(), ...(kvs.length ? { kvs, count: String(kvs.length) } : {}) });
      }
      case "/v3/kv/deleterange": {
        const key = b64d(body["key"]);
        const existed = this.state.kv[key] !== undefined;
        await this.submit({ type: "delete", key });
        return json(200, { header: this.header(), ...(existed ? { deleted: "1" } : {}) });
      }
      case "/v3/cluster/member/list":
        return json(200, { header: this.header(), members: this.state.members.map((m) => this.memberJson(m)) });
      case "/v3/cluster/member/add": {
        const peerURLs = (body["peerURLs"] as string[] | undefined) ?? [];
        if (peerURLs.length === 0) throw new EtcdError("etcdserver: member peer URLs not provided", 3, 400);
        if (this.state.members.some((m) => m.peerURLs.some((u) => peerURLs.includes(u)))) throw failedPrecondition("etcdserver: Peer URLs already exists");
        this.checkReconfig(this.voters.length + 1);
        const member: Member = { id: memberId(peerURLs, this.cfg.initialClusterToken, Math.floor(this.now / 1000)), name: "", peerURLs, clientURLs: [], ...(body["isLearner"] ? { isLearner: true } : {}) };
        await this.submit({ type: "memberAdd", member });
        return json(200, { header: this.header(), member: this.memberJson(member), members: this.state.members.map((m) => this.memberJson(m)) });
      }
      case "/v3/cluster/member/remove": {
        const id = BigInt(String(body["ID"] ?? "0")).toString(16);
        if (!this.state.members.some((m) => m.id === id)) throw notFoundErr("etcdserver: member not found");
        this.checkReconfig(this.voters.length - 1, id);
        await this.submit({ type: "memberRemove", id });
        return json(200, { header: this.header(), members: this.state.members.filter((m) => m.id !== id).map((m) => this.memberJson(m)) });
      }
      case "/v3/maintenance/status":
        return json(200, {
          header: this.header(),
          version: ETCD_VERSION,
          dbSize: String(24576 + JSON.stringify(this.state.kv).length),
          leader: this.leaderId ? decimal(this.leaderId) : "0",
          raftIndex: String(this.state.index),
          raftTerm: String(this.state.term),
          raftAppliedIndex: String(this.state.index),
          dbSizeInUse: String(24576),
        });
      default:
        return text(404, "404 page not found\n");
    }
  }

  /**
   * etcd's strict reconfiguration checks (`IsReadyToAddVotingMember`/`IsReadyToRemoveVotingMember`
   * and the leader's connectivity check): after the change the started members (those that have
   * published a name) must make a quorum — growing a one-member cluster to two is allowed — and
   * the leader must have heard from every voter recently.
   */
  private checkReconfig(votersAfter: number, removing?: string): void {
    if (!this.healthy()) throw unavailable("etcdserver: no leader");
    const started = this.voters.filter((m) => m.id !== removing && m.name !== "").length;
    const growingSingle = removing === undefined && started === 1 && votersAfter === 2;
    if (!growingSingle && started < quorum(votersAfter)) throw failedPrecondition("etcdserver: re-configuration failed due to not enough started members");
    if (this.role === "leader" && removing === undefined) {
      const connected = this.voters.every((m) => m.id === this.id || this.now - (this.lastAck.get(m.id) ?? -Infinity) <= this.cfg.electionTimeoutMs);
      if (!connected) throw failedPrecondition("etcdserver: unhealthy cluster");
    }
  }

  // ---- transport ----

  /** One HTTP request to a peer URL; undefined when it cannot be reached (or answers with an error). */
  private async request(url: string, path: string, body: unknown, method = "POST", timeoutMs = 1000): Promise<unknown> {
    const { host, port } = hostPort(url, 2380);
    const address = await this.resolve(host);
    if (!address) return undefined;
    try {
      const res = await httpGet(this.p.net, { host: address, port, path, method, headers: { "Content-Type": "application/json", "X-Server-From": this.id }, ...(body === undefined ? {} : { body: JSON.stringify(body) }), timeoutMs, clock: this.p.clock });
      if (res.status === 410) {
        setImmediate(() => this.removedSelf());
        return undefined;
      }
      if (res.status !== 200) return undefined;
      return JSON.parse(res.body);
    } catch {
      this.dns.delete(host);
      return undefined;
    }
  }

  private async resolve(host: string): Promise<string | undefined> {
    if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return host;
    if (host === "localhost") return "127.0.0.1";
    const cached = this.dns.get(host);
    if (cached && cached.until > this.now) return cached.address;
    try {
      const r = await resolveHost({ fs: this.p.fs, net: this.p.net, clock: this.p.clock }, host);
      const address = r.addresses[0]!;
      this.dns.set(host, { address, until: this.now + 5_000 });
      return address;
    } catch {
      return undefined;
    }
  }
}

function json(status: number, body: unknown): HttpResponse {
  return { status, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
}
function text(status: number, body: string): HttpResponse {
  return { status, headers: { "Content-Type": "text/plain; charset=utf-8" }, body };
}
function b64d(v: unknown): string {
  return typeof v === "string" ? Buffer.from(v, "base64").toString("utf8") : "";
}
function b64e(s: string): string {
  return Buffer.from(s, "utf8").toString("base64");
}

/** The `etcd` program. */
export async function etcd(p: Process): Promise<number> {
  let cfg: EtcdConfig;
  try {
    cfg = parseEtcdConfig(p.argv.slice(1), p.env);
  } catch (err) {
    p.stderr(`${(err as Error).message}\n`);
    return 2;
  }
  p.use({ memoryBytes: 40_000_000, cpuMillis: 15 });
  return new EtcdMember(p, cfg).run();
}
