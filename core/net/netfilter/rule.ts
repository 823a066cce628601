import { ipv4ToUint32, parseIpv4Cidr, prefixMask, uint32ToIpv4 } from "../ipv4.js";
import type { Packet } from "../packet.js";

/** Conntrack states as `-m conntrack --ctstate` names them. */
export type CtState = "NEW" | "ESTABLISHED" | "RELATED" | "INVALID" | "UNTRACKED";

/** What a rule's matches see of the packet being evaluated. */
export interface RuleContext {
  readonly pkt: Packet;
  readonly inDev?: string;
  readonly outDev?: string;
  readonly ctState: CtState;
  readonly now: number;
  /** Is `ip` an address of this namespace (`-m addrtype --dst-type LOCAL`)? */
  isLocal(ip: number): boolean;
  /** A uniform float in [0, 1) (`-m statistic --mode random`). */
  random(): number;
  /** The `recent` module's lists (per namespace). */
  readonly recent: RecentLists;
  /** ipset membership (`-m set --match-set NAME dst,dst`). */
  inSet(name: string, pkt: Packet, flags: readonly ("src" | "dst")[]): boolean;
}

/** `xt_recent`'s address lists: name → address → last-seen times. */
export class RecentLists {
  private readonly lists = new Map<string, Map<number, number>>();

  set(name: string, ip: number, now: number): void {
    let list = this.lists.get(name);
    if (!list) this.lists.set(name, (list = new Map()));
    list.set(ip, now);
  }

  /** Seen within `seconds` (any time when undefined); `reap` forgets older entries. */
  check(name: string, ip: number, now: number, seconds: number | undefined, reap: boolean): boolean {
    const list = this.lists.get(name);
    const seen = list?.get(ip);
    if (seen === undefined) return false;
    if (seconds !== undefined && now - seen > seconds * 1000) {
      if (reap) list!.delete(ip);
      return false;
    }
    return true;
  }

  remove(name: string, ip: number): void {
    this.lists.get(name)?.delete(ip);
  }
}

/** A compiled match: its iptables-save text and the test. */
export interface Match {
  readonly text: string;
  test(ctx: RuleContext): boolean;
}

/** Terminal and non-terminal targets. `jump`/`goto` name a user chain. */
export type Target =
  | { kind: "ACCEPT" | "DROP" | "RETURN" }
  | { kind: "REJECT"; rejectWith: string }
  | { kind: "jump" | "goto"; chain: string }
  | { kind: "DNAT"; ip: number; port?: number }
  | { kind: "SNAT"; ip: number; port?: number }
  | { kind: "MASQUERADE"; randomFully: boolean }
  | { kind: "MARK"; value: number; mask: number }
  | { kind: "NOTRACK" | "LOG" };

/** One rule of a chain: compiled matches, a target, and its `iptables-save` line. */
export interface Rule {
  readonly chain: string;
  readonly matches: readonly Match[];
  readonly target: Target;
  /** `-A CHAIN ...` exactly as iptables-save prints it. */
  readonly text: string;
  packets: number;
  bytes: number;
}

export class RuleSyntaxError extends Error {
  override readonly name = "RuleSyntaxError";
}

/**
 * Splits an iptables command line into words, honouring double quotes and backslash escapes
 * (`--comment "a b"`, `--comment="a b"` and `a"b"` are one word each).
 */
export function splitWords(line: string): string[] {
  const out: string[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    let c = line.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
      continue;
    }
    let word = "";
    let start = i;
    while (i < n) {
      c = line.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) break;
      if (c !== 34) {
        i++;
        continue;
      }
      // A quoted piece: up to the closing quote; a backslash escapes the next character.
      word += line.slice(start, i);
      i++;
      let closed = false;
      while (i < n) {
        const quote = line.indexOf('"', i);
        const escape = line.indexOf("\\", i);
        if (quote < 0) break;
        if (escape >= 0 && escape < quote) {
          word += line.slice(i, escape) + (line[escape + 1] ?? "");
          i = escape + 2;
          continue;
        }
        word += line.slice(i, quote);
        i = quote + 1;
        closed = true;
        break;
      }
      if (!closed) throw new RuleSyntaxError(`unterminated quoted string in: ${line}`);
      start = i;
    }
    out.push(word + line.slice(start, i));
  }
  return out;
}

/** libxtables' `xtables_save_string`: bare when only [_-0-9A-Za-z], otherwise double-quoted. */
export function saveString(value: string): string {
  return /^[_\-0-9A-Za-z]+$/.test(value) ? value : `"${value.replace(/(["\\'])/g, "\\$1")}"`;
}

const FLAG_OPTIONS = new Set(["--rcheck", "--set", "--update", "--remove", "--reap", "--rsource", "--rdest", "--random-fully", "--random", "--persistent"]);
const BUILTIN_TARGETS = new Set(["ACCEPT", "DROP", "RETURN", "REJECT", "DNAT", "SNAT", "MASQUERADE", "MARK", "NOTRACK", "LOG", "CT"]);

function hex(n: number): string {
  return "0x" + (n >>> 0).toString(16);
}

function parseCidrArg(v: string): { network: number; prefix: number; text: string } {
  try {
    const { network, prefix } = v.includes("/") ? parseIpv4Cidr(v) : { network: ipv4ToUint32(v), prefix: 32 };
    return { network, prefix, text: `${uint32ToIpv4(network)}/${prefix}` };
  } catch {
    throw new RuleSyntaxError(`host/network \`${v}' not found`);
  }
}

function parseMark(v: string): { value: number; mask: number } {
  const [a, b] = v.split("/");
  const value = Number(a);
  const mask = b === undefined ? 0xffffffff : Number(b);
  if (!Number.isFinite(value) || !Number.isFinite(mask)) throw new RuleSyntaxError(`Bad MARK value \`${v}'`);
  return { value: value >>> 0, mask: mask >>> 0 };
}

function parsePortRange(v: string): [number, number] {
  const [a, b] = v.split(":");
  const lo = Number(a);
  const hi = b === undefined ? lo : Number(b);
  if (!Number.isInteger(lo) || !Number.isInteger(hi)) throw new RuleSyntaxError(`invalid port/service \`${v}' specified`);
  return [lo, hi];
}

/** The kernel keeps `--probability` as a 31-bit fraction; iptables-save prints it back with %.11f. */
export function kernelProbability(p: number): string {
  const stored = Math.round(0x80000000 * p);
  return (stored / 0x80000000).toFixed(11);
}

interface ModuleOption {
  name: string;
  value?: string;
  negate: boolean;
}

function findOption(opts: readonly ModuleOption[], name: string): ModuleOption | undefined {
  for (const o of opts) if (o.name === name) return o;
  return undefined;
}

function neg(o: ModuleOption): string {
  return o.negate ? "! " : "";
}

const alwaysTrue = (): boolean => true;

/** Compiles one `-m` module with its options into a Match. */
function compileModule(module: string, opts: ModuleOption[], proto: string | undefined): Match {
  const find = findOption.bind(undefined, opts);
  switch (module) {
    case "comment": {
      const c = find("--comment");
      return { text: `-m comment --comment ${saveString(c?.value ?? "")}`, test: alwaysTrue };
    }
    case "tcp":
    case "udp": {
      const parts: string[] = [`-m ${module}`];
      const tests: ((ctx: RuleContext) => boolean)[] = [];
      if (proto !== module) throw new RuleSyntaxError(`-m ${module} needs -p ${module}`);
      for (const o of opts) {
        if (o.name === "--dport" || o.name === "--destination-port" || o.name === "--sport" || o.name === "--source-port") {
          const [lo, hi] = parsePortRange(o.value ?? "");
          const dst = o.name.startsWith("--d");
          parts.push(`${neg(o)}--${dst ? "dport" : "sport"} ${lo === hi ? lo : `${lo}:${hi}`}`);
          const negate = o.negate;
          tests.push((ctx) => {
            const p = dst ? ctx.pkt.dport : ctx.pkt.sport;
            return (p >= lo && p <= hi) !== negate;
          });
        } else if (o.name === "--tcp-flags" || o.name === "--syn") {
          parts.push(o.name === "--syn" ? "--tcp-flags FIN,SYN,RST,ACK SYN" : `--tcp-flags ${o.value}`);
          tests.push((ctx) => ctx.pkt.flags === "SYN");
        } else throw new RuleSyntaxError(`${module}: unknown option "${o.name}"`);
      }
      return { text: parts.join(" "), test: (ctx) => tests.every((t) => t(ctx)) };
    }
    case "statistic": {
      const mode = find("--mode")?.value;
      const pOpt = find("--probability");
      if (mode !== "random" || !pOpt) throw new RuleSyntaxError("statistic: only --mode random --probability is modelled");
      const p = Number(pOpt.value);
      if (!(p >= 0 && p <= 1)) throw new RuleSyntaxError(`statistic: bad --probability \`${pOpt.value}'`);
      const stored = Math.round(0x80000000 * p) / 0x80000000;
      const negate = pOpt.negate;
      return { text: `-m statistic --mode random ${neg(pOpt)}--probability ${kernelProbability(p)}`, test: (ctx) => ctx.random() < stored !== negate };
    }
    case "mark": {
      const o = find("--mark");
      if (!o?.value) throw new RuleSyntaxError("mark: --mark is required");
      const { value, mask } = parseMark(o.value);
      const negate = o.negate;
      return { text: `-m mark ${neg(o)}--mark ${hex(value)}${mask === 0xffffffff ? "" : "/" + hex(mask)}`, test: (ctx) => (((ctx.pkt.mark & mask) >>> 0) === value) !== negate };
    }
    case "conntrack":
    case "state": {
      const o = find(module === "state" ? "--state" : "--ctstate");
      if (!o?.value) throw new RuleSyntaxError(`${module}: a state list is required`);
      const states = new Set(o.value.split(","));
      const negate = o.negate;
      return { text: `-m ${module} ${neg(o)}--${module === "state" ? "state" : "ctstate"} ${o.value}`, test: (ctx) => states.has(ctx.ctState) !== negate };
    }
    case "addrtype": {
      const parts: string[] = ["-m addrtype"];
      const tests: ((ctx: RuleContext) => boolean)[] = [];
      for (const o of opts) {
        const src = o.name === "--src-type";
        if (!src && o.name !== "--dst-type") throw new RuleSyntaxError(`addrtype: unknown option "${o.name}"`);
        if (o.value !== "LOCAL") throw new RuleSyntaxError(`addrtype: only LOCAL is modelled`);
        parts.push(`${neg(o)}${o.name} LOCAL`);
        const negate = o.negate;
        tests.push((ctx) => ctx.isLocal(src ? ctx.pkt.src : ctx.pkt.dst) !== negate);
      }
      return { text: parts.join(" "), test: (ctx) => tests.every((t) => t(ctx)) };
    }
    case "recent": {
      const name = find("--name")?.value ?? "DEFAULT";
      const mask = find("--mask")?.value ?? "255.255.255.255";
      const seconds = find("--seconds")?.value;
      const reap = !!find("--reap");
      const rdest = !!find("--rdest");
      const action = ["--set", "--rcheck", "--update", "--remove"].find((a) => find(a));
      if (!action) throw new RuleSyntaxError("recent: one of --set, --rcheck, --update, --remove is required");
      const parts = [`-m recent ${action}`];
      if (seconds) parts.push(`--seconds ${seconds}`);
      if (reap) parts.push("--reap");
      parts.push(`--name ${name} --mask ${mask} ${rdest ? "--rdest" : "--rsource"}`);
      const maskN = ipv4ToUint32(mask);
      const secs = seconds === undefined ? undefined : Number(seconds);
      return {
        text: parts.join(" "),
        test: (ctx) => {
          const ip = ((rdest ? ctx.pkt.dst : ctx.pkt.src) & maskN) >>> 0;
          if (action === "--set") {
            ctx.recent.set(name, ip, ctx.now);
            return true;
          }
          if (action === "--remove") {
            const hit = ctx.recent.check(name, ip, ctx.now, undefined, false);
            ctx.recent.remove(name, ip);
            return hit;
          }
          const hit = ctx.recent.check(name, ip, ctx.now, secs, reap);
          if (hit && action === "--update") ctx.recent.set(name, ip, ctx.now);
          return hit;
        },
      };
    }
    case "set": {
      const o = find("--match-set");
      if (!o?.value) throw new RuleSyntaxError("set: --match-set NAME FLAGS is required");
      const [setName, flagText] = o.value.split(" ");
      const flags = (flagText ?? "dst").split(",") as ("src" | "dst")[];
      const negate = o.negate;
      return { text: `-m set ${neg(o)}--match-set ${setName} ${flags.join(",")}`, test: (ctx) => ctx.inSet(setName!, ctx.pkt, flags) !== negate };
    }
    default:
      throw new RuleSyntaxError(`Couldn't load match \`${module}': No such file or directory`);
  }
}

function compileTarget(name: string, opts: Map<string, string | true>): { target: Target; text: string } {
  const get = (k: string): string | undefined => {
    const v = opts.get(k);
    return typeof v === "string" ? v : undefined;
  };
  switch (name) {
    case "ACCEPT":
    case "DROP":
    case "RETURN":
    case "NOTRACK":
    case "LOG":
      return { target: { kind: name }, text: `-j ${name}` };
    case "REJECT": {
      const rejectWith = get("--reject-with") ?? "icmp-port-unreachable";
      return { target: { kind: "REJECT", rejectWith }, text: `-j REJECT --reject-with ${rejectWith}` };
    }
    case "DNAT":
    case "SNAT": {
      const to = get(name === "DNAT" ? "--to-destination" : "--to-source");
      if (!to) throw new RuleSyntaxError(`${name}: --to-${name === "DNAT" ? "destination" : "source"} is required`);
      const [ip, port] = to.split(":");
      let ipN: number;
      try {
        ipN = ipv4ToUint32(ip!);
      } catch {
        throw new RuleSyntaxError(`Bad IP address "${ip}"`);
      }
      return { target: { kind: name, ip: ipN, ...(port ? { port: Number(port) } : {}) }, text: `-j ${name} --to-${name === "DNAT" ? "destination" : "source"} ${to}` };
    }
    case "MASQUERADE": {
      const randomFully = opts.has("--random-fully");
      return { target: { kind: "MASQUERADE", randomFully }, text: `-j MASQUERADE${randomFully ? " --random-fully" : ""}` };
    }
    case "MARK": {
      let value: number;
      let mask: number;
      if (get("--set-xmark") !== undefined) ({ value, mask } = parseMark(get("--set-xmark")!));
      else if (get("--set-mark") !== undefined) ({ value, mask } = parseMark(get("--set-mark")!));
      else if (get("--or-mark") !== undefined) value = mask = parseMark(get("--or-mark")!).value;
      else if (get("--xor-mark") !== undefined) ((value = parseMark(get("--xor-mark")!).value), (mask = 0));
      else if (get("--and-mark") !== undefined) ((value = 0), (mask = ~parseMark(get("--and-mark")!).value >>> 0));
      else throw new RuleSyntaxError("MARK target: Parameter --set/and/or/xor-mark is required");
      return { target: { kind: "MARK", value, mask }, text: `-j MARK --set-xmark ${hex(value)}/${hex(mask)}` };
    }
    default:
      return { target: { kind: "jump", chain: name }, text: `-j ${name}` };
  }
}

/** A generic option (`-s`, `-d`, `-i`, `-o`, `-p`) compiled into its Match. */
function compileGeneric(opt: string, value: string, negate: boolean): Match {
  const n = negate ? "! " : "";
  if (opt === "-s" || opt === "-d") {
    const { network, prefix, text } = parseCidrArg(value);
    const mask = prefixMask(prefix);
    const src = opt === "-s";
    return { text: `${n}${opt} ${text}`, test: (ctx) => (((((src ? ctx.pkt.src : ctx.pkt.dst) & mask) >>> 0) === network) !== negate) };
  }
  if (opt === "-i" || opt === "-o") {
    const wildcard = value.endsWith("+");
    const stem = wildcard ? value.slice(0, -1) : value;
    const input = opt === "-i";
    return {
      text: `${n}${opt} ${value}`,
      test: (ctx) => {
        const dev = input ? ctx.inDev : ctx.outDev;
        const hit = dev !== undefined && (wildcard ? dev.startsWith(stem) : dev === stem);
        return hit !== negate;
      },
    };
  }
  if (value !== "tcp" && value !== "udp" && value !== "icmp" && value !== "all") throw new RuleSyntaxError(`unknown protocol "${value}" specified`);
  return { text: `${n}-p ${value}`, test: (ctx) => (value === "all" || ctx.pkt.proto === value) !== negate };
}

/**
 * Compiled matches and targets, by the words they were compiled from. Both are immutable (a
 * match's state — `recent` lists, counters — lives in the RuleContext and the Rule), so rules
 * with the same words share one: kube-proxy repeats `-m comment --comment "<svc>"`, `-m tcp
 * --dport 80` and `-j KUBE-MARK-MASQ` thousands of times per sync. Cleared when it grows past
 * {@link COMPILED_LIMIT} entries.
 */
const compiledMatches = new Map<string, Match>();
const compiledTargets = new Map<string, { target: Target; text: string }>();
const COMPILED_LIMIT = 200_000;

function remember<T>(cache: Map<string, T>, key: string, value: T): T {
  if (cache.size >= COMPILED_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

interface PendingModule {
  name: string;
  opts: ModuleOption[];
  /** The module's words (and the protocol it depends on), as the cache key. */
  key: string;
}

const GENERIC_ORDER: Record<string, number> = { "-s": 0, "-d": 1, "-i": 2, "-o": 3, "-p": 4 };

/**
 * Parses one rule specification (the words after `-A CHAIN`, as iptables and iptables-restore take
 * them) into a compiled Rule whose `text` is the canonical line iptables-save prints: address,
 * interface and protocol options first, then each `-m` module in order with its options, then the
 * target. Unknown modules and options are refused with iptables' message.
 */
export function parseRule(chain: string, words: readonly string[]): Rule {
  let negateNext = false;
  const generic: { opt: string; value: string; negate: boolean }[] = [];
  const modules: PendingModule[] = [];
  let proto: string | undefined;
  let targetName: string | undefined;
  let gotoChain = false;
  const targetOpts = new Map<string, string | true>();
  let targetKey = "";
  let current: PendingModule | undefined;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === "!") {
      negateNext = true;
      continue;
    }
    if (targetName !== undefined) {
      if (!w.startsWith("--")) throw new RuleSyntaxError(`Bad argument \`${w}'`);
      if (FLAG_OPTIONS.has(w)) {
        targetOpts.set(w, true);
        targetKey += "\u0000" + w;
      } else {
        const value = words[++i] ?? "";
        targetOpts.set(w, value);
        targetKey += "\u0000" + w + "\u0001" + value;
      }
      continue;
    }
    switch (w) {
      case "-s":
      case "--source":
      case "-d":
      case "--destination":
      case "-i":
      case "--in-interface":
      case "-o":
      case "--out-interface":
      case "-p":
      case "--protocol": {
        const value = words[++i];
        if (value === undefined) throw new RuleSyntaxError(`option "${w}" requires an argument`);
        const opt = w.length === 2 ? w : w === "--source" ? "-s" : w === "--destination" ? "-d" : w === "--in-interface" ? "-i" : w === "--out-interface" ? "-o" : "-p";
        if (opt === "-p") proto = value.toLowerCase();
        generic.push({ opt, value: opt === "-p" ? value.toLowerCase() : value, negate: negateNext });
        current = undefined;
        break;
      }
      case "-m":
      case "--match": {
        const name = words[++i];
        if (!name) throw new RuleSyntaxError("-m requires a match name");
        current = { name, opts: [], key: name };
        modules.push(current);
        break;
      }
      case "-j":
      case "--jump":
      case "-g":
      case "--goto":
        targetName = words[++i];
        gotoChain = w === "-g" || w === "--goto";
        if (!targetName) throw new RuleSyntaxError(`${w} requires a target`);
        targetKey = targetName;
        break;
      default: {
        if (!w.startsWith("--")) throw new RuleSyntaxError(`Bad argument \`${w}'`);
        if (!current) {
          // `-p tcp --dport 80`: the protocol's match loads implicitly, as iptables does.
          if ((w === "--dport" || w === "--sport") && (proto === "tcp" || proto === "udp")) {
            current = modules.find((m) => m.name === proto);
            if (!current) modules.push((current = { name: proto, opts: [], key: proto }));
          } else throw new RuleSyntaxError(`unknown option "${w}"`);
        }
        let value: string | undefined;
        if (!FLAG_OPTIONS.has(w)) {
          value = words[++i];
          if (w === "--match-set") value = `${value} ${words[++i] ?? "dst"}`;
        }
        current.opts.push(value !== undefined ? { name: w, value, negate: negateNext } : { name: w, negate: negateNext });
        current.key += (negateNext ? "\u0000!" : "\u0000") + w + (value !== undefined ? "\u0001" + value : "");
      }
    }
    negateNext = false;
  }
  const matches: Match[] = [];
  if (generic.length > 1) generic.sort((a, b) => GENERIC_ORDER[a.opt]! - GENERIC_ORDER[b.opt]!);
  for (const g of generic) {
    const key = g.opt + (g.negate ? "!" : "") + g.value;
    matches.push(compiledMatches.get(key) ?? remember(compiledMatches, key, compileGeneric(g.opt, g.value, g.negate)));
  }
  for (const m of modules) {
    const key = "-m\u0000" + (proto ?? "") + "\u0000" + m.key;
    matches.push(compiledMatches.get(key) ?? remember(compiledMatches, key, compileModule(m.name, m.opts, proto)));
  }
  let target: Target;
  let targetText = "";
  if (targetName === undefined) target = { kind: "jump", chain: "" };
  else if (gotoChain) ((target = { kind: "goto", chain: targetName }), (targetText = `-g ${targetName}`));
  else {
    if (!BUILTIN_TARGETS.has(targetName) && targetOpts.size) throw new RuleSyntaxError(`unknown option "${[...targetOpts.keys()][0]}"`);
    ({ target, text: targetText } = compiledTargets.get(targetKey) ?? remember(compiledTargets, targetKey, compileTarget(targetName, targetOpts)));
  }
  if (gotoChain && targetOpts.size) throw new RuleSyntaxError(`unknown option "${[...targetOpts.keys()][0]}"`);
  let text = "-A " + chain;
  for (const m of matches) text += " " + m.text;
  if (targetText) text += " " + targetText;
  return { chain, matches, target, text, packets: 0, bytes: 0 };
}
