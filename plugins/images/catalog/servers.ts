import type { ImageDefinition } from "../../../core/cri/images.js";
import type { Process, Program } from "../../../core/cri/process.js";
import { clfTime, isoSpaceTime, layers, onLines, serveHttp, untilSignal } from "../daemon.js";
import { ALPINE_BASE, ALPINE_OS_RELEASE, DEBIAN_BASE, DEBIAN_OS_RELEASE, UBUNTU_OS_RELEASE, USERLAND, baseFiles } from "../userland.js";

/** Listens on `port` accepting connections that the server answers with `greeting` (wire protocols kubesim does not speak further). */
function listenRaw(p: Process, port: number, greeting = ""): void {
  p.net.listen("TCP", port, (conn) => {
    if (greeting) conn.write(greeting);
    conn.on("end", () => conn.end());
  });
}

const postgres: Program = async (p) => {
  const t = (): string => `${isoSpaceTime(p.clock.now())} UTC`;
  if (!p.env["POSTGRES_PASSWORD"] && p.env["POSTGRES_HOST_AUTH_METHOD"] !== "trust") {
    p.stderr(
      'Error: Database is uninitialized and superuser password is not specified.\n       You must specify POSTGRES_PASSWORD to a non-empty value for the\n       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".\n\n       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all\n       connections without a password. This is *not* recommended.\n\n       See PostgreSQL documentation about "trust":\n       https://www.postgresql.org/docs/current/auth-trust.html\n',
    );
    return 1;
  }
  p.stdout("The files belonging to this database system will be owned by user \"postgres\".\nThis user must also own the server process.\n\nThe database cluster will be initialized with locale \"en_US.utf8\".\n\nSuccess. You can now start the database server using:\n\n    pg_ctl -D /var/lib/postgresql/data -l logfile start\n\n\nPostgreSQL init process complete; ready for start up.\n\n");
  await p.sleep(1500);
  p.stderr(`${t()} [1] LOG:  starting PostgreSQL 16.3 (Debian 16.3-1.pgdg120+1) on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14) 12.2.0, 64-bit\n${t()} [1] LOG:  listening on IPv4 address "0.0.0.0", port 5432\n${t()} [1] LOG:  listening on IPv6 address "::", port 5432\n${t()} [1] LOG:  listening on Unix socket "/var/run/postgresql/.s.PGSQL.5432"\n${t()} [62] LOG:  database system was shut down at ${t()}\n${t()} [1] LOG:  database system is ready to accept connections\n`);
  p.use({ memoryBytes: 30_000_000, cpuMillis: 3 });
  listenRaw(p, 5432);
  return untilSignal(p, (s) => {
    if (s === "SIGTERM") p.stderr(`${t()} [1] LOG:  received smart shutdown request\n${t()} [1] LOG:  database system is shut down\n`);
    else if (s === "SIGINT") p.stderr(`${t()} [1] LOG:  received fast shutdown request\n${t()} [1] LOG:  database system is shut down\n`);
    else return undefined;
    return 0;
  });
};

const mysqld: Program = async (p) => {
  const t = (): string => `${isoSpaceTime(p.clock.now(), false)}+00:00`;
  const iso = (): string => new Date(p.clock.now()).toISOString().replace("Z", "000Z");
  p.stdout(`${t()} [Note] [Entrypoint]: Entrypoint script for MySQL Server 8.4.0-1.el9 started.\n`);
  if (!p.env["MYSQL_ROOT_PASSWORD"] && !p.env["MYSQL_ALLOW_EMPTY_PASSWORD"] && !p.env["MYSQL_RANDOM_ROOT_PASSWORD"]) {
    p.stderr(`${t()} [ERROR] [Entrypoint]: Database is uninitialized and password option is not specified\n    You need to specify one of the following as an environment variable:\n    - MYSQL_ROOT_PASSWORD\n    - MYSQL_ALLOW_EMPTY_PASSWORD\n    - MYSQL_RANDOM_ROOT_PASSWORD\n`);
    return 1;
  }
  p.stdout(`${t()} [Note] [Entrypoint]: Initializing database files\n`);
  await p.sleep(3000);
  p.stdout(`${t()} [Note] [Entrypoint]: MySQL init process done. Ready for start up.\n\n`);
  p.stderr(`${iso()} 0 [System] [MY-015015] [Server] MySQL Server - start.\n${iso()} 0 [System] [MY-010116] [Server] /usr/sbin/mysqld (mysqld 8.4.0) starting as process 1\n${iso()} 0 [System] [MY-011323] [Server] X Plugin ready for connections. Bind-address: '::' port: 33060, socket: /var/run/mysqld/mysqlx.sock\n${iso()} 0 [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. Version: '8.4.0'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL Community Server - GPL.\n`);
  p.use({ memoryBytes: 360_000_000, cpuMillis: 5 });
  listenRaw(p, 3306, "J\0\0\0\n8.4.0\0");
  listenRaw(p, 33060);
  return untilSignal(p, (s) => (s === "SIGTERM" || s === "SIGINT" ? (p.stderr(`${iso()} 0 [System] [MY-013172] [Server] Received SHUTDOWN from user <via user signal>. Shutting down mysqld (Version: 8.4.0).\n${iso()} 0 [System] [MY-010910] [Server] /usr/sbin/mysqld: Shutdown complete (mysqld 8.4.0)  MySQL Community Server - GPL.\n`), 0) : undefined));
};

const memcached: Program = async (p) => {
  p.net.listen("TCP", 11211, (conn) =>
    onLines(conn, (line) => {
      const cmd = line.split(" ")[0];
      if (cmd === "version") conn.write("VERSION 1.6.27\r\n");
      else if (cmd === "stats") conn.write("STAT pid 1\r\nSTAT version 1.6.27\r\nSTAT curr_connections 2\r\nEND\r\n");
      else if (cmd === "quit") conn.end();
      else conn.write("ERROR\r\n");
    }),
  );
  return untilSignal(p, (s) => (s === "SIGTERM" || s === "SIGINT" ? (p.stderr("Signal handled: Terminated.\n"), 0) : undefined));
};

const httpd: Program = async (p) => {
  const d = (): string => {
    const date = new Date(p.clock.now());
    return `[${date.toUTCString().slice(0, 3)} ${date.toUTCString().slice(8, 11)} ${String(date.getUTCDate()).padStart(2, "0")} ${date.toISOString().slice(11, 23)}000 ${date.getUTCFullYear()}]`;
  };
  const ip = p.net.addresses[0] ?? "127.0.0.1";
  p.stderr(`AH00558: httpd: Could not reliably determine the server's fully qualified domain name, using ${ip}. Set the 'ServerName' directive globally to suppress this message\nAH00558: httpd: Could not reliably determine the server's fully qualified domain name, using ${ip}. Set the 'ServerName' directive globally to suppress this message\n${d()} [mpm_event:notice] [pid 1:tid 1] AH00489: Apache/2.4.59 (Unix) configured -- resuming normal operations\n${d()} [core:notice] [pid 1:tid 1] AH00094: Command line: 'httpd -D FOREGROUND'\n`);
  serveHttp(p, 80, (req) => {
    const body = p.fs.read(`/usr/local/apache2/htdocs${req.path === "/" ? "/index.html" : req.path.split("?")[0]}`);
    const status = body === undefined ? 404 : 200;
    const text = body ?? "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>404 Not Found</title>\n</head><body>\n<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n</body></html>\n";
    p.stdout(`${req.remoteAddress} - - [${clfTime(p.clock.now())}] "${req.method} ${req.path} ${req.httpVersion}" ${status} ${Buffer.byteLength(text)}\n`);
    return { status, headers: { Server: "Apache/2.4.59 (Unix)", "Content-Type": "text/html" }, body: text };
  });
  return untilSignal(p, (s) => {
    if (s === "SIGWINCH" as never) return 0;
    if (s === "SIGTERM" || s === "SIGINT") {
      p.stderr(`${d()} [mpm_event:notice] [pid 1:tid 1] AH00491: caught SIGTERM, shutting down\n`);
      return 0;
    }
    return undefined;
  });
};

/** An interpreter with no script: the REPL exits at once when stdin is not a terminal. */
function interpreter(name: string, banner: string, serve?: (p: Process) => Promise<number> | undefined): Program {
  return async (p) => {
    const served = serve?.(p);
    if (served) return served;
    if (p.argv.includes("--version") || p.argv.includes("-V")) {
      p.stdout(banner + "\n");
      return 0;
    }
    const script = p.argv.find((a, i) => i > 0 && !a.startsWith("-"));
    if (script) {
      p.stderr(`${name}: can't open file '${script}': [Errno 2] No such file or directory\n`);
      return name === "node" ? 1 : 2;
    }
    return 0;
  };
}

const python = interpreter("python3", "Python 3.12.4", (p) => {
  const m = p.argv.indexOf("-m");
  if (m < 0 || p.argv[m + 1] !== "http.server") return undefined;
  const port = Number(p.argv[m + 2] ?? 8000);
  p.stdout(`Serving HTTP on 0.0.0.0 port ${port} (http://0.0.0.0:${port}/) ...\n`);
  serveHttp(p, port, (req) => {
    const file = p.fs.read(`${p.cwd}${req.path === "/" ? "/index.html" : req.path}`.replace("//", "/"));
    p.stderr(`${req.remoteAddress} - - [${clfTime(p.clock.now()).replace(" +0000", "")}] "${req.method} ${req.path} ${req.httpVersion}" ${file === undefined ? 404 : 200} -\n`);
    return file === undefined ? { status: 404, body: "" } : { status: 200, body: file };
  });
  return untilSignal(p, (s) => (s === "SIGINT" ? (p.stdout("\nKeyboard interrupt received, exiting.\n"), 0) : undefined));
});

const node = interpreter("node", "v20.14.0");

const debianFiles = baseFiles(DEBIAN_OS_RELEASE);

/** Official images people put in examples, each listening on its well-known port with its real start-up lines. */
export const SERVERS: readonly ImageDefinition[] = [
  {
    repository: "docker.io/library/postgres",
    tags: ["latest", "16", "16.3", "16-alpine", "15", "15-alpine", "14", "13", "12", "alpine"],
    size: 150_000_000,
    layers: layers("postgres-16", 12, DEBIAN_BASE),
    config: { entrypoint: ["docker-entrypoint.sh"], cmd: ["postgres"], exposedPorts: ["5432/tcp"], env: ["PGDATA=/var/lib/postgresql/data", "PG_MAJOR=16"] },
    files: debianFiles,
    programs: { ...USERLAND, "docker-entrypoint.sh": (p) => p.spawn(p.argv.slice(1)), postgres },
  },
  {
    repository: "docker.io/library/mysql",
    tags: ["latest", "8", "8.4", "8.4.0", "8.0", "5.7", "lts"],
    size: 170_000_000,
    layers: layers("mysql-8.4", 10),
    config: { entrypoint: ["docker-entrypoint.sh"], cmd: ["mysqld"], exposedPorts: ["3306/tcp", "33060/tcp"] },
    programs: { ...USERLAND, "docker-entrypoint.sh": (p) => p.spawn(p.argv.slice(1)), mysqld },
  },
  {
    repository: "docker.io/library/memcached",
    tags: ["latest", "1", "1.6", "1.6.27", "alpine", "1.6-alpine"],
    size: 30_000_000,
    layers: layers("memcached-1.6", 4, DEBIAN_BASE),
    config: { entrypoint: ["docker-entrypoint.sh"], cmd: ["memcached"], exposedPorts: ["11211/tcp"], user: "memcache" },
    programs: { ...USERLAND, "docker-entrypoint.sh": (p) => p.spawn(p.argv.slice(1)), memcached },
  },
  {
    repository: "docker.io/library/httpd",
    tags: ["latest", "2", "2.4", "2.4.59", "alpine", "2.4-alpine"],
    size: 58_000_000,
    layers: layers("httpd-2.4", 5, DEBIAN_BASE),
    config: { cmd: ["httpd-foreground"], exposedPorts: ["80/tcp"], workingDir: "/usr/local/apache2" },
    files: { ...debianFiles, "/usr/local/apache2/htdocs/index.html": "<html><body><h1>It works!</h1></body></html>\n" },
    programs: { ...USERLAND, "httpd-foreground": httpd, httpd },
  },
  {
    repository: "docker.io/library/alpine",
    tags: ["latest", "3", "3.20", "3.19", "3.18", "3.17", "edge"],
    size: 3_400_000,
    layers: ALPINE_BASE,
    config: { cmd: ["/bin/sh"] },
    files: baseFiles(ALPINE_OS_RELEASE),
    programs: USERLAND,
  },
  {
    repository: "docker.io/library/debian",
    tags: ["latest", "12", "bookworm", "bookworm-slim", "11", "bullseye", "bullseye-slim", "stable", "stable-slim"],
    size: 49_000_000,
    layers: DEBIAN_BASE,
    config: { cmd: ["bash"] },
    files: debianFiles,
    programs: USERLAND,
  },
  {
    repository: "docker.io/library/ubuntu",
    tags: ["latest", "24.04", "22.04", "20.04", "noble", "jammy", "focal"],
    size: 29_000_000,
    layers: ["sha256:ubuntu-base"],
    config: { cmd: ["/bin/bash"] },
    files: baseFiles(UBUNTU_OS_RELEASE),
    programs: USERLAND,
  },
  {
    repository: "docker.io/library/python",
    tags: ["latest", "3", "3.12", "3.12-slim", "3.11", "3.11-slim", "3.10", "3.9", "alpine", "slim", "3.12-alpine"],
    size: 380_000_000,
    layers: layers("python-3.12", 6, DEBIAN_BASE),
    config: { cmd: ["python3"], env: ["PYTHON_VERSION=3.12.4", "LANG=C.UTF-8"] },
    files: debianFiles,
    programs: { ...USERLAND, python3: python, python },
  },
  {
    repository: "docker.io/library/node",
    tags: ["latest", "22", "20", "20-alpine", "18", "18-alpine", "lts", "lts-alpine", "alpine", "slim", "20-slim"],
    size: 390_000_000,
    layers: layers("node-20", 6, DEBIAN_BASE),
    config: { entrypoint: ["docker-entrypoint.sh"], cmd: ["node"], env: ["NODE_VERSION=20.14.0", "YARN_VERSION=1.22.19"] },
    files: debianFiles,
    programs: { ...USERLAND, "docker-entrypoint.sh": (p) => p.spawn(p.argv.slice(1)), node, npm: interpreter("npm", "10.7.0") },
  },
];
