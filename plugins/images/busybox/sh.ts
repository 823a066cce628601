import { FsError, normalizePath } from "../../../core/cri/filesystem.js";
import type { Process, Program } from "../../../core/cri/process.js";
import { parseScript, ShellSyntaxError, type AndOr, type Command, type List, type Pipeline, type Redirect, type Word } from "./sh-parser.js";

/** Streams a command runs with inside the shell. */
interface Io {
  stdin: () => Promise<string | undefined>;
  /** Gives back input read past what was needed (`read` takes one line of a chunk). */
  unread?: (t: string) => void;
  stdout: (t: string) => void;
  stderr: (t: string) => void;
}

/** Control flow out of a loop or the script. */
class Exit {
  constructor(readonly code: number) {}
}
class LoopControl {
  constructor(readonly kind: "break" | "continue", readonly levels: number) {}
}

/** Shell state: variables (exported ones reach children) and the last exit status. */
class ShellState {
  vars: Map<string, string>;
  exported: Set<string>;
  status = 0;
  cwd: string;
  args: string[];
  /** `$0`: the shell's name, the script's path, or the first argument after `-c`'s script. */
  name = "sh";
  constructor(env: Readonly<Record<string, string>>, cwd: string, args: string[]) {
    this.vars = new Map(Object.entries(env));
    this.exported = new Set(Object.keys(env));
    this.cwd = cwd;
    this.args = args;
  }
  clone(): ShellState {
    const s = new ShellState({}, this.cwd, this.args);
    s.name = this.name;
    s.vars = new Map(this.vars);
    s.exported = new Set(this.exported);
    s.status = this.status;
    return s;
  }
  env(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const k of this.exported) {
      const v = this.vars.get(k);
      if (v !== undefined) out[k] = v;
    }
    return out;
  }
}

/**
 * busybox `sh`: `-c 'script'`, a script file, or commands read from stdin (interactive
 * `kubectl exec -it ... -- sh`). Builtins (cd, exit, export, read, set, shift, break, continue,
 * `:`) run in the shell; anything else is a program of the image (busybox applets).
 */
export const sh: Program = async (p) => {
  const argv = p.argv.slice(1);
  const state = new ShellState(p.env, p.cwd, []);
  const pushedBack: string[] = [];
  const io: Io = { stdin: async () => pushedBack.shift() ?? p.read(), unread: (t) => void pushedBack.unshift(t), stdout: (t) => p.stdout(t), stderr: (t) => p.stderr(t) };
  let script: string | undefined;
  const ci = argv.indexOf("-c");
  if (ci >= 0) {
    script = argv[ci + 1];
    if (script === undefined) {
      p.stderr("sh: -c requires an argument\n");
      return 2;
    }
    // `sh -c script name args...`: the word after the script is $0, the rest $1... (POSIX).
    if (argv.length > ci + 2) state.name = argv[ci + 2]!;
    state.args = argv.slice(ci + 3);
  } else if (argv[0] && !argv[0].startsWith("-")) {
    script = p.fs.read(normalizePath(argv[0], p.cwd));
    if (script === undefined) {
      p.stderr(`sh: can't open '${argv[0]}': No such file or directory\n`);
      return 2;
    }
    state.name = argv[0];
    state.args = argv.slice(1);
  }
  try {
    if (script !== undefined) return await runScript(p, state, script, io);
    // Interactive: run each line read from stdin.
    let pending = "";
    for (;;) {
      const chunk = await io.stdin();
      if (chunk === undefined) break;
      pending += chunk.replace(/\r/g, "\n");
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        await runScript(p, state, line, io);
      }
    }
    if (pending.trim()) await runScript(p, state, pending, io);
    return state.status;
  } catch (e) {
    if (e instanceof Exit) return e.code;
    throw e;
  }
};

async function runScript(p: Process, state: ShellState, script: string, io: Io): Promise<number> {
  let list: List;
  try {
    list = parseScript(script);
  } catch (e) {
    if (e instanceof ShellSyntaxError) {
      io.stderr(`sh: ${e.message}\n`);
      state.status = 2;
      return 2;
    }
    throw e;
  }
  return runList(p, state, list, io);
}

async function runList(p: Process, state: ShellState, list: List, io: Io): Promise<number> {
  for (const andOr of list) {
    if (andOr.background) {
      void runAndOr(p, state.clone(), andOr, io).catch(() => undefined);
      state.status = 0;
      continue;
    }
    await runAndOr(p, state, andOr, io);
  }
  return state.status;
}

async function runAndOr(p: Process, state: ShellState, andOr: AndOr, io: Io): Promise<number> {
  let status = await runPipeline(p, state, andOr.first, io);
  for (const { op, pipeline } of andOr.rest) {
    if ((op === "&&" && status === 0) || (op === "||" && status !== 0)) status = await runPipeline(p, state, pipeline, io);
  }
  return status;
}

async function runPipeline(p: Process, state: ShellState, pipeline: Pipeline, io: Io): Promise<number> {
  let status: number;
  if (pipeline.commands.length === 1) status = await runCommand(p, state, pipeline.commands[0]!, io);
  else {
    // Stages run one after another, each reading what the previous one wrote.
    let input: string | undefined;
    status = 0;
    for (let i = 0; i < pipeline.commands.length; i++) {
      const last = i === pipeline.commands.length - 1;
      let out = "";
      const chunks = input === undefined ? undefined : [input];
      const stageIo: Io = { stdin: chunks ? async () => chunks.shift() : io.stdin, ...(chunks ? { unread: (t: string) => void chunks.unshift(t) } : io.unread ? { unread: io.unread } : {}), stdout: last ? io.stdout : (t) => (out += t), stderr: io.stderr };
      status = await runCommand(p, state.clone(), pipeline.commands[i]!, stageIo);
      input = out;
    }
  }
  if (pipeline.negate) status = status === 0 ? 1 : 0;
  state.status = status;
  return status;
}

async function runCommand(p: Process, state: ShellState, cmd: Command, io: Io): Promise<number> {
  if (p.signal.aborted) throw new Exit(137);
  let cmdIo: Io;
  try {
    cmdIo = await applyRedirects(p, state, cmd.redirects, io);
  } catch (e) {
    if (e instanceof FsError) {
      io.stderr(`sh: can't create ${e.path}: ${e.message.slice(e.path.length + 2)}\n`);
      return (state.status = 1);
    }
    throw e;
  }
  switch (cmd.kind) {
    case "simple":
      return (state.status = await runSimple(p, state, cmd, cmdIo));
    case "group": {
      const s = cmd.subshell ? state.clone() : state;
      try {
        return (state.status = await runList(p, s, cmd.body, cmdIo));
      } catch (e) {
        if (cmd.subshell && e instanceof Exit) return (state.status = e.code);
        throw e;
      }
    }
    case "if": {
      for (const clause of cmd.clauses) {
        if ((await runList(p, state, clause.cond, cmdIo)) === 0) return runList(p, state, clause.body, cmdIo);
      }
      if (cmd.otherwise) return runList(p, state, cmd.otherwise, cmdIo);
      return (state.status = 0);
    }
    case "for": {
      const items = cmd.items ? (await Promise.all(cmd.items.map((w) => expandWord(p, state, w)))).flat() : state.args;
      let status = 0;
      for (const item of items) {
        state.vars.set(cmd.name, item);
        const r = await loopBody(p, state, cmd.body, cmdIo);
        if (r === "break") break;
        status = r;
      }
      return (state.status = status);
    }
    case "while": {
      let status = 0;
      for (;;) {
        if (p.signal.aborted) throw new Exit(137);
        const c = await runList(p, state, cmd.cond, cmdIo);
        if ((c === 0) === cmd.until) break;
        const r = await loopBody(p, state, cmd.body, cmdIo);
        if (r === "break") break;
        status = r;
        // A loop whose body never waits must still let the clock and other work run.
        await Promise.resolve();
      }
      return (state.status = status);
    }
  }
}

/** Runs a loop body: its status, or `break` (a `continue` ends the body early with status 0). */
async function loopBody(p: Process, state: ShellState, body: List, io: Io): Promise<number | "break"> {
  try {
    return await runList(p, state, body, io);
  } catch (e) {
    if (!(e instanceof LoopControl)) throw e;
    if (e.levels > 1) throw new LoopControl(e.kind, e.levels - 1);
    return e.kind === "break" ? "break" : 0;
  }
}

async function applyRedirects(p: Process, state: ShellState, redirects: Redirect[], io: Io): Promise<Io> {
  if (redirects.length === 0) return io;
  const out: Io = { ...io };
  for (const r of redirects) {
    const target = (await expandWord(p, state, r.target)).join(" ");
    if (r.op === ">&") {
      const src = target === "2" ? io.stderr : target === "1" ? io.stdout : undefined;
      if (src) {
        if (r.fd === 1) out.stdout = target === "2" ? out.stderr : out.stdout;
        else if (r.fd === 2) out.stderr = target === "1" ? out.stdout : out.stderr;
      }
      continue;
    }
    const path = normalizePath(target, state.cwd);
    if (r.op === "<" || r.op === "<&") {
      const text = p.fs.read(path);
      if (text === undefined) throw new FsError("ENOENT", target);
      const chunks = [text];
      out.stdin = async () => chunks.shift();
      continue;
    }
    if (path === "/dev/null") {
      if (r.fd === 1) out.stdout = () => undefined;
      else if (r.fd === 2) out.stderr = () => undefined;
      continue;
    }
    if (path === "/dev/stderr") {
      if (r.fd === 1) out.stdout = io.stderr;
      continue;
    }
    if (path === "/dev/stdout") {
      if (r.fd === 2) out.stderr = io.stdout;
      continue;
    }
    if (r.op === ">") p.fs.write(path, "");
    else if (p.fs.read(path) === undefined) p.fs.write(path, "");
    const append = (t: string): void => p.fs.write(path, (p.fs.read(path) ?? "") + t);
    if (r.fd === 1) out.stdout = append;
    else if (r.fd === 2) out.stderr = append;
  }
  return out;
}

async function runSimple(p: Process, state: ShellState, cmd: Extract<Command, { kind: "simple" }>, io: Io): Promise<number> {
  const argv: string[] = [];
  for (const w of cmd.words) argv.push(...(await expandWord(p, state, w)));
  const assigned: Record<string, string> = {};
  for (const a of cmd.assigns) assigned[a.name] = (await expandWord(p, state, a.value, false)).join(" ");
  if (argv.length === 0) {
    for (const [k, v] of Object.entries(assigned)) state.vars.set(k, v);
    return 0;
  }
  const name = argv[0]!;
  const builtin = BUILTINS[name];
  if (builtin) return builtin(argv, state, io, p);
  return p.spawn(argv, { stdin: io.stdin, stdout: io.stdout, stderr: io.stderr, env: { ...state.env(), ...assigned }, cwd: state.cwd });
}

type Builtin = (argv: string[], state: ShellState, io: Io, p: Process) => number | Promise<number>;

const BUILTINS: Record<string, Builtin> = {
  ":": () => 0,
  true: () => 0,
  false: () => 1,
  exit: (argv, state) => {
    throw new Exit(argv[1] !== undefined ? Number(argv[1]) & 255 : state.status);
  },
  cd: (argv, state, io, p) => {
    const dir = normalizePath(argv[1] ?? state.vars.get("HOME") ?? "/", state.cwd);
    if (!p.fs.isDirectory(dir)) {
      io.stderr(`sh: cd: can't cd to ${argv[1]}: No such file or directory\n`);
      return 2;
    }
    state.cwd = dir;
    state.vars.set("PWD", dir);
    return 0;
  },
  export: (argv, state) => {
    for (const a of argv.slice(1)) {
      const i = a.indexOf("=");
      const name = i >= 0 ? a.slice(0, i) : a;
      if (i >= 0) state.vars.set(name, a.slice(i + 1));
      state.exported.add(name);
    }
    return 0;
  },
  unset: (argv, state) => {
    for (const a of argv.slice(1)) {
      state.vars.delete(a);
      state.exported.delete(a);
    }
    return 0;
  },
  read: async (argv, state, io) => {
    const names = argv.slice(1).filter((a) => !a.startsWith("-"));
    let line = "";
    for (;;) {
      const c = await io.stdin();
      if (c === undefined) {
        if (!line) return 1;
        break;
      }
      line += c;
      if (line.includes("\n")) break;
    }
    const nl = line.indexOf("\n");
    if (nl >= 0 && nl + 1 < line.length) io.unread?.(line.slice(nl + 1));
    const text = nl >= 0 ? line.slice(0, nl) : line;
    const fields = text.trim().split(/\s+/);
    const vars = names.length ? names : ["REPLY"];
    vars.forEach((n, i) => state.vars.set(n, i === vars.length - 1 ? fields.slice(i).join(" ") : (fields[i] ?? "")));
    return 0;
  },
  shift: (argv, state) => {
    state.args = state.args.slice(Number(argv[1] ?? 1));
    return 0;
  },
  set: () => 0,
  break: (argv) => {
    throw new LoopControl("break", Number(argv[1] ?? 1));
  },
  continue: (argv) => {
    throw new LoopControl("continue", Number(argv[1] ?? 1));
  },
  pwd: (_argv, state, io) => {
    io.stdout(state.cwd + "\n");
    return 0;
  },
  trap: () => 0,
  wait: () => 0,
};

/** Expands a word: parameters, command substitution, then field splitting of unquoted results and globbing-free join. */
async function expandWord(p: Process, state: ShellState, word: Word, split = true): Promise<string[]> {
  const fields: string[] = [];
  let current = "";
  let hasQuoted = false;
  const pushUnquoted = (text: string): void => {
    if (!split) {
      current += text;
      return;
    }
    const parts = text.split(/[ \t\n]+/);
    for (let i = 0; i < parts.length; i++) {
      if (i > 0 && (current || hasQuoted)) {
        fields.push(current);
        current = "";
        hasQuoted = false;
      }
      current += parts[i]!;
    }
  };
  for (const part of word) {
    if (part.kind === "lit") {
      current += part.text;
      if (part.quoted) hasQuoted = true;
      continue;
    }
    let value: string;
    if (part.kind === "var") value = await expandVar(p, state, part.name, part.op, part.arg);
    else if (part.kind === "arith") value = arithmetic(state, part.expr);
    else {
      let out = "";
      const sub = state.clone();
      try {
        await runScript(p, sub, part.script, { stdin: async () => undefined, stdout: (t) => (out += t), stderr: (t) => p.stderr(t) });
      } catch (e) {
        if (!(e instanceof Exit)) throw e;
      }
      state.status = sub.status;
      value = out.replace(/\n+$/, "");
    }
    if (part.quoted) {
      current += value;
      hasQuoted = true;
    } else if (part.kind === "var" && part.name === "@" && split) {
      for (const a of state.args) pushUnquoted(a + " ");
    } else pushUnquoted(value);
  }
  if (current || hasQuoted) fields.push(current);
  return fields;
}

async function expandVar(p: Process, state: ShellState, name: string, op?: string, arg?: Word): Promise<string> {
  let value: string | undefined;
  if (name === "?") value = String(state.status);
  else if (name === "$") value = "1";
  else if (name === "#") value = String(state.args.length);
  else if (name === "@" || name === "*") value = state.args.join(" ");
  else if (name === "0") value = state.name;
  else if (/^\d+$/.test(name)) value = state.args[Number(name) - 1];
  else if (name === "RANDOM") value = String(Math.floor(Math.random() * 32768));
  else value = state.vars.get(name);
  if (op === "#len") return String((value ?? "").length);
  if (!op) return value ?? "";
  const unsetOrEmpty = op.startsWith(":") ? !value : value === undefined;
  const argText = async (): Promise<string> => (arg ? (await expandWord(p, state, arg, false)).join(" ") : "");
  switch (op.replace(":", "")) {
    case "-":
      return unsetOrEmpty ? argText() : value!;
    case "=":
      if (unsetOrEmpty) state.vars.set(name, await argText());
      return state.vars.get(name) ?? "";
    case "+":
      return unsetOrEmpty ? "" : argText();
    case "?":
      if (unsetOrEmpty) {
        p.stderr(`sh: ${name}: ${(await argText()) || "parameter not set"}\n`);
        throw new Exit(1);
      }
      return value!;
  }
  return value ?? "";
}

/** `$((expr))`: integer arithmetic over shell variables (unset ones are 0). */
function arithmetic(state: ShellState, expr: string): string {
  const substituted = expr.replace(/\$?([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => String(Number(state.vars.get(name) ?? 0) || 0));
  if (!/^[\d\s+\-*/%()<>=!&|]*$/.test(substituted)) throw new ShellSyntaxError(`arithmetic syntax error`);
  const value = Function(`"use strict"; return (${substituted.replace(/\//g, "/") || 0});`)() as number | boolean;
  return String(Math.trunc(Number(value)));
}
