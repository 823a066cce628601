import { parseRule, splitWords, RuleSyntaxError, type Rule, type RuleContext, type Target } from "./rule.js";
import { detachedString, shareRule, sharedRule } from "./shared-rules.js";

export type TableName = "raw" | "mangle" | "nat" | "filter";
export type Hook = "PREROUTING" | "INPUT" | "FORWARD" | "OUTPUT" | "POSTROUTING";

/** The built-in chains of each table (the hooks it attaches to). */
export const BUILTIN_CHAINS: Record<TableName, readonly Hook[]> = {
  raw: ["PREROUTING", "OUTPUT"],
  mangle: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
  nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
  filter: ["INPUT", "FORWARD", "OUTPUT"],
};

/** The order tables are traversed at each hook (raw, mangle, nat, filter). */
export const TABLE_ORDER: readonly TableName[] = ["raw", "mangle", "nat", "filter"];

export interface Chain {
  readonly name: string;
  /** ACCEPT/DROP for built-in chains; undefined for user chains. */
  policy?: "ACCEPT" | "DROP";
  rules: Rule[];
  packets: number;
  bytes: number;
}

/** What a table's traversal decided. */
export interface Verdict {
  readonly verdict: "ACCEPT" | "DROP" | "REJECT";
  /** The terminating or NAT/MARK rule texts that matched, in order (jumps included). */
  readonly matched: string[];
  /** How many rules were evaluated. */
  readonly evaluated: number;
  readonly rejectWith?: string;
  readonly nat?: Extract<Target, { kind: "DNAT" | "SNAT" | "MASQUERADE" }>;
}

export class IptablesError extends Error {
  override readonly name = "IptablesError";
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/**
 * One namespace's netfilter: four tables of chains of compiled rules. Rules are evaluated in order
 * (linearly, as the kernel's x_tables do); user chains are jumped to and returned from. Written to
 * with `restore` (iptables-restore's format, how kube-proxy and CNI plugins program it) or the
 * single-rule operations of the `iptables` command; read back with {@link save}.
 */
export class Netfilter {
  private readonly tables = new Map<TableName, Map<string, Chain>>();
  /** Bumped on every change, so callers can cache derived data. */
  generation = 0;

  constructor() {
    for (const t of TABLE_ORDER) {
      const chains = new Map<string, Chain>();
      for (const h of BUILTIN_CHAINS[t]) chains.set(h, { name: h, policy: "ACCEPT", rules: [], packets: 0, bytes: 0 });
      this.tables.set(t, chains);
    }
  }

  table(name: TableName): Map<string, Chain> {
    const t = this.tables.get(name);
    if (!t) throw new IptablesError(`iptables v1.8.9 (legacy): can't initialize iptables table \`${name}': Table does not exist (do you need to insmod?)`, 3);
    return t;
  }

  chain(table: TableName, name: string): Chain | undefined {
    return this.table(table).get(name);
  }

  /** `iptables -N`: creates a user chain (error if it exists). */
  newChain(table: TableName, name: string): void {
    const t = this.table(table);
    if (t.has(name)) throw new IptablesError("iptables: Chain already exists.");
    t.set(name, { name, rules: [], packets: 0, bytes: 0 });
    this.generation++;
  }

  /** Creates the chain if missing (what `:CHAIN - [0:0]` in a restore does), then flushes it. */
  ensureFlushed(table: TableName, name: string): Chain {
    const t = this.table(table);
    let c = t.get(name);
    if (!c) t.set(name, (c = { name, rules: [], packets: 0, bytes: 0 }));
    c.rules = [];
    this.generation++;
    return c;
  }

  /** `iptables -X`: deletes an empty, unreferenced user chain. */
  deleteChain(table: TableName, name: string): void {
    const t = this.table(table);
    const c = t.get(name);
    if (!c) throw new IptablesError("iptables: No chain/target/match by that name.");
    if (c.policy) throw new IptablesError("iptables: Can't delete built-in chain.");
    for (const other of t.values()) if (other.rules.some((r) => (r.target.kind === "jump" || r.target.kind === "goto") && r.target.chain === name)) throw new IptablesError("iptables: Too many links.");
    t.delete(name);
    this.generation++;
  }

  /** `iptables -A` / `-I`: appends (or inserts at 1-based `position`) a rule given as words. */
  addRule(table: TableName, chain: string, words: readonly string[], position?: number): Rule {
    const c = this.chain(table, chain);
    if (!c) throw new IptablesError("iptables: No chain/target/match by that name.");
    const rule = this.compile(table, chain, words);
    // A new array of the exact size (a pushed-to array keeps room for 16 more on every node).
    c.rules = c.rules.toSpliced(position === undefined ? c.rules.length : Math.max(0, position - 1), 0, rule);
    this.generation++;
    return rule;
  }

  /** `iptables -C chain rule-spec`: is there a rule with the same text? */
  hasRule(table: TableName, chain: string, words: readonly string[]): boolean {
    const c = this.chain(table, chain);
    if (!c) throw new IptablesError("iptables: No chain/target/match by that name.");
    const text = this.compile(table, chain, words).text;
    return c.rules.some((r) => r.text === text);
  }

  /** `iptables -D chain rule-spec`: deletes the first rule with the same text. */
  deleteRule(table: TableName, chain: string, words: readonly string[]): void {
    const c = this.chain(table, chain);
    if (!c) throw new IptablesError("iptables: No chain/target/match by that name.");
    const text = this.compile(table, chain, words).text;
    const i = c.rules.findIndex((r) => r.text === text);
    if (i < 0) throw new IptablesError("iptables: Bad rule (does a matching rule exist in that chain?).");
    c.rules.splice(i, 1);
    this.generation++;
  }

  /** `iptables -F [chain]`. */
  flush(table: TableName, chain?: string): void {
    for (const c of this.table(table).values()) if (!chain || c.name === chain) c.rules = [];
    this.generation++;
  }

  /** `iptables -P`. */
  setPolicy(table: TableName, chain: string, policy: "ACCEPT" | "DROP"): void {
    const c = this.chain(table, chain);
    if (!c?.policy) throw new IptablesError("iptables: Bad built-in chain name.");
    c.policy = policy;
    this.generation++;
  }

  /** Parses a rule for `table` (its parts shared with equal rules elsewhere, {@link shareRule}), refusing what iptables refuses. */
  private compile(table: TableName, chain: string, words: readonly string[]): Rule {
    let rule: Rule;
    try {
      rule = parseRule(chain, words);
    } catch (err) {
      if (err instanceof RuleSyntaxError) throw new IptablesError(`iptables v1.8.9 (legacy): ${err.message}\nTry \`iptables -h' or 'iptables --help' for more information.`, 2);
      throw err;
    }
    this.check(table, rule);
    return shareRule(rule);
  }

  /** What iptables refuses of a parsed rule in `table`: a jump to a chain it lacks, a NAT target outside nat. */
  private check(table: TableName, rule: Rule): void {
    const t = rule.target;
    if ((t.kind === "jump" || t.kind === "goto") && t.chain && !this.table(table).has(t.chain)) throw new IptablesError(`iptables v1.8.9 (legacy): Couldn't load target \`${t.chain}':No such file or directory`, 2);
    if ((t.kind === "DNAT" || t.kind === "SNAT" || t.kind === "MASQUERADE") && table !== "nat") throw new IptablesError(`iptables v1.8.9 (legacy): ${t.kind} target is only valid in the nat table`, 2);
  }

  /**
   * Applies iptables-restore input. With `noflush` (kube-proxy's `--noflush`), only the chains
   * declared with `:NAME` lines are flushed; without it every chain of each table named is. A table
   * is applied only at its COMMIT, atomically: an error leaves it unchanged.
   */
  restore(input: string, options: { noflush?: boolean } = {}): void {
    let table: TableName | undefined;
    let pending: string[] = [];
    let lineNo = 0;
    for (const raw of input.split("\n")) {
      lineNo++;
      const line = raw.trim();
      if (!line || line.startsWith("#")) continue;
      if (line.startsWith("*")) {
        table = line.slice(1) as TableName;
        this.table(table);
        pending = [];
      } else if (line === "COMMIT") {
        if (!table) throw new IptablesError(`iptables-restore: COMMIT outside a table on line ${lineNo}`);
        this.commit(table, pending, !options.noflush);
        table = undefined;
      } else {
        if (!table) throw new IptablesError(`iptables-restore: line ${lineNo} failed: no table`);
        pending.push(line);
      }
    }
    if (table) throw new IptablesError("iptables-restore: unexpected end of input: COMMIT missing");
  }

  /**
   * Applies one table's restore lines in place, keeping the chains it replaces in an undo log: an
   * error puts them back, so the table changes atomically or not at all. Only the chains the input
   * declares, appends to or deletes are touched, so a restore costs what it writes, not the size of
   * the table (kube-proxy's partial syncs on nodes with thousands of chains).
   */
  private commit(table: TableName, lines: readonly string[], flushAll: boolean): void {
    const t = this.table(table);
    /** The chains as they were before this commit (undefined: did not exist). */
    const undo = new Map<string, Chain | undefined>();
    const replace = (name: string, chain: Chain | undefined): void => {
      if (!undo.has(name)) undo.set(name, t.get(name));
      if (chain) t.set(name, chain);
      else t.delete(name);
    };
    /** The chain, copied once before this commit first changes it. */
    const writable = (name: string): Chain | undefined => {
      const c = t.get(name);
      if (!c || undo.has(name)) return c;
      const copy = { ...c, rules: [...c.rules] };
      replace(name, copy);
      return copy;
    };
    if (flushAll) for (const [name, c] of [...t]) replace(name, { ...c, rules: [] });
    for (const line of lines) {
      if (!line.startsWith(":")) continue;
      const [given, policy] = line.slice(1).split(/\s+/);
      const c = t.get(given!);
      // A new chain's name is kept as a string of its own, not a piece of the input.
      const name = c?.name ?? detachedString(given!);
      replace(name, c ? { ...c, rules: [], ...(policy === "ACCEPT" || policy === "DROP" ? { policy } : {}) } : { name, rules: [], packets: 0, bytes: 0 });
    }
    const deleted = new Set<string>();
    try {
      for (const line of lines) {
        if (line.startsWith(":")) continue;
        // A line in iptables-save's form that some namespace compiled already (kube-proxy rewrites
        // mostly the same lines every sync, on every node) is not parsed again.
        const append = line.startsWith("-A ");
        const known = append ? sharedRule(line) : line.startsWith("-I ") ? sharedRule(`-A${line.slice(2)}`) : undefined;
        if (known) {
          const c = writable(known.chain);
          if (!c) throw new IptablesError(`iptables-restore: line failed: ${line}: chain ${known.chain} does not exist`);
          this.check(table, known);
          if (append) c.rules.push(known);
          else c.rules.unshift(known);
          continue;
        }
        const words = splitWords(line);
        const op = words[0];
        if (op === "-A" || op === "-I") {
          const chain = words[1]!;
          const c = writable(chain);
          if (!c) throw new IptablesError(`iptables-restore: line failed: ${line}: chain ${chain} does not exist`);
          const rule = this.compile(table, chain, words.slice(2));
          if (op === "-A") c.rules.push(rule);
          else c.rules.unshift(rule);
        } else if (op === "-X") {
          const name = words[1]!;
          if (t.get(name)?.policy) throw new IptablesError(`iptables-restore: can't delete built-in chain ${name}`);
          replace(name, undefined);
          deleted.add(name);
        } else if (op === "-F") {
          for (const name of [...t.keys()]) if (!words[1] || name === words[1]) writable(name)!.rules = [];
        } else throw new IptablesError(`iptables-restore: unknown command in line: ${line}`);
      }
      // Every jump must lead somewhere: those written here, and after a -X every rule's.
      for (const c of deleted.size ? t.values() : [...undo.keys()].map((n) => t.get(n)))
        for (const r of c?.rules ?? [])
          if ((r.target.kind === "jump" || r.target.kind === "goto") && r.target.chain && !t.has(r.target.chain)) throw new IptablesError(`iptables-restore: Couldn't load target \`${r.target.chain}'`);
    } catch (err) {
      for (const [name, c] of undo) {
        if (c) t.set(name, c);
        else t.delete(name);
      }
      throw err;
    }
    // The chains written keep arrays of their exact size (pushing left room for more on every node).
    for (const name of undo.keys()) {
      const c = t.get(name);
      if (c && c.rules.length) c.rules = c.rules.slice();
    }
    this.generation++;
  }

  /**
   * Traverses `table`'s built-in chain `hook` for one packet: rules in order, user chains by jump
   * (RETURN pops back), the first terminal target decides, the policy otherwise. MARK applies to
   * the packet and continues. Counters are updated.
   */
  evaluate(table: TableName, hook: Hook, ctx: RuleContext): Verdict {
    const t = this.tables.get(table)!;
    const builtin = t.get(hook);
    const matched: string[] = [];
    const state = { evaluated: 0 };
    if (!builtin) return { verdict: "ACCEPT", matched, evaluated: 0 };
    builtin.packets++;
    builtin.bytes += ctx.pkt.size;
    const r = this.walkChain(t, builtin, ctx, matched, state, 0);
    if (r === "continue" || r === "return") return { verdict: builtin.policy ?? "ACCEPT", matched, evaluated: state.evaluated };
    return { ...r, matched, evaluated: state.evaluated };
  }

  private walkChain(
    t: Map<string, Chain>,
    chain: Chain,
    ctx: RuleContext,
    matched: string[],
    state: { evaluated: number },
    depth: number,
  ): "continue" | "return" | Omit<Verdict, "matched" | "evaluated"> {
    if (depth > 64) return { verdict: "DROP" };
    for (const rule of chain.rules) {
      state.evaluated++;
      let ok = true;
      for (const m of rule.matches)
        if (!m.test(ctx)) {
          ok = false;
          break;
        }
      if (!ok) continue;
      rule.packets++;
      rule.bytes += ctx.pkt.size;
      const target = rule.target;
      switch (target.kind) {
        case "jump":
        case "goto": {
          if (!target.chain) continue;
          matched.push(rule.text);
          const next = t.get(target.chain);
          if (!next) continue;
          const r = this.walkChain(t, next, ctx, matched, state, depth + 1);
          if (r === "continue" || r === "return") {
            if (target.kind === "goto") return "return";
            continue;
          }
          return r;
        }
        case "RETURN":
          matched.push(rule.text);
          return "return";
        case "MARK":
          matched.push(rule.text);
          ctx.pkt.mark = ((ctx.pkt.mark & ~target.mask) ^ target.value) >>> 0;
          continue;
        case "NOTRACK":
        case "LOG":
          matched.push(rule.text);
          continue;
        case "ACCEPT":
        case "DROP":
          matched.push(rule.text);
          return { verdict: target.kind };
        case "REJECT":
          matched.push(rule.text);
          return { verdict: "REJECT", rejectWith: target.rejectWith };
        case "DNAT":
        case "SNAT":
        case "MASQUERADE":
          matched.push(rule.text);
          return { verdict: "ACCEPT", nat: target };
      }
    }
    return chain.policy ? "continue" : "return";
  }

  /** Total rules in a table (for benchmarks and traces). */
  ruleCount(table: TableName): number {
    let n = 0;
    for (const c of this.table(table).values()) n += c.rules.length;
    return n;
  }

  /** Table names in iptables-save's order (raw, mangle, nat, filter) that have any user chain or rule. */
  tableNames(): TableName[] {
    return TABLE_ORDER.filter((t) => [...this.table(t).values()].some((c) => !c.policy || c.rules.length > 0));
  }
}
