import type { Secret } from "kubernetes-types/core/v1.js";
import { fieldError, type FieldError } from "../../status.js";
import { validateSecretName } from "../../validation/names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../validation/object-meta.js";
import { validateImmutableField } from "../../validation/immutable.js";
import { semanticEqual } from "../../validation/semantic-equal.js";
import { coreDescriptor, typeRegistration } from "./core-descriptor.js";
import { MAX_DATA_SIZE_BYTES, validateDataKeys } from "./data-keys.js";

export const SECRET_DESCRIPTOR = coreDescriptor({ kind: "Secret", plural: "secrets", namespaced: true });

const REDACTED = "<secret contents redacted>";
const IMMUTABLE_WHEN_SET = "field is immutable when `immutable` is set";
const SERVICE_ACCOUNT_NAME_KEY = "kubernetes.io/service-account.name";

/** Keys each built-in Secret type requires in `data`. */
const REQUIRED_KEYS: Readonly<Record<string, readonly string[]>> = {
  "kubernetes.io/dockercfg": [".dockercfg"],
  "kubernetes.io/dockerconfigjson": [".dockerconfigjson"],
  "kubernetes.io/ssh-auth": ["ssh-privatekey"],
  "kubernetes.io/tls": ["tls.crt", "tls.key"],
};

/** Folds `stringData` into base64 `data` (stringData wins) and drops it, as the v1 conversion does. */
export function foldStringData(secret: Secret): void {
  const stringData = secret.stringData;
  if (!stringData) return;
  const data = (secret.data ??= {});
  for (const key in stringData) data[key] = Buffer.from(stringData[key]!, "utf8").toString("base64");
  delete secret.stringData;
}

function validateSecretData(secret: Secret): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const key in secret.data ?? {}) size += Math.floor((secret.data![key]!.length * 3) / 4);
  validateDataKeys(secret.data, "data", errs, REDACTED);
  if (size > MAX_DATA_SIZE_BYTES) errs.push(fieldError.tooLong("data", MAX_DATA_SIZE_BYTES));
  const type = secret.type ?? "Opaque";
  if (type === "kubernetes.io/service-account-token" && !secret.metadata?.annotations?.[SERVICE_ACCOUNT_NAME_KEY]) {
    errs.push(fieldError.required(`metadata.annotations[${SERVICE_ACCOUNT_NAME_KEY}]`));
  }
  if (type === "kubernetes.io/basic-auth" && !secret.data?.["username"] && !secret.data?.["password"]) {
    errs.push(fieldError.required("data[username]"), fieldError.required("data[password]"));
  }
  for (const key of REQUIRED_KEYS[type] ?? []) if (secret.data?.[key] === undefined) errs.push(fieldError.required(`data[${key}]`));
  return errs;
}

/** Secrets: SetDefaults_Secret, the stringData conversion and secretStrategy of pkg/registry/core/secret. */
export const SECRET_TYPE = typeRegistration<Secret>(SECRET_DESCRIPTOR, {
  defaults(secret) {
    secret.type ||= "Opaque";
    foldStringData(secret);
  },
  validate(secret) {
    const errs = validateObjectMeta(secret.metadata, { namespaced: true, nameValidator: validateSecretName });
    errs.push(...validateSecretData(secret));
    return errs;
  },
  validateUpdate(secret, old) {
    const errs = validateObjectMetaUpdate(secret.metadata, old.metadata);
    errs.push(...validateImmutableField(secret.type, old.type, "type"));
    if (old.immutable) {
      if (!secret.immutable) errs.push(fieldError.forbidden("immutable", IMMUTABLE_WHEN_SET));
      if (!semanticEqual(secret.data, old.data)) errs.push(fieldError.forbidden("data", IMMUTABLE_WHEN_SET));
    }
    errs.push(...validateSecretData(secret));
    return errs;
  },
  fieldSelectors: {
    type: (s) => s.type ?? "",
  },
});
