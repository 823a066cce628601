import { token } from "../di/token.js";
import { normalizePath, type FileSystem } from "../cri/filesystem.js";

/** What a socket file holds: the listener's number in the {@link UnixSocketTable}. */
const SOCKET_PREFIX = "\u0000unix-socket:";

/** A listening Unix domain socket; `close` unlinks its file, as Go's `net.UnixListener` does. */
export interface UnixListener {
  readonly path: string;
  close(): void;
}

/** Refusals as connect(2) gives them: no file (`ENOENT`), a file with no listener behind it (`ECONNREFUSED`). */
export class UnixSocketError extends Error {
  override readonly name = "UnixSocketError";
  constructor(
    readonly code: "ENOENT" | "ECONNREFUSED",
    readonly path: string,
  ) {
    super(`dial unix ${path}: connect: ${code === "ENOENT" ? "no such file or directory" : "connection refused"}`);
  }
}

/**
 * Unix domain sockets: a listener binds a socket file in a filesystem (a container's, which reaches
 * the node's through its hostPath mounts), and whoever sees that file — the kubelet on the node,
 * another container mounting the same directory — connects to the service behind it. The
 * "connection" is the service object itself (in-process gRPC): CSI sockets serve a driver's
 * plugin, registration sockets the node-driver-registrar's Registration service. A file left
 * behind by a killed process refuses connections until someone removes it.
 */
export class UnixSocketTable {
  private readonly listeners = new Map<number, object>();
  private next = 1;

  /** Binds `path` in `fs` to `service`. A socket file already there is replaced (servers unlink stale sockets first). */
  listen(fs: FileSystem, path: string, service: object): UnixListener {
    const id = this.next++;
    const p = normalizePath(path);
    this.listeners.set(id, service);
    fs.write(p, `${SOCKET_PREFIX}${id}`);
    return {
      path: p,
      close: () => {
        this.listeners.delete(id);
        if (fs.read(p) === `${SOCKET_PREFIX}${id}`) fs.remove(p);
      },
    };
  }

  /** The service behind the socket file at `path` in `fs`; throws {@link UnixSocketError}. */
  connect<T extends object>(fs: FileSystem, path: string): T {
    const data = fs.read(path);
    if (data === undefined) throw new UnixSocketError("ENOENT", normalizePath(path));
    const service = data.startsWith(SOCKET_PREFIX) ? this.listeners.get(Number(data.slice(SOCKET_PREFIX.length))) : undefined;
    if (!service) throw new UnixSocketError("ECONNREFUSED", normalizePath(path));
    return service as T;
  }

  /** True when `path` in `fs` is a socket file (listening or not). */
  isSocket(fs: FileSystem, path: string): boolean {
    return fs.read(path)?.startsWith(SOCKET_PREFIX) === true;
  }

  /** Identifies the listener bound at `path` (a new listener at the same path is another socket): undefined for no socket. */
  inode(fs: FileSystem, path: string): string | undefined {
    const data = fs.read(path);
    return data?.startsWith(SOCKET_PREFIX) ? data.slice(SOCKET_PREFIX.length) : undefined;
  }
}

/** The cluster's (or node process's) Unix socket table (cluster scope). */
export const UnixSockets = token<UnixSocketTable>("UnixSockets");
