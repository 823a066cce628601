import { normalizePath } from "../../../core/cri/filesystem.js";
import { tar } from "./tar.js";
import { ResolveError, parseResolvConf, resolveHost } from "../../../core/net/resolver.js";
import { httpGet } from "../../../core/cri/http.js";
import { NetError } from "../../../core/net/sockets.js";
import type { Process, Program } from "../../../core/cri/process.js";
import { sh } from "./sh.js";

/** Reads all of stdin. */
async function readAll(p: Process): Promise<string> {
  let text = "";
  for (let c = await p.read(); c !== undefined; c = await p.read()) text += c;
  return text;
}

/** The files named in argv (or stdin when none / `-`), concatenated; reports missing ones. */
async function inputs(p: Process, files: string[], applet: string): Promise<{ text: string; status: number }> {
  if (files.length === 0) return { text: await readAll(p), status: 0 };
  let text = "";
  let status = 0;
  for (const f of files) {
    if (f === "-") {
      text += await readAll(p);
      continue;
    }
    const path = normalizePath(f, p.cwd);
    const content = p.fs.read(path);
    if (content === undefined) {
      p.stderr(`${applet}: ${f}: ${p.fs.isDirectory(path) ? "Is a directory" : "No such file or directory"}\n`);
      status = 1;
    } else text += content;
  }
  return { text, status };
}

/** Parses a duration as busybox sleep does: `1`, `0.5`, `2s`, `1m`, `1h`, `1d`, `infinity`. */
export function parseSleep(arg: string): number | undefined {
  if (arg === "infinity" || arg === "inf") return Number.POSITIVE_INFINITY;
  const m = /^(\d+(?:\.\d+)?|\.\d+)([smhd]?)$/.exec(arg);
  if (!m) return undefined;
  return Number(m[1]) * ({ "": 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as Record<string, number>)[m[2]!]!;
}

const echo: Program = async (p) => {
  let args = p.argv.slice(1);
  let newline = true;
  let escapes = false;
  while (args[0] && /^-[neE]+$/.test(args[0])) {
    if (args[0].includes("n")) newline = false;
    if (args[0].includes("e")) escapes = true;
    args = args.slice(1);
  }
  let text = args.join(" ");
  if (escapes) text = unescape(text);
  p.stdout(text + (newline ? "\n" : ""));
  return 0;
};

function unescape(s: string): string {
  return s.replace(/\\([nt\\0abrfv]|x[0-9a-fA-F]{1,2})/g, (_m, c: string) => {
    if (c.startsWith("x")) return String.fromCharCode(parseInt(c.slice(1), 16));
    return ({ n: "\n", t: "\t", "\\": "\\", "0": "\0", a: "\x07", b: "\b", r: "\r", f: "\f", v: "\v" } as Record<string, string>)[c]!;
  });
}

const printf: Program = async (p) => {
  const [format, ...args] = p.argv.slice(1);
  if (format === undefined) {
    p.stderr("printf: usage: printf FORMAT [ARGUMENT]...\n");
    return 1;
  }
  let out = "";
  let i = 0;
  do {
    out += unescape(format).replace(/%(-?\d*)(?:\.(\d+))?([sdifxc%])/g, (_m, width: string, prec: string | undefined, conv: string) => {
      if (conv === "%") return "%";
      const arg = args[i++] ?? "";
      let v: string;
      if (conv === "d" || conv === "i") v = String(Math.trunc(Number(arg) || 0));
      else if (conv === "f") v = (Number(arg) || 0).toFixed(prec ? Number(prec) : 6);
      else if (conv === "x") v = (Math.trunc(Number(arg)) || 0).toString(16);
      else if (conv === "c") v = arg.slice(0, 1);
      else v = prec ? arg.slice(0, Number(prec)) : arg;
      const w = Number(width);
      return width.startsWith("-") ? v.padEnd(-w) : v.padStart(w || 0);
    });
  } while (i > 0 && i < args.length);
  p.stdout(out);
  return 0;
};

const sleep: Program = async (p) => {
  const arg = p.argv[1];
  if (!arg) {
    p.stderr("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: sleep [N]...\n");
    return 1;
  }
  let total = 0;
  for (const a of p.argv.slice(1)) {
    const ms = parseSleep(a);
    if (ms === undefined) {
      p.stderr(`sleep: invalid number '${a}'\n`);
      return 1;
    }
    total += ms;
  }
  if (total === Number.POSITIVE_INFINITY) await new Promise<never>((_r, reject) => p.signal.addEventListener("abort", () => reject(new Error("killed")), { once: true }));
  else await p.sleep(total);
  return 0;
};

const cat: Program = async (p) => {
  const { text, status } = await inputs(p, p.argv.slice(1).filter((a) => a === "-" || !a.startsWith("-")), "cat");
  p.stdout(text);
  return status;
};

/** `drwxrwsr-x`: the type, then owner/group/other rwx, with s/S for set-user/group-ID and t/T for sticky. */
function modeString(dir: boolean, mode: number): string {
  const triplet = (bits: number, special: boolean, mark: string): string => `${bits & 4 ? "r" : "-"}${bits & 2 ? "w" : "-"}${special ? (bits & 1 ? mark : mark.toUpperCase()) : bits & 1 ? "x" : "-"}`;
  return `${dir ? "d" : "-"}${triplet(mode >> 6, !!(mode & 0o4000), "s")}${triplet(mode >> 3, !!(mode & 0o2000), "s")}${triplet(mode, !!(mode & 0o1000), "t")}`;
}

const ls: Program = async (p) => {
  const flags = p.argv.slice(1).filter((a) => a.startsWith("-")).join("");
  const all = flags.includes("a");
  const long = flags.includes("l") || flags.includes("n");
  const numeric = flags.includes("n");
  const targets = p.argv.slice(1).filter((a) => !a.startsWith("-"));
  let status = 0;
  const list = targets.length ? targets : ["."];
  for (const t of list) {
    const path = normalizePath(t, p.cwd);
    const entries = p.fs.list(path);
    if (entries === undefined) {
      if (p.fs.read(path) !== undefined) {
        p.stdout(t + "\n");
        continue;
      }
      p.stderr(`ls: ${t}: No such file or directory\n`);
      status = 1;
      continue;
    }
    if (list.length > 1) p.stdout(`${t}:\n`);
    const names = (all ? [".", "..", ...entries] : entries.filter((e) => !e.startsWith(".")));
    if (long) {
      p.stdout(`total ${names.length}\n`);
      const owner = (id: number): string => (numeric || id !== 0 ? String(id) : "root").padEnd(8);
      for (const n of names) {
        const full = normalizePath(n, path);
        const dir = n === "." || n === ".." || p.fs.isDirectory(full);
        const size = dir ? 4096 : (p.fs.read(full)?.length ?? 0);
        const st = p.fs.stat?.(full) ?? { uid: 0, gid: 0, mode: dir ? 0o755 : 0o644 };
        p.stdout(`${modeString(dir, st.mode)} ${String(dir ? 2 : 1).padStart(4)} ${owner(st.uid)} ${owner(st.gid)} ${String(size).padStart(8)} Jan  1 00:00 ${n}\n`);
      }
    } else if (names.length) p.stdout(names.join("\n") + "\n");
  }
  return status;
};

const env: Program = async (p) => {
  const args = p.argv.slice(1);
  const extra: Record<string, string> = {};
  while (args[0]?.includes("=")) {
    const a = args.shift()!;
    extra[a.slice(0, a.indexOf("="))] = a.slice(a.indexOf("=") + 1);
  }
  if (args.length) return p.spawn(args, { env: extra });
  for (const [k, v] of Object.entries({ ...p.env, ...extra })) p.stdout(`${k}=${v}\n`);
  return 0;
};

const hostname: Program = async (p) => {
  p.stdout(p.argv[1] === "-i" ? `${p.net.addresses.join(" ")}\n` : `${p.hostname}\n`);
  return 0;
};

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const date: Program = async (p) => {
  const d = new Date(p.clock.now());
  const fmt = p.argv.find((a) => a.startsWith("+"));
  const pad = (n: number): string => String(n).padStart(2, "0");
  if (fmt) {
    const out = fmt.slice(1).replace(/%([YmdHMSsFTz%])/g, (_m, c: string) => {
      switch (c) {
        case "Y": return String(d.getUTCFullYear());
        case "m": return pad(d.getUTCMonth() + 1);
        case "d": return pad(d.getUTCDate());
        case "H": return pad(d.getUTCHours());
        case "M": return pad(d.getUTCMinutes());
        case "S": return pad(d.getUTCSeconds());
        case "s": return String(Math.floor(d.getTime() / 1000));
        case "F": return d.toISOString().slice(0, 10);
        case "T": return d.toISOString().slice(11, 19);
        case "z": return "+0000";
        default: return "%";
      }
    });
    p.stdout(out + "\n");
    return 0;
  }
  p.stdout(`${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${d.toISOString().slice(11, 19)} UTC ${d.getUTCFullYear()}\n`);
  return 0;
};

const uptime: Program = async (p) => {
  const d = new Date(p.clock.now());
  p.stdout(` ${d.toISOString().slice(11, 19)} up 1 day,  2:03,  0 users,  load average: 0.08, 0.05, 0.01\n`);
  return 0;
};

const seq: Program = async (p) => {
  const nums = p.argv.slice(1).map(Number);
  const [first, step, last] = nums.length === 1 ? [1, 1, nums[0]!] : nums.length === 2 ? [nums[0]!, 1, nums[1]!] : [nums[0]!, nums[1]!, nums[2]!];
  if ([first, step, last].some((n) => Number.isNaN(n))) {
    p.stderr(`seq: invalid number\n`);
    return 1;
  }
  let out = "";
  for (let n = first; step > 0 ? n <= last : n >= last; n += step) out += `${n}\n`;
  p.stdout(out);
  return 0;
};

/** `test` / `[`: string, integer and file tests, `!`, `-a`, `-o`. */
const test: Program = async (p) => {
  let args = p.argv.slice(1);
  if (p.argv[0] === "[") {
    if (args[args.length - 1] !== "]") {
      p.stderr("[: missing ]\n");
      return 2;
    }
    args = args.slice(0, -1);
  }
  const evalExpr = (a: string[]): boolean => {
    const oi = a.lastIndexOf("-o");
    if (oi > 0) return evalExpr(a.slice(0, oi)) || evalExpr(a.slice(oi + 1));
    const ai = a.lastIndexOf("-a");
    if (ai > 0) return evalExpr(a.slice(0, ai)) && evalExpr(a.slice(ai + 1));
    if (a[0] === "!") return !evalExpr(a.slice(1));
    if (a.length === 0) return false;
    if (a.length === 1) return a[0] !== "";
    if (a.length === 2) {
      const [op, v = ""] = a;
      const path = normalizePath(v, p.cwd);
      switch (op) {
        case "-z": return v === "";
        case "-n": return v !== "";
        case "-e": return p.fs.read(path) !== undefined || p.fs.isDirectory(path);
        case "-f": return p.fs.read(path) !== undefined;
        case "-d": return p.fs.isDirectory(path);
        case "-s": return (p.fs.read(path) ?? "").length > 0;
        case "-r": case "-w": case "-x": return p.fs.read(path) !== undefined || p.fs.isDirectory(path);
      }
      return false;
    }
    const [l = "", op, r = ""] = a;
    switch (op) {
      case "=": case "==": return l === r;
      case "!=": return l !== r;
      case "-eq": return Number(l) === Number(r);
      case "-ne": return Number(l) !== Number(r);
      case "-lt": return Number(l) < Number(r);
      case "-le": return Number(l) <= Number(r);
      case "-gt": return Number(l) > Number(r);
      case "-ge": return Number(l) >= Number(r);
    }
    return false;
  };
  return evalExpr(args) ? 0 : 1;
};

const head: Program = async (p) => lines(p, "head");
const tail: Program = async (p) => lines(p, "tail");

async function lines(p: Process, applet: "head" | "tail"): Promise<number> {
  let n = 10;
  const files: string[] = [];
  const args = p.argv.slice(1);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-n") n = Number(args[++i]);
    else if (/^-n?\d+$/.test(a)) n = Number(a.replace(/^-n?/, ""));
    else files.push(a);
  }
  const { text, status } = await inputs(p, files, applet);
  const all = text.split("\n");
  if (all[all.length - 1] === "") all.pop();
  const picked = applet === "head" ? all.slice(0, n) : all.slice(Math.max(0, all.length - n));
  if (picked.length) p.stdout(picked.join("\n") + "\n");
  return status;
}

const wc: Program = async (p) => {
  const flags = p.argv.slice(1).filter((a) => a.startsWith("-")).join("");
  const { text, status } = await inputs(p, p.argv.slice(1).filter((a) => !a.startsWith("-")), "wc");
  const l = (text.match(/\n/g) ?? []).length;
  const w = text.split(/\s+/).filter(Boolean).length;
  const c = text.length;
  if (flags.includes("l")) p.stdout(`${l}\n`);
  else if (flags.includes("w")) p.stdout(`${w}\n`);
  else if (flags.includes("c")) p.stdout(`${c}\n`);
  else p.stdout(`${String(l).padStart(7)} ${String(w).padStart(7)} ${String(c).padStart(7)}\n`);
  return status;
};

/** `sort` with `-r`, `-n`, `-u` (flags may be combined): lines of the files or stdin, byte order as in the C locale. */
const sort: Program = async (p) => {
  const args = p.argv.slice(1);
  const flags = args.filter((a) => /^-[a-z]+$/.test(a)).join("");
  const unknown = flags.replace(/[-rnu]/g, "");
  if (unknown) {
    p.stderr(`sort: unrecognized option: ${unknown[0]}\nBusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: sort [-nrugMcszbdfiokt] [-o FILE] [-k START[.OFS][OPTS][,END[.OFS][OPTS]] [-t CHAR] [FILE]...\n`);
    return 1;
  }
  const { text, status } = await inputs(p, args.filter((a) => !/^-[a-z]+$/.test(a)), "sort");
  let rows = text.split("\n");
  if (rows[rows.length - 1] === "") rows.pop();
  const numeric = flags.includes("n");
  const leading = (line: string): number => Number(/^\s*-?\d+(\.\d+)?/.exec(line)?.[0] ?? 0);
  const bytes = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  rows.sort((a, b) => (numeric ? leading(a) - leading(b) || bytes(a, b) : bytes(a, b)));
  if (flags.includes("r")) rows.reverse();
  if (flags.includes("u")) rows = rows.filter((r, i) => i === 0 || (numeric ? leading(r) !== leading(rows[i - 1]!) : r !== rows[i - 1]));
  if (rows.length) p.stdout(rows.join("\n") + "\n");
  return status;
};

const grep: Program = async (p) => {
  const args = p.argv.slice(1);
  const flags = args.filter((a) => /^-[a-zA-Z]+$/.test(a)).join("");
  const rest = args.filter((a) => !/^-[a-zA-Z]+$/.test(a));
  const [pattern, ...files] = rest;
  if (pattern === undefined) {
    p.stderr("Usage: grep [-ivc] PATTERN [FILE]...\n");
    return 2;
  }
  const re = new RegExp(pattern, flags.includes("i") ? "i" : "");
  const { text } = await inputs(p, files, "grep");
  const all = text.split("\n");
  if (all[all.length - 1] === "") all.pop();
  const hits = all.filter((l) => re.test(l) !== flags.includes("v"));
  if (flags.includes("c")) p.stdout(`${hits.length}\n`);
  else if (!flags.includes("q") && hits.length) p.stdout(hits.join("\n") + "\n");
  return hits.length ? 0 : 1;
};

const mkdir: Program = async (p) => {
  for (const d of p.argv.slice(1).filter((a) => !a.startsWith("-"))) p.fs.mkdir(normalizePath(d, p.cwd));
  return 0;
};

const touch: Program = async (p) => {
  for (const f of p.argv.slice(1).filter((a) => !a.startsWith("-"))) {
    const path = normalizePath(f, p.cwd);
    if (p.fs.read(path) === undefined) p.fs.write(path, "");
  }
  return 0;
};

const rm: Program = async (p) => {
  const force = p.argv.slice(1).some((a) => a.startsWith("-") && a.includes("f"));
  let status = 0;
  for (const f of p.argv.slice(1).filter((a) => !a.startsWith("-"))) {
    if (!p.fs.remove(normalizePath(f, p.cwd)) && !force) {
      p.stderr(`rm: can't remove '${f}': No such file or directory\n`);
      status = 1;
    }
  }
  return status;
};

const id: Program = async (p) => {
  p.stdout("uid=0(root) gid=0(root) groups=0(root),10(wheel)\n");
  return 0;
};

const whoami: Program = async (p) => {
  p.stdout("root\n");
  return 0;
};

/** `wget [-q] [-O file|-] URL`: HTTP GET through the pod network. */
const wget: Program = async (p) => {
  const args = p.argv.slice(1);
  let quiet = false;
  let output: string | undefined;
  let timeout = 0;
  let url: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-q") quiet = true;
    else if (a === "-qO" || a === "-O") {
      if (a === "-qO") quiet = true;
      output = args[++i];
    } else if (a.startsWith("-qO")) {
      quiet = true;
      output = a.slice(3);
    } else if (a.startsWith("-O")) output = a.slice(2);
    else if (a === "-T") timeout = Number(args[++i]);
    else if (a.startsWith("--timeout=")) timeout = Number(a.slice(10));
    else if (!a.startsWith("-")) url = a;
  }
  if (!url) {
    p.stderr("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[-P DIR] [-U AGENT] [-T SEC] URL...\n");
    return 1;
  }
  const m = /^(?:http:\/\/)?([^/:]+)(?::(\d+))?(\/.*)?$/.exec(url);
  if (!m) {
    p.stderr(`wget: not an http or ftp url: ${url}\n`);
    return 1;
  }
  const host = m[1]!;
  const port = Number(m[2] ?? 80);
  const path = m[3] ?? "/";
  let address = host === "localhost" ? "127.0.0.1" : host;
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(address)) {
    try {
      address = (await resolveHost({ fs: p.fs, net: p.net, clock: p.clock }, host)).addresses[0]!;
    } catch {
      p.stderr(`wget: bad address '${host}'\n`);
      return 1;
    }
  }
  if (!quiet) p.stderr(`Connecting to ${host}${m[2] ? ":" + port : ""} (${address}:${port})\n`);
  try {
    const res = await httpGet(p.net, { host: address, port, path, headers: { "User-Agent": "Wget", Accept: "*/*" }, ...(timeout ? { timeoutMs: timeout * 1000, clock: p.clock } : {}) });
    if (res.status >= 400) {
      p.stderr(`wget: server returned error: HTTP/1.1 ${res.status} ${res.statusText}\n`);
      return 1;
    }
    const name = output ?? (path.split("/").pop() || "index.html");
    if (name === "-") p.stdout(res.body);
    else {
      p.fs.write(normalizePath(name, p.cwd), res.body);
      if (!quiet) p.stderr(`saving to '${name}'\n${name.padEnd(20)} 100% |********************************|   ${res.body.length}  0:00:00 ETA\n'${name}' saved\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof NetError && err.code === "ECONNREFUSED") p.stderr(`wget: can't connect to remote host (${host}): Connection refused\n`);
    else if (err instanceof NetError && (err.code === "EHOSTUNREACH" || err.code === "ENETUNREACH")) p.stderr(`wget: can't connect to remote host (${host}): No route to host\n`);
    else p.stderr(`wget: download timed out\n`);
    return 1;
  }
};

/** `nc [-z] [-v] [-w SEC] HOST PORT` (client) and `nc -l -p PORT` (serve stdin once). */
const nc: Program = async (p) => {
  const args = p.argv.slice(1);
  const flags = args.filter((a) => a.startsWith("-")).join("");
  const positional = args.filter((a, i) => !a.startsWith("-") && !(args[i - 1] === "-p" || args[i - 1] === "-w"));
  if (flags.includes("l")) {
    const pi = args.indexOf("-p");
    const port = Number(pi >= 0 ? args[pi + 1] : positional[0]);
    const input = await readAll(p);
    await new Promise<void>((resolve) => {
      const listener = p.net.listen("TCP", port, (conn) => {
        conn.on("data", (d) => p.stdout(new TextDecoder().decode(d)));
        conn.write(input);
        conn.end();
        conn.on("close", () => {
          listener.close();
          resolve();
        });
      });
      p.signal.addEventListener("abort", () => resolve(), { once: true });
    });
    return 0;
  }
  const [host, portText] = positional;
  if (!host || !portText) {
    p.stderr("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: nc [OPTIONS] HOST PORT  - connect\nnc [OPTIONS] -l -p PORT [HOST] [PORT]  - listen\n");
    return 1;
  }
  try {
    const conn = await p.net.connect(host, Number(portText));
    if (flags.includes("z")) {
      if (flags.includes("v")) p.stderr(`${host} (${host}:${portText}) open\n`);
      conn.destroy();
      return 0;
    }
    const decoder = new TextDecoder();
    conn.on("data", (d) => p.stdout(decoder.decode(d)));
    const closed = new Promise<void>((resolve) => conn.on("close", () => resolve()));
    for (let c = await p.read(); c !== undefined; c = await p.read()) conn.write(c);
    conn.end();
    await closed;
    return 0;
  } catch {
    p.stderr(`nc: can't connect to remote host (${host}): Connection refused\n`);
    return 1;
  }
};

/** `nslookup NAME [SERVER]`: A and AAAA through the resolver (search path, ndots), printed as BusyBox 1.36 prints them. */
const nslookup: Program = async (p) => {
  const [name, serverArg] = p.argv.slice(1).filter((a) => !a.startsWith("-"));
  const conf = parseResolvConf(p.fs.read("/etc/resolv.conf") ?? "");
  const server = serverArg ?? conf.nameservers[0] ?? "127.0.0.1";
  if (!name) {
    p.stderr("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n");
    return 1;
  }
  p.stdout(`Server:\t\t${server}\nAddress:\t${server}:53\n\n`);
  const ctx = { fs: p.fs, net: p.net, clock: p.clock };
  let found = false;
  let failure: ResolveError | undefined;
  for (const type of ["A", "AAAA"] as const) {
    try {
      const r = await resolveHost({ ...ctx, fs: { read: (path: string) => (path === "/etc/hosts" ? undefined : p.fs.read(path)) } }, name, { type, ...(serverArg ? { server: serverArg } : {}) });
      for (const a of r.addresses) p.stdout(`Name:\t${r.name}\nAddress: ${a}\n`);
      found = true;
    } catch (err) {
      if (!(err instanceof ResolveError)) throw err;
      if (err.code !== "NODATA") failure = err;
    }
  }
  p.stdout("\n");
  if (found) return 0;
  if (failure?.code === "TIMEOUT") {
    p.stdout(`;; connection timed out; no servers could be reached\n\n`);
    return 1;
  }
  p.stdout(`** server can't find ${failure?.query ?? name}: ${failure?.code ?? "NXDOMAIN"}\n\n`);
  return 1;
};

const kill: Program = async (p) => {
  p.stderr(`kill: can't kill pid ${p.argv[p.argv.length - 1]}: No such process\n`);
  return 1;
};

/** busybox's applets kubesim implements, by name. */
export const BUSYBOX_APPLETS: Readonly<Record<string, Program>> = {
  sh, ash: sh, echo, printf, sleep, cat, ls, env, printenv: env, hostname, date, uptime, seq, test, "[": test, "[[": test, head, tail, wc, sort, grep, tar, mkdir, touch, rm, id, whoami, wget, nc, nslookup, kill,
  true: async () => 0,
  false: async () => 1,
};
