import type { NodeCommand, NodeCommandResult } from "../../core/cluster/node-commands.js";
import { NodeName } from "../../core/cluster/node-spec.js";
import { Clock } from "../../core/clock/clock.js";
import { sameSubnet } from "./felix.js";
import { DEFAULT_POOL } from "./manifest.js";
import type { CalicoNetwork } from "./network.js";
import { BIRD_BANNER, birdShowProtocols, birdShowRoute, calicoctlGetIppool, calicoctlIpamShow, calicoctlNodeStatus } from "./views.js";

const ok = (stdout: string): NodeCommandResult => ({ stdout, exitCode: 0 });
const fail = (stderr: string, exitCode = 1): NodeCommandResult => ({ stdout: "", stderr: stderr.endsWith("\n") ? stderr : stderr + "\n", exitCode });

/** `birdc`/`birdcl [-s sock] show protocols|route`, answered by the node's BIRD. */
export function birdc(network: CalicoNetwork): NodeCommand {
  return (ctx) => {
    const node = ctx.scope.resolve<string>(NodeName);
    const now = ctx.scope.resolve<Clock>(Clock).now();
    const args = [...ctx.argv.slice(1)];
    const s = args.indexOf("-s");
    if (s >= 0) args.splice(s, 2);
    const speaker = network.nodes.get(node)?.speaker;
    if (!speaker) return fail("Unable to connect to server control socket (/var/run/calico/bird.ctl): No such file or directory");
    const cmd = args.join(" ");
    if (/^show\s+protocols?$/.test(cmd)) return ok(birdShowProtocols(speaker, now));
    if (/^show\s+route$/.test(cmd)) {
      const root = network.nodes.get(node)!.felix.root;
      return ok(birdShowRoute(speaker, now, (nh) => (network.settings.ipipMode === "Always" || (network.settings.ipipMode === "CrossSubnet" && !sameSubnet(root, nh)) ? "tunl0" : "eth0")));
    }
    return fail(`${BIRD_BANNER}\nkubesim's birdc answers: show protocols, show route (not: ${cmd || "(nothing)"})`);
  };
}

/** `calicoctl node status`, `calicoctl get ippool [-o wide]`, `calicoctl ipam show [--show-blocks]`. */
export function calicoctl(network: CalicoNetwork): NodeCommand {
  return (ctx) => {
    const node = ctx.scope.resolve<string>(NodeName);
    const now = ctx.scope.resolve<Clock>(Clock).now();
    const args = ctx.argv.slice(1);
    const [a, b] = args;
    if (a === "node" && b === "status") return ok(calicoctlNodeStatus(network.nodes.get(node)?.speaker, now));
    if (a === "get" && (b === "ippool" || b === "ippools" || b === "ipPool")) return ok(calicoctlGetIppool(DEFAULT_POOL, network.ipam));
    if (a === "ipam" && b === "show") return ok(calicoctlIpamShow(network.ipam, args.includes("--show-blocks")));
    return fail(`Invalid option: 'calicoctl ${args.join(" ")}'.\n\nUsage:\n  calicoctl [options] <command> [<args>...]\n`);
  };
}

