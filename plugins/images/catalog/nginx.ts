import { normalizePath } from "../../../core/cri/filesystem.js";
import { fixedResponse, type HttpResponse } from "../../../core/cri/http.js";
import type { ImageDefinition } from "../../../core/cri/images.js";
import type { Process, Program, Signal } from "../../../core/cri/process.js";
import { clfTime, httpDate, layers, nginxErrorTime, serveHttp, untilSignal } from "../daemon.js";
import { DEBIAN_BASE, DEBIAN_OS_RELEASE, USERLAND, baseFiles } from "../userland.js";

const WELCOME = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
`;

const notFound = (version: string): string => `<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/${version}</center>\r\n</body>\r\n</html>\r\n`;

/** Where nginx's default server looks for a request target: the decoded, normalized path and the files it may serve. */
interface RequestTarget {
  readonly path: string;
  /** `root` + path: a directory there serves its index.html. */
  readonly root: string;
  readonly index: string;
  readonly file: string;
}

/**
 * The {@link RequestTarget} of each request path, kept for the paths asked most (a bounded map):
 * the same page asked again costs no decoding, normalizing or path building. A malformed
 * percent-encoding throws (the server answers 500), as each decode did.
 */
class RequestTargets {
  private readonly known = new Map<string, RequestTarget>();

  of(requestPath: string): RequestTarget {
    let t = this.known.get(requestPath);
    if (t === undefined) {
      const path = normalizePath(decodeURIComponent(requestPath.split("?")[0] ?? "/"));
      const root = `/usr/share/nginx/html${path}`;
      t = { path, root, index: `/usr/share/nginx/html${path === "/" ? "" : path}/index.html`.replace("//", "/"), file: root.replace("//", "/") };
      if (this.known.size < 256) this.known.set(requestPath, t);
    }
    return t;
  }
}

/**
 * The answer for the last page served (its status and text: the same file's text is the same
 * string) in the current second (its `Date`), made once per page and second rather than per
 * request: frozen, so the connection writes the same bytes each time without formatting them again
 * (see {@link fixedResponse}); to HEAD, the same headers (the page's Content-Length) without the
 * body. Headers in nginx's order; `Connection: keep-alive` becomes `close` when the connection
 * closes. (No Last-Modified, ETag or Accept-Ranges: the files carry no modification time.)
 */
class PageAnswers {
  private text: string | undefined;
  private status = 0;
  private date = "";
  /** The page's UTF-8 byte length. */
  length = 0;
  answer: HttpResponse = { status: 0 };

  constructor(private readonly server: string) {}

  of(status: number, text: string, date: string): this {
    if (text !== this.text || status !== this.status || date !== this.date) {
      if (text !== this.text) this.length = Buffer.byteLength(text);
      this.text = text;
      this.status = status;
      this.date = date;
      // Content-Length where the server would count it (after the handler's headers), from the page's known length.
      this.answer = fixedResponse({ status, headers: { Server: this.server, Date: date, "Content-Type": "text/html", "Content-Length": String(this.length), Connection: "keep-alive" }, body: text });
    }
    return this;
  }
}

/**
 * The image's access log line (its `main` log format, ending with `"$http_x_forwarded_for"`: the
 * X-Forwarded-For header a proxy in front sent, `-` without one) for a
 * request and its answer. The last line is kept with what it was made of: a client asking the same page again
 * in the same second gets the same line, without formatting it again.
 */
class AccessLine {
  private parts: (string | number)[] = [];
  private line = "";

  of(remoteAddress: string, time: string, method: string, path: string, httpVersion: string, status: number, bytes: number, referer: string, userAgent: string, forwardedFor: string): string {
    const p = this.parts;
    if (p[0] === remoteAddress && p[1] === time && p[2] === method && p[3] === path && p[4] === httpVersion && p[5] === status && p[6] === bytes && p[7] === referer && p[8] === userAgent && p[9] === forwardedFor) return this.line;
    this.parts = [remoteAddress, time, method, path, httpVersion, status, bytes, referer, userAgent, forwardedFor];
    return (this.line = `${remoteAddress} - - [${time}] "${method} ${path} ${httpVersion}" ${status} ${bytes} "${referer}" "${userAgent}" "${forwardedFor}"\n`);
  }
}

/**
 * nginx's start-up notices on stderr, each a whole line stamped with the error log's time, as one
 * text (written at once, as the entrypoint writes its messages): made once per second and shared
 * by every nginx process starting in it (a Deployment's replicas start together).
 */
class StartupNotices {
  private time: string | undefined;
  private text = "";

  constructor(private readonly messages: readonly string[]) {}

  /** The lines for the error log time `time` (`2024/05/16 09:14:01`). */
  of(time: string): string {
    if (time !== this.time) {
      this.time = time;
      this.text = this.messages.map((msg) => `${time} [notice] 1#1: ${msg}\n`).join("");
    }
    return this.text;
  }
}

/** The official image's entrypoint: configuration messages on stdout, then exec of the command. */
const entrypoint: Program = async (p) => {
  const cmd = p.argv.slice(1);
  if (cmd[0] === "nginx" || cmd[0] === "nginx-debug") {
    p.stdout(
      "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration\n" +
        "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/\n" +
        "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh\n" +
        "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf\n" +
        "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf\n" +
        "/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh\n" +
        "/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh\n" +
        "/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh\n" +
        "/docker-entrypoint.sh: Configuration complete; ready for start up\n",
    );
  }
  if (cmd.length === 0) return 0;
  // exec: the command reads the entrypoint's own standard input (a child given no reader of its own does).
  return p.spawn(cmd);
};

/** A notice line on the error log (`<time> [notice] 1#1: <msg>`). */
function notice(p: Process, msg: string): void {
  p.stderr(`${nginxErrorTime(p.clock.now())} [notice] 1#1: ${msg}\n`);
}

/**
 * What an nginx process keeps to answer requests: made on its first request, not at start (most
 * servers of a Deployment answer none, and a node runs one per pod).
 */
class Serving {
  readonly targets = new RequestTargets();
  readonly answers: PageAnswers;
  readonly accessLine = new AccessLine();

  constructor(server: string) {
    this.answers = new PageAnswers(server);
  }
}

function nginx(version: string): Program {
  // The version's 404 page and Server header, made once per version and shared by every nginx
  // process (each master process kept copies of its own).
  const notFoundPage = notFound(version);
  const server = `nginx/${version}`;
  const startup = new StartupNotices([`using the "epoll" event method`, `nginx/${version}`, `built by gcc 12.2.0 (Debian 12.2.0-14) `, `OS: Linux 6.1.0-kubesim`, `getrlimit(RLIMIT_NOFILE): 1048576:1048576`, `start worker processes`, `start worker process 29`]);
  // The process's signal handler: module-level rather than a closure per process.
  const onSignal = (p: Process, s: Signal): number | undefined => {
    if (s === "SIGTERM" || s === "SIGINT") {
      notice(p, `signal 15 (SIGTERM) received from 1, exiting`.replace("15 (SIGTERM)", s === "SIGINT" ? "2 (SIGINT)" : "15 (SIGTERM)"));
      notice(p, `exit`);
      return 0;
    }
    if (s === "SIGQUIT") {
      notice(p, `signal 3 (SIGQUIT) received from 1, shutting down`);
      notice(p, `exit`);
      return 0;
    }
    if (s === "SIGHUP") notice(p, `signal 1 (SIGHUP) received from 1, reconfiguring`);
    return undefined;
  };
  return async (p: Process) => {
    if (p.argv.includes("-v")) {
      p.stderr(`nginx version: nginx/${version}\n`);
      return 0;
    }
    p.stderr(startup.of(nginxErrorTime(p.clock.now())));
    p.use({ cpuMillis: 1, memoryBytes: 3_500_000 });
    let serving: Serving | undefined;
    serveHttp(p, 80, (req): HttpResponse => {
      const { targets, answers, accessLine } = (serving ??= new Serving(server));
      const target = targets.of(req.path);
      const path = target.path;
      const file = path.endsWith("/") || p.fs.isDirectory(target.root) ? target.index : target.file;
      const body = p.fs.read(file);
      const status = body === undefined ? 404 : 200;
      const now = p.clock.now();
      const page = answers.of(status, body ?? notFoundPage, httpDate(now));
      // $body_bytes_sent: a HEAD request is sent no body.
      const sent = req.method === "HEAD" ? 0 : page.length;
      p.stdout(accessLine.of(req.remoteAddress, clfTime(now), req.method, req.path, req.httpVersion, status, sent, req.headers["referer"] ?? "-", req.headers["user-agent"] ?? "-", req.headers["x-forwarded-for"] ?? "-"));
      if (status === 404) p.stderr(`${nginxErrorTime(p.clock.now())} [error] 29#29: *1 open() "/usr/share/nginx/html${path}" failed (2: No such file or directory), client: ${req.remoteAddress}, server: localhost, request: "${req.method} ${req.path} ${req.httpVersion}", host: "${req.headers["host"] ?? ""}"\n`);
      return page.answer;
    });
    return untilSignal(p, (s) => onSignal(p, s));
  };
}

/** nginx (Debian-based official image): the welcome page on :80, access log in nginx's combined format. */
export const NGINX: ImageDefinition = {
  repository: "docker.io/library/nginx",
  tags: ["latest", "1.27", "1.27.0", "1.26", "1.25", "1.25.5", "1.25.4", "1.25.3", "1.24", "1.23", "1.21", "1.19", "1.14.2", "stable", "mainline", "alpine", "1.25-alpine", "1.27-alpine", "stable-alpine"],
  size: 67_100_000,
  layers: layers("nginx-1.25", 6, DEBIAN_BASE),
  config: {
    entrypoint: ["/docker-entrypoint.sh"],
    cmd: ["nginx", "-g", "daemon off;"],
    env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "NGINX_VERSION=1.25.5", "NJS_VERSION=0.8.4", "PKG_RELEASE=1~bookworm"],
    exposedPorts: ["80/tcp"],
  },
  files: { ...baseFiles(DEBIAN_OS_RELEASE), "/usr/share/nginx/html/index.html": WELCOME, "/usr/share/nginx/html/50x.html": "<!DOCTYPE html>\n<html>\n<head>\n<title>Error</title>\n</head>\n<body>\n<h1>An error occurred.</h1>\n</body>\n</html>\n", "/etc/nginx/nginx.conf": "user  nginx;\nworker_processes  auto;\n", "/etc/nginx/conf.d/default.conf": "server {\n    listen       80;\n    listen  [::]:80;\n    server_name  localhost;\n    location / {\n        root   /usr/share/nginx/html;\n        index  index.html index.htm;\n    }\n}\n" },
  programs: { ...USERLAND, "docker-entrypoint.sh": entrypoint, nginx: nginx("1.25.5"), "nginx-debug": nginx("1.25.5") },
};
