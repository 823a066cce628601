import { setMaxListeners } from "node:events";
import type { ResourceRegistry } from "../../api/resource-registry.js";
import type { Client } from "../../client/client.js";
import type { Clock } from "../../clock/clock.js";
import type { Random } from "../../clock/random.js";
import type { Logger } from "../../log/logger.js";
import { SharedInformerFactory } from "../../informers/shared-informer-factory.js";
import { allowAllAuthorizer, forbiddenFor, systemMastersAuthorizer, unionAuthorizer, type AuthorizationAttributes, type AuthorizationDecision, type Authorizer } from "../http/authorization.js";
import type { RequestAttributes, RequestCheck } from "../../client/in-process-client.js";
import { DEFAULT_AUTHORIZATION_MODES, type AuthorizationMode } from "./authorization-modes.js";
import { NodeGraph } from "./node/node-graph.js";
import { nodeAuthorizer } from "./node/node-authorizer.js";
import { RbacIndex } from "./rbac/rbac-index.js";
import { rbacAuthorizer } from "./rbac/rbac-authorizer.js";
import { aggregateMessage } from "../admission/admission-forbidden.js";
import { nodeIdentity } from "./node/node-authorizer.js";
import type { ReviewAuthorization, UserRules } from "./reviews/access-reviews.js";
import type { UserInfo } from "../admission.js";

export interface ApiAuthorizationOptions {
  client: Client;
  clock: Clock;
  registry: ResourceRegistry;
  random?: Random;
  log: Logger;
  /** `--authorization-mode` (default Node,RBAC). */
  modes?: readonly AuthorizationMode[];
  /** Authorizers plugins contribute, asked after the modes (as a webhook would be). */
  extra?: () => readonly Authorizer[];
}

const alwaysDeny: Authorizer = { name: "AlwaysDeny", authorize: () => ({ allowed: false, reason: "Everything is forbidden." }) };

/**
 * The API server's authorization: its own informers over RBAC objects, pods, claims and
 * attachments (the RBAC index and the Node graph, kept whatever the modes, as kube-apiserver's
 * RBAC storage always exists), and the authorizer the modes compose — `system:masters` first,
 * then each mode in order, then the contributed ones. With `AlwaysAllow` alone and nothing
 * contributed, every authenticated request is allowed.
 */
export class ApiAuthorization implements ReviewAuthorization {
  readonly modes: readonly AuthorizationMode[];
  readonly rbac: RbacIndex;
  readonly nodeGraph: NodeGraph;
  /** The API server's own informers (started and stopped with the authorization); admission reads its listers from them too. */
  readonly informers: SharedInformerFactory;
  private readonly controller = new AbortController();
  private readonly byMode: Readonly<Record<AuthorizationMode, Authorizer>>;
  /**
   * The Node authorizer's answers without an object name, shared by every kubelet's check: for a
   * named node identity that answer depends only on the request's verb, resource and namespace
   * (a name can only narrow it), not on which node asks, so one cache serves all nodes instead
   * of one per kubelet (~9 KB each).
   */
  private readonly nodeDecisions = new DecisionCache();

  constructor(private readonly options: ApiAuthorizationOptions) {
    this.modes = options.modes ?? DEFAULT_AUTHORIZATION_MODES;
    this.informers = new SharedInformerFactory({ client: options.client, clock: options.clock, registry: options.registry, timerless: true, ...(options.random ? { random: options.random } : {}), logger: options.log });
    this.rbac = new RbacIndex(this.informers);
    this.nodeGraph = new NodeGraph(this.informers);
    this.byMode = { AlwaysAllow: allowAllAuthorizer, AlwaysDeny: alwaysDeny, Node: nodeAuthorizer(this.nodeGraph), RBAC: rbacAuthorizer(this.rbac) };
  }

  /** Starts the informers and waits for their first lists. */
  async start(): Promise<void> {
    // One abort listener per informer (RBAC, the Node graph, admission's listers): by design.
    setMaxListeners(0, this.controller.signal);
    this.informers.start(this.controller.signal);
    await this.informers.waitForCacheSync(this.controller.signal);
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.informers.shutdown();
  }

  /** True when RBAC is one of the modes (escalation checks apply to role writes). */
  get rbacEnabled(): boolean {
    return this.modes.includes("RBAC");
  }

  /** The server's authorizer: asks the composition as it stands (contributed authorizers are read at each request). */
  readonly authorizer: Authorizer = {
    name: "kube-apiserver",
    authorize: (attributes) => this.current().authorize(attributes),
  };

  /**
   * What `user` may do in `namespace` (SelfSubjectRulesReview, upstream's union `RulesFor`):
   * `system:masters` and AlwaysAllow give everything, RBAC its bound rules; the Node authorizer
   * (for kubelets) and contributed authorizers cannot enumerate theirs, so the answer is incomplete.
   */
  rulesFor(user: UserInfo, namespace: string): UserRules {
    const out: UserRules = { resourceRules: [], nonResourceRules: [], incomplete: false };
    const errors: string[] = [];
    const everything = (): void => {
      out.resourceRules.push({ verbs: ["*"], apiGroups: ["*"], resources: ["*"] });
      out.nonResourceRules.push({ verbs: ["*"], nonResourceURLs: ["*"] });
    };
    if (user.groups?.includes("system:masters")) everything();
    for (const mode of this.modes) {
      if (mode === "AlwaysAllow") everything();
      else if (mode === "Node" && nodeIdentity(user) !== undefined) {
        out.incomplete = true;
        errors.push("node authorizer does not support user rule resolution");
      } else if (mode === "RBAC") {
        const rbacErrors: string[] = [];
        for (const r of this.rbac.rulesFor(user, namespace, rbacErrors)) {
          if (r.nonResourceURLs?.length) out.nonResourceRules.push({ verbs: [...r.verbs], nonResourceURLs: [...r.nonResourceURLs] });
          else out.resourceRules.push({ verbs: [...r.verbs], ...(r.apiGroups ? { apiGroups: [...r.apiGroups] } : {}), ...(r.resources ? { resources: [...r.resources] } : {}), ...(r.resourceNames?.length ? { resourceNames: [...r.resourceNames] } : {}) });
        }
        errors.push(...rbacErrors);
      }
    }
    if (this.options.extra?.().length) out.incomplete = true;
    if (errors.length) out.evaluationError = aggregateMessage(errors);
    return out;
  }

  /**
   * The check an in-process client acting as `user` runs before each request (see ClientFactory):
   * the same decision the HTTP server makes for that user, the Forbidden Status thrown when denied.
   * `system:masters` passes at once. RBAC's answer for the request without its object name is kept
   * per verb, resource and namespace until a role or binding changes — a rule that allows a
   * resource allows each of its objects — and so is the Node authorizer's for a kubelet (for good:
   * its rules are fixed, and shared by every node), so an allowed request usually costs a map lookup or two; a named object
   * the Node graph relates to the kubelet's node is allowed by asking the Node authorizer alone;
   * anything else (resourceNames rules, contributed authorizers, denials) is asked in full.
   */
  requestCheck(user: UserInfo): RequestCheck {
    if (user.groups.includes("system:masters")) return () => undefined;
    const rbac = this.modes.includes("RBAC") ? this.byMode.RBAC : undefined;
    // A kubelet's own identity: the Node authorizer's answer without a name depends only on the
    // request's verb, resource and namespace (its rules are fixed; the graph is asked only for named
    // objects; which node asks matters only with a name), and a name can only narrow it — so a
    // nameless answer is kept for good, for every node.
    const node = this.modes.includes("Node") && nodeIdentity(user) ? this.byMode.Node : undefined;
    const known = new DecisionCache();
    const knownByNode = this.nodeDecisions;
    let generation = -1;
    const full = async (a: AuthorizationAttributes): Promise<void> => {
      const decision = await this.authorizer.authorize(a);
      if (!decision.allowed) throw forbiddenFor(a, decision.reason);
    };
    // The attributes are built only when an authorizer is asked: a kept answer costs the key and a lookup.
    const attributes = (r: RequestAttributes): AuthorizationAttributes => ({ user, isResourceRequest: true, path: "", ...r });
    const nameless = (r: RequestAttributes): AuthorizationAttributes => (r.name === undefined ? attributes(r) : { ...attributes(r), name: undefined });
    return (r: RequestAttributes) => {
      if (node) {
        let allowed = knownByNode.get(r);
        if (allowed === undefined) {
          allowed = (node.authorize(nameless(r)) as AuthorizationDecision).allowed;
          knownByNode.set(r, allowed);
        }
        if (allowed) return undefined;
        // A named object the graph relates to this node (its pods' configmaps, their service
        // accounts' tokens): the union allows what any of its authorizers allows, so the Node
        // authorizer's own allow (synchronous) is the answer, with no trip through the chain.
        if (r.name !== undefined && (node.authorize(attributes(r)) as AuthorizationDecision).allowed) return undefined;
      }
      if (rbac) {
        if (generation !== this.rbac.generation) {
          known.clear();
          generation = this.rbac.generation;
        }
        let allowed = known.get(r);
        if (allowed === undefined) {
          allowed = (rbac.authorize(nameless(r)) as AuthorizationDecision).allowed;
          known.set(r, allowed);
        }
        if (allowed) return undefined;
      }
      return full(attributes(r));
    };
  }

  private composed: { extra: readonly Authorizer[]; authorizer: Authorizer } | undefined;

  private current(): Authorizer {
    const extra = this.options.extra?.() ?? [];
    const cached = this.composed;
    if (cached && cached.extra.length === extra.length && cached.extra.every((a, i) => a === extra[i])) return cached.authorizer;
    const authorizer = this.compose(extra);
    this.composed = { extra, authorizer };
    return authorizer;
  }

  private compose(extra: readonly Authorizer[]): Authorizer {
    if (this.modes.length === 1 && this.modes[0] === "AlwaysAllow" && !extra.length) return allowAllAuthorizer;
    const modes = this.modes.filter((m) => !(m === "AlwaysAllow" && extra.length));
    return unionAuthorizer([systemMastersAuthorizer, ...modes.map((m) => this.byMode[m]), ...extra]);
  }
}

/** Verb → API group → resource → subresource → namespace ("" for none) → decision. */
type DecisionTree = Map<string, Map<string, Map<string, Map<string, Map<string, boolean>>>>>;

/**
 * Authorization decisions for requests without their object name, by verb, API group, resource,
 * subresource and namespace: nested maps keyed by the request's own strings, so a lookup builds
 * no key string (it runs before every in-process request).
 */
class DecisionCache {
  private tree: DecisionTree = new Map();

  get(r: RequestAttributes): boolean | undefined {
    return this.tree.get(r.verb)?.get(r.apiGroup)?.get(r.resource)?.get(r.subresource ?? "")?.get(r.namespace ?? "");
  }

  set(r: RequestAttributes, allowed: boolean): void {
    let byGroup = this.tree.get(r.verb);
    if (!byGroup) this.tree.set(r.verb, (byGroup = new Map()));
    let byResource = byGroup.get(r.apiGroup);
    if (!byResource) byGroup.set(r.apiGroup, (byResource = new Map()));
    let bySubresource = byResource.get(r.resource);
    if (!bySubresource) byResource.set(r.resource, (bySubresource = new Map()));
    const subresource = r.subresource ?? "";
    let byNamespace = bySubresource.get(subresource);
    if (!byNamespace) bySubresource.set(subresource, (byNamespace = new Map()));
    byNamespace.set(r.namespace ?? "", allowed);
  }

  clear(): void {
    this.tree = new Map();
  }
}
