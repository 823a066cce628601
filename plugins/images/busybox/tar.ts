import { normalizePath, type FileSystem } from "../../../core/cri/filesystem.js";
import type { Process, Program } from "../../../core/cri/process.js";

/**
 * busybox `tar`: create (`c`), extract (`x`) and list (`t`) ustar archives on standard input and
 * output (`f -`) or a file, with `-C DIR`, `v`, and the flags kubectl cp passes (`m`, `o`,
 * `--no-same-owner`, `--no-same-permissions`) accepted. Reads ustar, GNU long names (`L`) and
 * PAX `path` records (what Go's archive/tar writes for kubectl cp). Files of the simulated file
 * systems are text, and a process's streams carry UTF-8 text, so file contents must be UTF-8:
 * binary bytes do not survive (docs/differences.md).
 */
export const tar: Program = async (p) => {
  const args = p.argv.slice(1);
  let mode: "c" | "x" | "t" | undefined;
  let file: string | undefined;
  let dir = p.cwd;
  let verbose = false;
  const paths: string[] = [];
  const bundle = (flags: string, at: number): number => {
    let consumed = 0;
    for (const f of flags) {
      if (f === "c" || f === "x" || f === "t") mode = f;
      else if (f === "v") verbose = true;
      else if (f === "f") file = args[at + 1 + consumed++];
      else if (f === "C") dir = normalizePath(args[at + 1 + consumed++] ?? "", p.cwd);
      else if (f === "z" || f === "j" || f === "J") throw new TarError(`tar: compression (-${f}) is not supported by kubesim's busybox`);
      else if (!"mopOh".includes(f)) throw new TarError(`tar: unrecognized option '${f}'`);
    }
    return consumed;
  };
  try {
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a.startsWith("--")) {
        if (a === "--directory" || a === "--file") (a === "--file" ? (file = args[++i]) : (dir = normalizePath(args[++i] ?? "", p.cwd)));
        else if (a.startsWith("--directory=")) dir = normalizePath(a.slice(12), p.cwd);
        else if (a.startsWith("--file=")) file = a.slice(7);
        continue; // --no-same-owner, --no-same-permissions, ...: nothing to do here
      }
      if (a.startsWith("-") && a.length > 1) i += bundle(a.slice(1), i);
      else if (i === 0) i += bundle(a, i);
      else paths.push(a);
    }
    if (!mode) throw new TarError("tar: need one of -c, -x or -t");
    if (mode === "c") {
      if (paths.length === 0) throw new TarError("tar: empty archive");
      const archive = createArchive(p, dir, paths, verbose);
      if (!file || file === "-") p.stdout(archive.toString("utf8"));
      else p.fs.write(normalizePath(file, p.cwd), archive.toString("utf8"));
      return archive.failed ? 1 : 0;
    }
    const input = !file || file === "-" ? await readAll(p) : p.fs.read(normalizePath(file, p.cwd));
    if (input === undefined) throw new TarError(`tar: can't open '${file}': No such file or directory`);
    for (const entry of readArchive(Buffer.from(input, "utf8"))) {
      if (mode === "t" || verbose) p.stdout(`${entry.name}\n`);
      if (mode === "x") extract(p.fs, dir, entry);
    }
    return 0;
  } catch (err) {
    if (!(err instanceof TarError)) throw err;
    p.stderr(`${err.message}\n`);
    return 1;
  }
};

class TarError extends Error {}

async function readAll(p: Process): Promise<string> {
  let text = "";
  for (let chunk = await p.read(); chunk !== undefined; chunk = await p.read()) text += chunk;
  return text;
}

interface Entry {
  name: string;
  type: "file" | "dir";
  data: Buffer;
  mode: number;
}

function octal(buf: Buffer, at: number, len: number, value: number): void {
  buf.write(value.toString(8).padStart(len - 1, "0") + "\0", at, len, "ascii");
}

/** The headers of one entry: a 512-byte ustar header, after a GNU `L` record for a name over 100 bytes. */
function header(name: string, type: "file" | "dir", size: number, mode: number, mtime: number): Buffer[] {
  const nameBytes = Buffer.from(name, "utf8");
  const main = rawHeader(nameBytes.subarray(0, 100), type === "dir" ? "5" : "0", size, mode, mtime);
  if (nameBytes.length <= 100) return [main];
  const long = Buffer.concat([nameBytes, Buffer.from([0])]);
  return [rawHeader(Buffer.from("././@LongLink"), "L", long.length, 0, 0), pad(long), main];
}

function rawHeader(name: Buffer, type: string, size: number, mode: number, mtime: number): Buffer {
  const h = Buffer.alloc(512);
  name.copy(h, 0);
  octal(h, 100, 8, mode);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  octal(h, 124, 12, size);
  octal(h, 136, 12, Math.floor(mtime / 1000));
  h.write(type, 156, "ascii");
  h.write("ustar\0" + "00", 257, "ascii");
  h.write("root", 265, "ascii");
  h.write("root", 297, "ascii");
  return checksummed(h);
}

function checksummed(h: Buffer): Buffer {
  h.fill(" ", 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8, "ascii");
  return h;
}

function pad(data: Buffer): Buffer {
  const rest = data.length % 512;
  return rest ? Buffer.concat([data, Buffer.alloc(512 - rest)]) : data;
}

function createArchive(p: Process, dir: string, paths: readonly string[], verbose: boolean): Buffer & { failed?: boolean } {
  const parts: Buffer[] = [];
  let failed = false;
  let warned = false;
  const add = (full: string, name: string): void => {
    const stat = p.fs.stat?.(full);
    if (p.fs.isDirectory(full)) {
      parts.push(...header(name.endsWith("/") ? name : `${name}/`, "dir", 0, stat?.mode ?? 0o755, p.clock.now()));
      if (verbose) p.stderr(`${name}/\n`);
      for (const child of p.fs.list(full) ?? []) add(`${full === "/" ? "" : full}/${child}`, `${name.replace(/\/$/, "")}/${child}`);
      return;
    }
    const text = p.fs.read(full);
    if (text === undefined) {
      p.stderr(`tar: ${name}: No such file or directory\n`);
      failed = true;
      return;
    }
    const data = Buffer.from(text, "utf8");
    parts.push(...header(name, "file", data.length, stat?.mode ?? 0o644, p.clock.now()), pad(data));
    if (verbose) p.stderr(`${name}\n`);
  };
  for (const path of paths) {
    let name = path.replace(/\/+$/, "") || path;
    if (name.startsWith("/")) {
      if (!warned) p.stderr("tar: removing leading '/' from member names\n");
      warned = true;
      name = name.replace(/^\/+/, "");
    }
    add(normalizePath(path, dir), name || ".");
  }
  parts.push(Buffer.alloc(1024));
  const archive: Buffer & { failed?: boolean } = Buffer.concat(parts);
  archive.failed = failed;
  return archive;
}

function field(h: Buffer, at: number, len: number): string {
  const raw = h.subarray(at, at + len);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? len : end).toString("utf8");
}

/** The entries of an archive: ustar/GNU/PAX headers (`L` long names, `x` path records; `g` ignored). */
function readArchive(buf: Buffer): Entry[] {
  const entries: Entry[] = [];
  let longName: string | undefined;
  for (let off = 0; off + 512 <= buf.length; ) {
    const h = buf.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const size = parseInt(field(h, 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(h[156]!) || "0";
    const data = buf.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === "L") {
      longName = data.toString("utf8").replace(/\0+$/, "");
      continue;
    }
    if (type === "x") {
      for (const record of data.toString("utf8").split("\n")) {
        const m = /^\d+ path=(.*)$/.exec(record);
        if (m) longName = m[1];
      }
      continue;
    }
    if (type === "g") continue;
    const prefix = field(h, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
    longName = undefined;
    if (type === "5") entries.push({ name, type: "dir", data: Buffer.alloc(0), mode: parseInt(field(h, 100, 8).trim() || "755", 8) });
    else if (type === "0" || type === "\0" || type === "7") entries.push({ name, type: "file", data: Buffer.from(data), mode: parseInt(field(h, 100, 8).trim() || "644", 8) });
  }
  return entries;
}

function extract(fs: FileSystem, dir: string, entry: Entry): void {
  const path = normalizePath(entry.name.replace(/^\/+/, ""), dir);
  if (entry.type === "dir") fs.mkdir(path);
  else fs.write(path, entry.data.toString("utf8"));
  fs.chmod?.(path, entry.mode & 0o7777);
}
