import type { DependencyContainer } from "tsyringe";
import { extensionPoint } from "../plugins/extension-point.js";

/** What a node command runs with: `argv[0]` is the program name it was registered under. */
export interface NodeCommandContext {
  readonly nodeName: string;
  /** The node's DI scope (its runtime, network namespaces, files). */
  readonly scope: DependencyContainer;
  readonly argv: readonly string[];
  readonly stdin?: string;
}

/** What a node command printed, as a shell shows it. */
export interface NodeCommandResult {
  readonly stdout: string;
  readonly stderr?: string;
  readonly exitCode: number;
}

/** A program on a node's shell (`ip`, `iptables-save`, `crictl`, `ps`, ...), run by `kubesim node exec <node> -- <argv>`. */
export type NodeCommand = (ctx: NodeCommandContext) => Promise<NodeCommandResult> | NodeCommandResult;

/** Node shell programs, keyed by program name; the node shell refuses unknown names as bash does (`<name>: command not found`, 127). */
export const NodeCommands = extensionPoint<NodeCommand>("node-commands", "a program on the node shell (kubesim node exec)");
