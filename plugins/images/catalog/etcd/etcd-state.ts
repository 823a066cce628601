/** A member of an etcd cluster as the membership records it. An added member has no name or client URLs until it starts and publishes them. */
export interface Member {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner?: boolean;
}

export interface KeyValue {
  value: string;
  createRevision: number;
  modRevision: number;
  version: number;
}

/** A replicated log entry: KV writes and membership changes (etcd's conf changes and attribute publishes). */
export type Entry =
  | { type: "put"; key: string; value: string }
  | { type: "delete"; key: string }
  | { type: "memberAdd"; member: Member }
  | { type: "memberRemove"; id: string }
  | { type: "publish"; id: string; name: string; clientURLs: string[] };

/** What a member persists in its data dir (`member/snap/db`) and a leader sends as a snapshot. */
export interface EtcdState {
  clusterId: string;
  members: Member[];
  removed: string[];
  kv: Record<string, KeyValue>;
  revision: number;
  /** The applied index of the replicated log. */
  index: number;
  term: number;
}

/** Applies a committed entry to `s` (in place: the state is private to one member). Returns what a client is told. */
export function applyEntry(s: EtcdState, e: Entry): void {
  s.index++;
  switch (e.type) {
    case "put": {
      const old = s.kv[e.key];
      s.revision++;
      s.kv[e.key] = { value: e.value, createRevision: old?.createRevision ?? s.revision, modRevision: s.revision, version: (old?.version ?? 0) + 1 };
      return;
    }
    case "delete":
      if (s.kv[e.key]) {
        s.revision++;
        delete s.kv[e.key];
      }
      return;
    case "memberAdd":
      if (!s.members.some((m) => m.id === e.member.id)) s.members.push(e.member);
      return;
    case "memberRemove":
      s.members = s.members.filter((m) => m.id !== e.id);
      if (!s.removed.includes(e.id)) s.removed.push(e.id);
      return;
    case "publish":
      s.members = s.members.map((m) => (m.id === e.id ? { ...m, name: e.name, clientURLs: e.clientURLs } : m));
      return;
  }
}

/** Votes needed among `voters` members. */
export function quorum(voters: number): number {
  return Math.floor(voters / 2) + 1;
}
