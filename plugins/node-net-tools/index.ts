import { definePlugin } from "../../core/plugins/plugin.js";
import { NodeCommands, type NodeCommand, type NodeCommandContext, type NodeCommandResult } from "../../core/cluster/node-commands.js";
import { NodeName } from "../../core/cluster/node-spec.js";
import { Clock } from "../../core/clock/clock.js";
import { DataPlaneToken, type DataPlane } from "../../core/net/data-plane.js";
import type { NetNamespace } from "../../core/net/netns.js";
import { IptablesError, type TableName } from "../../core/net/netfilter/netfilter.js";
import { ipAddr, ipLink } from "../../core/net/views/ip-link.js";
import { ipRoute, ipRule, routeN } from "../../core/net/views/ip-route.js";
import { ipNeigh } from "../../core/net/views/ip-neigh.js";
import { bridgeFdbShow } from "../../core/net/views/bridge-fdb.js";
import { iptablesListRules, iptablesSave } from "../../core/net/views/iptables-save.js";
import { ipvsadmList } from "../../core/net/views/ipvsadm.js";
import { conntrackList } from "../../core/net/views/conntrack-list.js";

function ok(stdout: string): NodeCommandResult {
  return { stdout, exitCode: 0 };
}

function fail(stderr: string, exitCode = 1): NodeCommandResult {
  return { stdout: "", stderr: stderr.endsWith("\n") ? stderr : stderr + "\n", exitCode };
}

function env(ctx: NodeCommandContext): { root: NetNamespace; now: number } {
  const plane = ctx.scope.resolve<DataPlane>(DataPlaneToken);
  const root = plane.node(ctx.scope.resolve<string>(NodeName));
  if (!root) throw new Error("the node has no network namespace");
  return { root, now: ctx.scope.resolve<Clock>(Clock).now() };
}

/** Strips a leading `show`/`list` and a `dev` keyword: `ip addr show dev eth0` → ["eth0"]. */
function objectArgs(args: string[]): string[] {
  const rest = args[0] === "show" || args[0] === "list" || args[0] === "ls" ? args.slice(1) : args;
  return rest[0] === "dev" ? rest.slice(1) : rest;
}

/** iproute2's `ip`: addr, link (`-d`), route, neigh, rule. */
const ip: NodeCommand = (ctx) => {
  const { root, now } = env(ctx);
  const args = ctx.argv.slice(1).filter((a) => a !== "-4" && a !== "-o");
  let details = false;
  while (args[0]?.startsWith("-")) {
    const flag = args.shift()!;
    if (flag === "-d" || flag === "-details") details = true;
    else return fail(`Option "${flag}" is unknown, try "ip -help".`, 255);
  }
  const [object = "", ...rest] = args;
  const sub = objectArgs(rest);
  if ("address".startsWith(object) && object.length > 0) {
    if (sub[0] && !root.devices.has(sub[0])) return fail(`Device "${sub[0]}" does not exist.`);
    return ok(ipAddr(root, sub[0]));
  }
  if ("link".startsWith(object) && object.length > 0) {
    if (sub[0] && !root.devices.has(sub[0])) return fail(`Device "${sub[0]}" does not exist.`);
    return ok(ipLink(root, { ...(sub[0] ? { dev: sub[0] } : {}), details }));
  }
  if ("route".startsWith(object) && object.length > 0) {
    const t = sub.indexOf("table");
    const table = t >= 0 ? sub[t + 1] : undefined;
    const id = table === undefined ? 254 : table === "local" ? 255 : table === "main" ? 254 : table === "all" ? 254 : Number(table);
    return ok(ipRoute(root, id));
  }
  if (("neighbour".startsWith(object) || "neighbor".startsWith(object)) && object.length > 0) return ok(ipNeigh(root, now, sub[0]));
  if ("rule".startsWith(object) && object.length > 0) return ok(ipRule(root));
  if (!object) return fail(`Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\nwhere  OBJECT := { address | link | neigh | route | rule }`, 255);
  return fail(`Object "${object}" is unknown, try "ip help".`, 255);
};

/** net-tools' `route -n`. */
const route: NodeCommand = (ctx) => ok(routeN(env(ctx).root));

/** iproute2's `bridge fdb show [dev D] [br B]`. */
const bridge: NodeCommand = (ctx) => {
  const { root, now } = env(ctx);
  const [object, ...rest] = ctx.argv.slice(1);
  if (object !== "fdb") return fail(`Object "${object ?? ""}" is unknown, try "bridge help".`, 255);
  const sub = rest[0] === "show" ? rest.slice(1) : rest;
  const filter: { dev?: string; br?: string } = {};
  for (let i = 0; i < sub.length; i++) {
    if (sub[i] === "dev") filter.dev = sub[++i]!;
    else if (sub[i] === "br") filter.br = sub[++i]!;
  }
  return ok(bridgeFdbShow(root, now, filter));
};

function tableOf(argv: readonly string[]): { table: TableName; rest: string[] } {
  const rest = [...argv];
  let table: TableName = "filter";
  const i = rest.findIndex((a) => a === "-t" || a === "--table");
  if (i >= 0) {
    table = rest[i + 1] as TableName;
    rest.splice(i, 2);
  }
  return { table, rest };
}

/** `iptables-save [-t table] [-c]`. */
const iptablesSaveCmd: NodeCommand = (ctx) => {
  const { root, now } = env(ctx);
  const { table, rest } = tableOf(ctx.argv.slice(1));
  const explicit = ctx.argv.includes("-t") || ctx.argv.includes("--table");
  try {
    if (explicit) root.netfilter.table(table);
  } catch (err) {
    return fail((err as Error).message, 1);
  }
  return ok(iptablesSave(root.netfilter, now, { ...(explicit ? { table } : {}), counters: rest.includes("-c") || rest.includes("--counters") }));
};

/** `iptables [-t table] -S|-A|-I|-D|-N|-X|-F|-P ...`. */
const iptables: NodeCommand = (ctx) => {
  const { root } = env(ctx);
  const { table, rest } = tableOf(ctx.argv.slice(1));
  const nf = root.netfilter;
  const [cmd, chain, ...spec] = rest.filter((a) => a !== "-w" && a !== "--wait" && a !== "-n" && a !== "-v");
  try {
    nf.table(table);
    switch (cmd) {
      case "-S":
      case "--list-rules":
        if (chain && !nf.chain(table, chain)) return fail("iptables: No chain/target/match by that name.");
        return ok(iptablesListRules(nf, table, chain));
      case "-A":
      case "--append":
        nf.addRule(table, chain!, spec);
        return ok("");
      case "-I":
      case "--insert": {
        const pos = spec[0] && /^\d+$/.test(spec[0]) ? Number(spec.shift()) : 1;
        nf.addRule(table, chain!, spec, pos);
        return ok("");
      }
      case "-D":
      case "--delete":
        nf.deleteRule(table, chain!, spec);
        return ok("");
      case "-C":
      case "--check": {
        const c = nf.chain(table, chain!);
        const probe = nf.addRule(table, chain!, spec);
        c!.rules.pop();
        return c!.rules.some((r) => r.text === probe.text) ? ok("") : fail("iptables: Bad rule (does a matching rule exist in that chain?).");
      }
      case "-N":
      case "--new-chain":
        nf.newChain(table, chain!);
        return ok("");
      case "-X":
      case "--delete-chain":
        nf.deleteChain(table, chain!);
        return ok("");
      case "-F":
      case "--flush":
        nf.flush(table, chain);
        return ok("");
      case "-P":
      case "--policy":
        nf.setPolicy(table, chain!, spec[0] as "ACCEPT" | "DROP");
        return ok("");
      default:
        return fail(`iptables v1.8.9 (legacy): ${cmd ? `unknown option "${cmd}"` : "no command specified"}\nTry \`iptables -h' or 'iptables --help' for more information.`, 2);
    }
  } catch (err) {
    if (err instanceof IptablesError) return fail(err.message, err.exitCode);
    throw err;
  }
};

/** `ipvsadm -Ln`. */
const ipvsadm: NodeCommand = (ctx) => {
  const { root } = env(ctx);
  const args = ctx.argv.slice(1);
  if (args.length && !args.some((a) => /^-[a-zA-Z]*[Ll]/.test(a) || a === "--list")) return fail(`ipvsadm: only -L [-n] is supported by kubesim's node shell`, 2);
  return ok(ipvsadmList(root.ipvs));
};

/** conntrack-tools' `conntrack -L` (and `-C`, the count). */
const conntrack: NodeCommand = (ctx) => {
  const { root, now } = env(ctx);
  const op = ctx.argv[1];
  if (op === "-C" || op === "--count") return ok(`${root.conntrack.list().length}\n`);
  if (op !== "-L" && op !== "--dump") return fail(`conntrack v1.4.7 (conntrack-tools): only -L and -C are supported by kubesim's node shell`, 2);
  const { stdout, stderr } = conntrackList(root.conntrack, now);
  return { stdout, stderr, exitCode: 0 };
};

/** The node shell's network tools, by program name. */
export const NET_TOOLS: Record<string, NodeCommand> = { ip, route, bridge, "iptables-save": iptablesSaveCmd, iptables, ipvsadm, conntrack };

export default definePlugin({
  name: "node-net-tools",
  description: "network tools on every node's shell (kubesim node exec): ip, route, bridge, iptables, iptables-save, ipvsadm, conntrack",
  setup(ctx) {
    for (const [name, cmd] of Object.entries(NET_TOOLS)) ctx.contribute(NodeCommands, name, cmd);
    return () => {
      for (const name of Object.keys(NET_TOOLS)) ctx.extensions(NodeCommands).withdraw(name);
    };
  },
});
