import type { Authorizer, AuthorizationAttributes, AuthorizationDecision } from "../../http/authorization.js";
import { ruleAllows } from "./policy-rule.js";
import { aggregateMessage } from "../../admission/admission-forbidden.js";
import { describeSource, type RbacIndex, type RuleSource } from "./rbac-index.js";


/**
 * kube-apiserver's RBAC authorizer (`--authorization-mode=RBAC`): allows a request when a rule of
 * a role bound to the user (by name, group or service account) allows it (the reason names the
 * binding, as upstream's `RBAC: allowed by ...`); otherwise has no
 * opinion, with `RBAC: <errors>` as the reason when a binding refers to a missing role.
 */
export function rbacAuthorizer(index: RbacIndex): Authorizer {
  return {
    name: "RBAC",
    authorize(a: AuthorizationAttributes): AuthorizationDecision {
      const errors: string[] = [];
      let by: RuleSource | undefined;
      const allowed = index.visitRulesFor(a.user, a.namespace ?? "", (rule, source) => ruleAllows(a, rule) && (by = source) !== undefined, errors);
      if (allowed) return { allowed: true, reason: `RBAC: allowed by ${describeSource(by!)}` };
      return errors.length ? { allowed: false, reason: `RBAC: ${aggregateMessage(errors)}` } : { allowed: false };
    },
  };
}
