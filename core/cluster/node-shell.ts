import type { DependencyContainer } from "tsyringe";
import type { ExtensionPoint } from "../plugins/extension-point.js";
import type { NodeCommand, NodeCommandResult } from "./node-commands.js";

/**
 * Runs `argv` on a node's shell: the program registered under `argv[0]` (a path's basename, so
 * `/usr/sbin/iptables-save` works), or bash's "command not found" (exit 127). A program that
 * throws exits 1 with the message on stderr.
 */
export async function runNodeCommand(commands: ExtensionPoint<NodeCommand>, node: { name: string; scope: DependencyContainer }, argv: readonly string[], stdin?: string): Promise<NodeCommandResult> {
  if (argv.length === 0) return { stdout: "", stderr: "kubesim node exec: no command given\n", exitCode: 2 };
  const name = argv[0]!.split("/").pop()!;
  const program = commands.get(name);
  if (!program) return { stdout: "", stderr: `bash: ${argv[0]}: command not found\n`, exitCode: 127 };
  try {
    return await program({ nodeName: node.name, scope: node.scope, argv: [name, ...argv.slice(1)], ...(stdin !== undefined ? { stdin } : {}) });
  } catch (err) {
    return { stdout: "", stderr: `${name}: ${err instanceof Error ? err.message : String(err)}\n`, exitCode: 1 };
  }
}
