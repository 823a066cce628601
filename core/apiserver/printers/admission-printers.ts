import type { ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from "kubernetes-types/admissionregistration/v1.js";
import type { KubeObject } from "../../api/object.js";
import { ageColumn, column, objectAge, objectName, nameColumn, type TablePrinter } from "./printer.js";

/* Printers of admissionregistration.k8s.io kinds (pkg/printers/internalversion). */

const AR = "io.k8s.api.admissionregistration.v1";

function webhookConfigurationPrinter(kind: string): TablePrinter {
  return {
    columns: [nameColumn(), column("Webhooks", "integer", `${AR}.${kind}#webhooks`), ageColumn()],
    row: (obj, ctx) => ({ cells: [objectName(obj), ((obj as KubeObject & { webhooks?: unknown[] }).webhooks ?? []).length, objectAge(obj, ctx)] }),
  };
}

export const mutatingWebhookConfigurationPrinter = webhookConfigurationPrinter("MutatingWebhookConfiguration");
export const validatingWebhookConfigurationPrinter = webhookConfigurationPrinter("ValidatingWebhookConfiguration");

export const validatingAdmissionPolicyPrinter: TablePrinter = {
  columns: [nameColumn(), column("Validations", "integer", `${AR}.ValidatingAdmissionPolicySpec#validations`), column("ParamKind", "string", `${AR}.ValidatingAdmissionPolicySpec#paramKind`), ageColumn()],
  row(obj, ctx) {
    const spec = (obj as unknown as ValidatingAdmissionPolicy).spec;
    const paramKind = spec?.paramKind ? `${spec.paramKind.apiVersion ?? ""}/${spec.paramKind.kind ?? ""}` : "<unset>";
    return { cells: [objectName(obj), spec?.validations?.length ?? 0, paramKind, objectAge(obj, ctx)] };
  },
};

export const validatingAdmissionPolicyBindingPrinter: TablePrinter = {
  columns: [nameColumn(), column("PolicyName", "string", `${AR}.ValidatingAdmissionPolicyBindingSpec#policyName`), column("ParamRef", "string", `${AR}.ValidatingAdmissionPolicyBindingSpec#paramRef`), ageColumn()],
  row(obj, ctx) {
    const spec = (obj as unknown as ValidatingAdmissionPolicyBinding).spec;
    const ref = spec?.paramRef;
    const paramRef = ref ? (ref.namespace ? `${ref.namespace}/${ref.name ?? ""}` : `*/${ref.name ?? ""}`) : "<unset>";
    return { cells: [objectName(obj), spec?.policyName ?? "", paramRef, objectAge(obj, ctx)] };
  },
};
