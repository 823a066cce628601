import type { ImageDefinition } from "../../../core/cri/images.js";
import type { Program } from "../../../core/cri/process.js";
import type { Connection } from "../../../core/net/sockets.js";
import { layers, redisTime, untilSignal } from "../daemon.js";
import { DEBIAN_BASE, USERLAND } from "../userland.js";

/** Parses RESP arrays and inline commands from a connection, calling `fn` per command. */
function onCommands(conn: Connection, fn: (args: string[]) => string): void {
  let buffer = "";
  const decoder = new TextDecoder();
  conn.on("data", (chunk) => {
    buffer += decoder.decode(chunk);
    for (;;) {
      if (buffer.startsWith("*")) {
        const lines = buffer.split("\r\n");
        const n = Number(lines[0]!.slice(1));
        if (lines.length < 1 + n * 2 + 1) return;
        const args: string[] = [];
        for (let i = 0; i < n; i++) args.push(lines[2 + i * 2]!);
        buffer = lines.slice(1 + n * 2).join("\r\n");
        conn.write(fn(args));
      } else {
        const i = buffer.indexOf("\n");
        if (i < 0) return;
        const line = buffer.slice(0, i).replace(/\r$/, "");
        buffer = buffer.slice(i + 1);
        if (line.trim()) conn.write(fn(line.trim().split(/\s+/)));
      }
    }
  });
  conn.on("end", () => conn.end());
}

const bulk = (s: string | undefined): string => (s === undefined ? "$-1\r\n" : `$${Buffer.byteLength(s)}\r\n${s}\r\n`);

const redisServer: Program = async (p) => {
  const t = (): string => redisTime(p.clock.now());
  p.stdout(
    `1:C ${t()} # WARNING Memory overcommit must be enabled! Without it, a background save or replication may fail under low memory condition. Being disabled, it can also cause failures without low memory condition, see https://github.com/jemalloc/jemalloc/issues/1328. To fix this issue add 'vm.overcommit_memory = 1' to /etc/sysctl.conf and then reboot or run the command 'sysctl vm.overcommit_memory=1' for this to take effect.\n` +
      `1:C ${t()} * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo\n` +
      `1:C ${t()} * Redis version=7.2.4, bits=64, commit=00000000, modified=0, pid=1, just started\n` +
      `1:C ${t()} # Warning: no config file specified, using the default config. In order to specify a config file use redis-server /path/to/redis.conf\n` +
      `1:M ${t()} * monotonic clock: POSIX clock_gettime\n` +
      `1:M ${t()} * Running mode=standalone, port=6379.\n` +
      `1:M ${t()} * Server initialized\n` +
      `1:M ${t()} * Ready to accept connections tcp\n`,
  );
  p.use({ memoryBytes: 3_000_000, cpuMillis: 2 });
  const data = new Map<string, string>();
  p.net.listen("TCP", 6379, (conn) =>
    onCommands(conn, (args) => {
      const cmd = (args[0] ?? "").toUpperCase();
      switch (cmd) {
        case "PING":
          return args[1] !== undefined ? bulk(args[1]) : "+PONG\r\n";
        case "ECHO":
          return bulk(args[1] ?? "");
        case "SET":
          data.set(args[1] ?? "", args[2] ?? "");
          return "+OK\r\n";
        case "GET":
          return bulk(data.get(args[1] ?? ""));
        case "DEL": {
          let n = 0;
          for (const k of args.slice(1)) if (data.delete(k)) n++;
          return `:${n}\r\n`;
        }
        case "EXISTS":
          return `:${args.slice(1).filter((k) => data.has(k)).length}\r\n`;
        case "INCR": {
          const v = Number(data.get(args[1] ?? "") ?? "0") + 1;
          data.set(args[1] ?? "", String(v));
          return `:${v}\r\n`;
        }
        case "KEYS":
          return `*${data.size}\r\n${[...data.keys()].map(bulk).join("")}`;
        case "DBSIZE":
          return `:${data.size}\r\n`;
        case "INFO":
          return bulk("# Server\r\nredis_version:7.2.4\r\nredis_mode:standalone\r\ntcp_port:6379\r\n");
        case "QUIT":
          setImmediate(() => conn.end());
          return "+OK\r\n";
        default:
          return `-ERR unknown command '${args[0]}', with args beginning with: ${args.slice(1).map((a) => `'${a}' `).join("")}\r\n`;
      }
    }),
  );
  return untilSignal(p, (s) => {
    if (s !== "SIGTERM" && s !== "SIGINT") return undefined;
    p.stdout(`1:signal-handler (${Math.floor(p.clock.now() / 1000)}) Received ${s} scheduling shutdown...\n1:M ${t()} * User requested shutdown...\n1:M ${t()} * Saving the final RDB snapshot before exiting.\n1:M ${t()} * DB saved on disk\n1:M ${t()} # Redis is now ready to exit, bye bye...\n`);
    return 0;
  });
};

/** A `redis-cli` good for PING/GET/SET against a server. */
const redisCli: Program = async (p) => {
  const args = p.argv.slice(1);
  let host = "127.0.0.1";
  let port = 6379;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "-h") host = args[++i]!;
    else if (args[i] === "-p") port = Number(args[++i]);
    else rest.push(args[i]!);
  }
  try {
    const conn = await p.net.connect(host, port);
    const reply = await new Promise<string>((resolve) => {
      let buf = "";
      conn.on("data", (d) => {
        buf += new TextDecoder().decode(d);
        if (buf.endsWith("\r\n") && (!buf.startsWith("$") || buf.split("\r\n").length >= 3 || buf.startsWith("$-1"))) resolve(buf);
      });
      conn.write(`*${rest.length}\r\n${rest.map(bulk).join("")}`);
    });
    conn.destroy();
    if (reply.startsWith("+")) p.stdout(reply.slice(1).trim() + "\n");
    else if (reply.startsWith("-")) p.stdout(`(error) ${reply.slice(1).trim()}\n`);
    else if (reply.startsWith(":")) p.stdout(`(integer) ${reply.slice(1).trim()}\n`);
    else if (reply.startsWith("$-1")) p.stdout("(nil)\n");
    else p.stdout(`"${reply.split("\r\n")[1]}"\n`);
    return 0;
  } catch {
    p.stdout(`Could not connect to Redis at ${host}:${port}: Connection refused\n`);
    return 1;
  }
};

/** redis (official image): RESP on :6379 with PING/ECHO/GET/SET/DEL/INCR/KEYS. */
export const REDIS: ImageDefinition = {
  repository: "docker.io/library/redis",
  tags: ["latest", "7", "7.2", "7.2.4", "7.0", "6", "6.2", "alpine", "7-alpine", "7.2-alpine"],
  size: 45_000_000,
  layers: layers("redis-7.2", 5, DEBIAN_BASE),
  config: { entrypoint: ["docker-entrypoint.sh"], cmd: ["redis-server"], exposedPorts: ["6379/tcp"] },
  programs: { ...USERLAND, "docker-entrypoint.sh": (p) => p.spawn(p.argv.slice(1)), "redis-server": redisServer, "redis-cli": redisCli },
};
