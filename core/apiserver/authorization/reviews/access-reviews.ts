import type { KubeObject } from "../../../api/object.js";
import type { ApiTypeRegistration, ReviewRequest } from "../../../api/strategy.js";
import { badRequest, fieldError, type FieldError } from "../../../api/status.js";
import type { AuthorizationAttributes, Authorizer } from "../../http/authorization.js";
import type { UserInfo } from "../../admission.js";

/** authorization.k8s.io/v1 ResourceAttributes / NonResourceAttributes. */
interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}
interface NonResourceAttributes {
  path?: string;
  verb?: string;
}

interface AccessReview extends KubeObject {
  spec?: {
    resourceAttributes?: ResourceAttributes;
    nonResourceAttributes?: NonResourceAttributes;
    user?: string;
    groups?: string[];
    uid?: string;
    extra?: Record<string, string[]>;
  };
  status?: { allowed: boolean; denied?: boolean; reason?: string; evaluationError?: string };
}

/** authorization.k8s.io/v1 ResourceRule / NonResourceRule, as SelfSubjectRulesReview reports them. */
export interface ResourceRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}
export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs?: string[];
}

/** What a user may do in a namespace, as far as the authorizers can enumerate it. */
export interface UserRules {
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
  /** True when some authorizer cannot list its rules (the Node authorizer for kubelets, webhooks). */
  incomplete: boolean;
  evaluationError?: string;
}

/** The two things access reviews need from the API server's authorization. */
export interface ReviewAuthorization {
  readonly authorizer: Authorizer;
  rulesFor(user: UserInfo, namespace: string): UserRules;
}

const AUTHZ = { group: "authorization.k8s.io", version: "v1" } as const;

/** The request an access review asks about (upstream's `ResourceAttributesFrom` / `NonResourceAttributesFrom`). */
function attributesOf(user: UserInfo, spec: NonNullable<AccessReview["spec"]>): AuthorizationAttributes {
  const r = spec.resourceAttributes;
  if (r) {
    return {
      user, verb: r.verb ?? "", isResourceRequest: true, path: "", apiGroup: r.group ?? "", apiVersion: r.version ?? "", resource: r.resource ?? "",
      ...(r.subresource ? { subresource: r.subresource } : {}), ...(r.namespace ? { namespace: r.namespace } : {}), ...(r.name ? { name: r.name } : {}),
    };
  }
  const n = spec.nonResourceAttributes ?? {};
  return { user, verb: n.verb ?? "", isResourceRequest: false, path: n.path ?? "" };
}

/** `ValidateSubjectAccessReviewSpec` minus the subject: exactly one of resourceAttributes or nonResourceAttributes. */
function validateAttributes(spec: AccessReview["spec"]): FieldError[] {
  if (spec?.resourceAttributes && spec.nonResourceAttributes) return [fieldError.invalid("spec.nonResourceAttributes", spec.nonResourceAttributes, "cannot be specified in combination with resourceAttributes")];
  if (!spec?.resourceAttributes && !spec?.nonResourceAttributes) return [fieldError.required("spec.resourceAttributes", "exactly one of nonResourceAttributes or resourceAttributes must be specified")];
  return [];
}

async function decide(authorization: ReviewAuthorization, review: AccessReview, user: UserInfo): Promise<AccessReview> {
  const decision = await authorization.authorizer.authorize(attributesOf(user, review.spec!));
  return { ...review, status: { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) } };
}

function requester(request: ReviewRequest): UserInfo {
  if (!request.user) throw badRequest("no user present on request");
  return request.user;
}

function reviewType(kind: string, plural: string, namespaced: boolean, group: { group: string; version: string } = AUTHZ): ApiTypeRegistration["descriptor"] {
  return { ...group, kind, plural, singular: plural.slice(0, -1), listKind: `${kind}List`, namespaced, shortNames: [], categories: [], subresources: [], verbs: ["create"] };
}

/**
 * The review kinds kube-apiserver serves, computed per request and never stored:
 * SelfSubjectAccessReview (`kubectl auth can-i`), SubjectAccessReview, LocalSubjectAccessReview,
 * SelfSubjectRulesReview (`kubectl auth can-i --list`) and authentication.k8s.io's
 * SelfSubjectReview (`kubectl auth whoami`).
 */
export function accessReviewTypes(authorization: ReviewAuthorization): ApiTypeRegistration[] {
  const selfSubjectAccessReview: ApiTypeRegistration<AccessReview> = {
    descriptor: reviewType("SelfSubjectAccessReview", "selfsubjectaccessreviews", false),
    strategy: {
      validate: (r) => validateAttributes(r.spec),
      review: (r, request) => decide(authorization, r, requester(request)),
    },
  };
  const subjectAccessReview: ApiTypeRegistration<AccessReview> = {
    descriptor: reviewType("SubjectAccessReview", "subjectaccessreviews", false),
    strategy: {
      validate: (r) => {
        const errs = validateAttributes(r.spec);
        if (!r.spec?.user && !r.spec?.groups?.length) errs.push(fieldError.invalid("spec.user", r.spec?.user ?? "", "at least one of user or group must be specified"));
        return errs;
      },
      review: (r, _request) => decide(authorization, r, { username: r.spec!.user ?? "", groups: r.spec!.groups ?? [], ...(r.spec!.uid ? { uid: r.spec!.uid } : {}), ...(r.spec!.extra ? { extra: r.spec!.extra } : {}) }),
    },
  };
  const localSubjectAccessReview: ApiTypeRegistration<AccessReview> = {
    descriptor: reviewType("LocalSubjectAccessReview", "localsubjectaccessreviews", true),
    strategy: {
      validate: (r) => {
        const errs: FieldError[] = [];
        if (r.spec?.nonResourceAttributes) errs.push(fieldError.invalid("spec.nonResourceAttributes", r.spec.nonResourceAttributes, "disallowed on this kind of request"));
        else errs.push(...validateAttributes(r.spec));
        if (!r.spec?.user && !r.spec?.groups?.length) errs.push(fieldError.invalid("spec.user", r.spec?.user ?? "", "at least one of user or group must be specified"));
        const ns = r.spec?.resourceAttributes?.namespace;
        if (ns && ns !== r.metadata?.namespace) errs.push(fieldError.invalid("spec.resourceAttributes.namespace", ns, "must match metadata.namespace"));
        return errs;
      },
      review: (r, request) => {
        if (!request.namespace) throw badRequest(`namespace is required on this type: `);
        const spec = { ...r.spec, resourceAttributes: { ...r.spec!.resourceAttributes, namespace: request.namespace } };
        return decide(authorization, { ...r, spec }, { username: spec.user ?? "", groups: spec.groups ?? [], ...(spec.uid ? { uid: spec.uid } : {}), ...(spec.extra ? { extra: spec.extra } : {}) });
      },
    },
  };
  const selfSubjectRulesReview: ApiTypeRegistration<KubeObject & { spec?: { namespace?: string } }> = {
    descriptor: reviewType("SelfSubjectRulesReview", "selfsubjectrulesreviews", false),
    strategy: {
      review: async (r, request) => {
        const namespace = r.spec?.namespace;
        if (!namespace) throw badRequest("no namespace on request");
        const rules = authorization.rulesFor(requester(request), namespace);
        return { ...r, status: rules } as KubeObject;
      },
    },
  };
  const selfSubjectReview: ApiTypeRegistration = {
    descriptor: reviewType("SelfSubjectReview", "selfsubjectreviews", false, { group: "authentication.k8s.io", version: "v1" }),
    strategy: {
      review: async (r, request) => {
        const user = requester(request);
        const userInfo = { username: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: [...user.groups], ...(user.extra && Object.keys(user.extra).length ? { extra: user.extra } : {}) };
        return { ...r, status: { userInfo } } as KubeObject;
      },
    },
  };
  return [selfSubjectAccessReview, subjectAccessReview, localSubjectAccessReview, selfSubjectRulesReview, selfSubjectReview] as ApiTypeRegistration[];
}
