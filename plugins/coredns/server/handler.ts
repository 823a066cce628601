import type { Answer, Question } from "dns-packet";
import type { Clock } from "../../../core/clock/clock.js";
import type { Random } from "../../../core/clock/random.js";
import type { ObjectLike } from "../../../core/api/object.js";
import type { EventHandlerRegistration, ResourceEventHandler } from "../../../core/informers/event-handler.js";
import { extensionPoint } from "../../../core/plugins/extension-point.js";
import type { Directive, DirectiveReader } from "../corefile/parse.js";
import type { DnsMetrics } from "./metrics.js";

/** DNS response codes (RFC 1035, 6895). */
export const Rcode = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export const RCODE_NAMES: Readonly<Record<number, string>> = { 0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED" };

/**
 * One query as a plugin sees it. `name` is the question's name normalised (lower case, fully
 * qualified); `question` keeps the case the client wrote, which answers echo. A plugin that
 * changes the query (rewrite) hands `next` a copy with other fields.
 */
export interface DnsRequest {
  readonly id: number;
  readonly question: Question;
  /** Lower case, with the trailing dot. */
  readonly name: string;
  /** `A`, `AAAA`, `SRV`, ... (a number's text for types dns-packet does not name). */
  readonly type: string;
  readonly recursionDesired: boolean;
  readonly protocol: "udp" | "tcp";
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The client's EDNS0 (OPT) record, when it sent one. */
  readonly edns?: { readonly udpPayloadSize: number; readonly dnssecOk: boolean };
  /** Size of the query on the wire, in bytes. */
  readonly size: number;
  /** The zone of the server block that took the query (`.`, `cluster.local.`). */
  readonly serverZone: string;
  /** `dns://:53` — the server's address as CoreDNS labels metrics. */
  readonly server: string;
  /** Monotonic start (cluster clock, ms). */
  readonly start: number;
}

/** A plugin's answer. Names are written as answers should carry them (the question's case). */
export interface DnsReply {
  rcode: number;
  authoritative?: boolean;
  recursionAvailable?: boolean;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
  /** The plugin that produced the reply (the `plugin` label of coredns_dns_responses_total). */
  plugin?: string;
  /** The question to echo, when a plugin answered a rewritten one. */
  question?: Question;
}

/**
 * A link of a server block's chain, as CoreDNS's `plugin.Handler`: answer, or hand the request to
 * the next handler (fall-through is explicit). A handler never throws for an expected outcome
 * (NXDOMAIN, REFUSED are replies); a throw becomes SERVFAIL, logged by `errors`.
 */
export interface DnsHandler {
  readonly name: string;
  /**
   * Declares that whenever this handler returns the very reply object `next` returned, it did
   * nothing else for that query (no log line, counter, state change). Links in front of a plugin
   * that leases packed replies (cache) must all be passive for the server to answer repeats from
   * bytes without running the chain (see ttl-shifted-replies.ts).
   */
  readonly passive?: boolean;
  serveDNS(request: DnsRequest): Promise<DnsReply>;
}

/**
 * What DNS plugins read the cluster through: the shared informers' subset the kubernetes plugin
 * uses (the cluster's informer factory, or a replica fed from it in a host-port worker).
 */
export interface DnsInformers {
  /** `isStopped`: whether the informer has stopped (the cluster shutting down); no handler may be added then. */
  forResource<T extends ObjectLike>(kind: string): { addEventHandler(handler: ResourceEventHandler<T>): EventHandlerRegistration; isStopped?(): boolean };
  all(): readonly { isStarted(): boolean }[];
  start(): void;
}

/** Writes lines to the server's log (the container's stdout): `[INFO] ...`, `[ERROR] ...`. */
export type DnsLog = (level: "INFO" | "WARNING" | "ERROR" | "FATAL", text: string) => void;

/** A DNS exchange with an upstream server (what forward uses). Rejects on timeout or error. */
export interface DnsTransport {
  exchange(query: Uint8Array, address: string, port: number, options: { protocol: "udp" | "tcp"; timeoutMs: number }): Promise<Uint8Array>;
}

/** What an HTTP endpoint answers. */
export interface HttpEndpointResponse {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
}

/** An HTTP endpoint a plugin serves (health on :8080, ready on :8181, metrics on :9153). */
export interface HttpEndpoint {
  readonly port: number;
  readonly path: string;
  handle(): HttpEndpointResponse | Promise<HttpEndpointResponse>;
}

/** Where a server runs: its clock, files, log, the cluster it reads, and how it reaches others. */
export interface DnsEnvironment {
  readonly clock: Clock;
  readonly random: Random;
  readonly log: DnsLog;
  /** Reads a file of the server's filesystem (`/etc/resolv.conf`, `/etc/hosts`, the Corefile). */
  readFile(path: string): string | undefined;
  /** The cluster's informers (the kubernetes plugin's source); absent where no cluster is reachable. */
  readonly informers?: DnsInformers;
  readonly transport: DnsTransport;
  /** Stops the process with an error (loop detection does). */
  fatal(message: string): void;
  readonly hostname: string;
  /** Where the Corefile was read from (the reload plugin polls it). */
  readonly corefilePath?: string;
}

/** What a plugin's setup gets for one directive of one server block. */
export interface DnsPluginSetup {
  readonly directive: Directive;
  /** Reads the directive's arguments with errors naming the line and plugin. */
  readonly reader: DirectiveReader;
  /** The server block's zones (fully qualified) and port. */
  readonly zones: readonly string[];
  readonly port: number;
  readonly env: DnsEnvironment;
  readonly metrics: DnsMetrics;
  /** Serves an HTTP endpoint; endpoints on one port share a listener. */
  serveHttp(endpoint: HttpEndpoint): void;
  /** Plugins that report readiness and are not ready yet (what `ready` checks). */
  notReady(): string[];
  /** Resolves a name through this server (its own chain), as a plugin's upstream lookups do. */
  lookup(name: string, type: string): Promise<DnsReply>;
  /** Loads a new Corefile into this server (what reload does); rejects and keeps the old one on error. */
  reload(text: string): Promise<void>;
  /** The Corefile text this server was loaded from. */
  readonly corefile: string;
}

/** A configured plugin: its handler factory (`next` → handler) and optional lifecycle hooks. */
export interface DnsPluginInstance {
  /** Links the plugin into the chain; plugins that only serve side endpoints (health) omit it. */
  handler?(next: DnsHandler): DnsHandler;
  /** Reports readiness (ready plugin); omitted = always ready. */
  ready?(): boolean;
  /** Runs once the server is set up (and on every reload). */
  startup?(): void | Promise<void>;
  /** Runs when the server stops or is replaced by a reload. */
  shutdown?(): void | Promise<void>;
  /** How long the process keeps serving after it is told to stop (health's lameduck), in ms. */
  lameduckMs?: number;
}

/**
 * A DNS plugin: a directive name and a setup that parses its directive. Register one with
 * `ctx.contribute(DnsPlugins, name, def)`; `position` places it in the plugin order (CoreDNS's
 * plugin.cfg) relative to a built-in, by default just before `forward`.
 */
export interface DnsPluginDefinition {
  readonly name: string;
  readonly position?: { readonly before: string } | { readonly after: string };
  /** May appear more than once in a server block (rewrite, template, log); each use is its own link. */
  readonly repeatable?: boolean;
  setup(setup: DnsPluginSetup): DnsPluginInstance;
}

/** Third-party DNS plugins that join every CoreDNS server's chain when a Corefile names them. */
export const DnsPlugins = extensionPoint<DnsPluginDefinition>("coredns-plugins", "a CoreDNS plugin: a Corefile directive and its handler");

/** An empty reply with `rcode`. */
export function reply(rcode: number, plugin?: string): DnsReply {
  return { rcode, answers: [], authorities: [], additionals: [], ...(plugin ? { plugin } : {}) };
}
