/** The nginx image's web server: what it answers for each request target, and its access and error log lines. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { MemoryFileSystem } from "../../core/cri/filesystem.js";
import { httpGet } from "../../core/cri/http.js";
import { DataPlane } from "../../core/net/data-plane.js";
import { NGINX } from "../../plugins/images/catalog/nginx.js";
import { RunningProcess } from "../../plugins/runtime-containerd/process-runner.js";

test("nginx serves files under /usr/share/nginx/html (index.html for directories), 404 otherwise, 500 for a malformed escape; one combined-format line per request", async () => {
  const clock = new VirtualClock({ auto: true, start: Date.UTC(2026, 4, 16, 9, 15, 0) });
  const plane = new DataPlane({ clock });
  const net = plane.stack(plane.addNode("node-1", "10.244.0.5"));
  const fs = new MemoryFileSystem({ ...(NGINX.files ?? {}), "/usr/share/nginx/html/docs/index.html": "docs\n" });
  let stdout = "";
  let stderr = "";
  const proc = new RunningProcess(1, { argv: ["nginx", "-g", "daemon off;"], env: {}, cwd: "/", hostname: "web-0", fs, net, clock, programs: NGINX.programs ?? {}, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, async () => undefined);
  await clock.sleep(10);
  stderr = "";
  const get = async (path: string) => {
    const res = await httpGet(net, { host: "127.0.0.1", port: 80, path, headers: { "User-Agent": "curl/8.5.0" } });
    return `${res.status} ${res.body.length}`;
  };
  const welcome = NGINX.files!["/usr/share/nginx/html/index.html"]!.length;
  assert.is(await get("/"), `200 ${welcome}`);
  assert.is(await get("/"), `200 ${welcome}`);
  assert.is(await get("/index.html?x=1"), `200 ${welcome}`);
  assert.is(await get("/a/../index.html"), `200 ${welcome}`);
  assert.is(await get("/docs"), "200 5");
  assert.is(await get("/%64ocs/"), "200 5");
  assert.is(await get("/new.html"), "404 153");
  fs.write("/usr/share/nginx/html/new.html", "new\n");
  assert.is(await get("/new.html"), "200 4");
  assert.is(await get("/%zz"), "500 0");
  const line = (target: string, status: number, bytes: number) => `127.0.0.1 - - [16/May/2026:09:15:00 +0000] "GET ${target} HTTP/1.1" ${status} ${bytes} "-" "curl/8.5.0" "-"`;
  assert.equal(stdout.split("\n").filter((l) => l.startsWith("127.")), [
    line("/", 200, 615),
    line("/", 200, 615),
    line("/index.html?x=1", 200, 615),
    line("/a/../index.html", 200, 615),
    line("/docs", 200, 5),
    line("/%64ocs/", 200, 5),
    line("/new.html", 404, 153),
    line("/new.html", 200, 4),
  ]);
  // The main format's last field is $http_x_forwarded_for: what a proxy in front (an Ingress controller) sent.
  stdout = "";
  await httpGet(net, { host: "127.0.0.1", port: 80, path: "/docs/", headers: { "User-Agent": "curl/8.5.0", "X-Forwarded-For": "203.0.113.7, 10.244.1.3" } });
  assert.is(stdout, `127.0.0.1 - - [16/May/2026:09:15:00 +0000] "GET /docs/ HTTP/1.1" 200 5 "-" "curl/8.5.0" "203.0.113.7, 10.244.1.3"\n`);
  // The bytes on the wire: headers in nginx's order, the length of the page (or of none for HEAD), keep-alive unless asked to close.
  const raw = async (request: string): Promise<string> => {
    const conn = await net.connect("127.0.0.1", 80);
    let text = "";
    conn.setEncoding!("utf8");
    conn.on("text", (t) => (text += t));
    conn.write(request);
    await clock.sleep(10);
    conn.destroy();
    return text;
  };
  // Headers in nginx's order (Debian's nginx answers with these, then Last-Modified, ETag and Accept-Ranges for a file).
  const answer = (status: string, length: number, connection = "keep-alive") => `HTTP/1.1 ${status}\r\nServer: nginx/1.25.5\r\nDate: Sat, 16 May 2026 09:15:00 GMT\r\nContent-Type: text/html\r\nContent-Length: ${length}\r\nConnection: ${connection}\r\n\r\n`;
  assert.is(await raw("GET /docs/ HTTP/1.1\r\nHost: a\r\n\r\n"), answer("200 OK", 5) + "docs\n");
  // HEAD: the length GET would send (as Debian's nginx answers: `Content-Length: 615` for the welcome page), no body.
  assert.is(await raw("HEAD /docs/ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"), answer("200 OK", 5, "close"));
  assert.is(await raw("HEAD /nope HTTP/1.1\r\nHost: a\r\n\r\n"), answer("404 Not Found", 153));
  // A kept-alive connection: HEAD then GET, each answer framed by its request's method.
  assert.is(await raw("HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET /docs/ HTTP/1.1\r\nHost: a\r\n\r\n"), answer("200 OK", welcome) + answer("200 OK", 5) + "docs\n");
  assert.is(await raw("GET /nope HTTP/1.0\r\n\r\n"), answer("404 Not Found", 153, "close") + NOT_FOUND);
  // The client side: a HEAD answer is complete at its head, whatever its Content-Length says; nginx logs 0 body bytes sent.
  stdout = "";
  const head = await httpGet(net, { host: "127.0.0.1", port: 80, path: "/", method: "HEAD", headers: { "User-Agent": "curl/8.5.0" } });
  assert.equal([head.status, head.headers["content-length"], head.body], [200, String(welcome), ""]);
  assert.is(stdout, `127.0.0.1 - - [16/May/2026:09:15:00 +0000] "HEAD / HTTP/1.1" 200 0 "-" "curl/8.5.0" "-"\n`);
  stdout = "";
  assert.is(stderr.split("\n")[0], `2026/05/16 09:15:00 [error] 29#29: *1 open() "/usr/share/nginx/html/new.html" failed (2: No such file or directory), client: 127.0.0.1, server: localhost, request: "GET /new.html HTTP/1.1", host: "127.0.0.1:80"`);
  proc.kill("SIGTERM");
  assert.is(await proc.exit, 0);
});

test("nginx through the image's entrypoint: its configuration messages, the start-up notices, then a notice per signal (SIGHUP reconfigures, SIGQUIT and SIGTERM end it with 0)", async () => {
  const clock = new VirtualClock({ auto: true, start: Date.UTC(2026, 4, 16, 9, 15, 0) });
  const plane = new DataPlane({ clock });
  const net = plane.stack(plane.addNode("node-1", "10.244.0.5"));
  const run = (): { proc: RunningProcess; out: { stdout: string; stderr: string } } => {
    const out = { stdout: "", stderr: "" };
    const proc = new RunningProcess(1, { argv: ["/docker-entrypoint.sh", "nginx", "-g", "daemon off;"], env: {}, cwd: "/", hostname: "web-0", fs: new MemoryFileSystem(NGINX.files ?? {}), net, clock, programs: NGINX.programs ?? {}, stdout: (t) => (out.stdout += t), stderr: (t) => (out.stderr += t), init: true });
    return { proc, out };
  };
  const { proc, out } = run();
  await clock.sleep(10);
  assert.is(out.stdout.split("\n").at(-2), "/docker-entrypoint.sh: Configuration complete; ready for start up");
  const notice = (msg: string): string => `2026/05/16 09:15:00 [notice] 1#1: ${msg}`;
  assert.equal(out.stderr.split("\n").slice(0, 2), [notice(`using the "epoll" event method`), notice("nginx/1.25.5")]);
  assert.is(out.stderr.split("\n").at(-2), notice("start worker process 29"));
  out.stderr = "";
  proc.kill("SIGHUP");
  await clock.sleep(10);
  assert.ok(proc.running);
  assert.is(out.stderr, `${notice("signal 1 (SIGHUP) received from 1, reconfiguring")}\n`);
  out.stderr = "";
  proc.kill("SIGQUIT");
  assert.is(await proc.exit, 0);
  assert.is(out.stderr, `${notice("signal 3 (SIGQUIT) received from 1, shutting down")}\n${notice("exit")}\n`);
  const second = run();
  await clock.sleep(10);
  second.out.stderr = "";
  second.proc.kill("SIGTERM");
  assert.is(await second.proc.exit, 0);
  assert.is(second.out.stderr, `${notice("signal 15 (SIGTERM) received from 1, exiting")}\n${notice("exit")}\n`);
});

const NOT_FOUND = `<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.25.5</center>\r\n</body>\r\n</html>\r\n`;

test.run();
