import { Optional, type Environment } from "@marcbachmann/cel-js";
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from "../api/validation/names.js";

/** A `kubernetes.NamedFormat` CEL value: a named string format and its validator. */
export class CelFormat {
  constructor(readonly name: string, readonly validate: (s: string) => string[]) {}
}

/** The receiver of `format.<name>()` and `format.named(...)` (CEL sees `format` as a constant of this type). */
export class CelFormatLibrary {}

/** NameIsDNSLabel & co. with prefix=true: a trailing dash is allowed (a generateName prefix). */
const prefix = (validate: (s: string) => string[]) => (s: string) => validate(s.endsWith("-") ? `${s.slice(0, -1)}a` : s);

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Go's url.ParseRequestURI: an absolute URI or an absolute path. */
function requestUriErrors(s: string): string[] {
  try {
    if (s.startsWith("/")) return [];
    const u = new URL(s);
    return u.protocol ? [] : [`parse ${JSON.stringify(s)}: invalid URI for request`];
  } catch {
    return [`parse ${JSON.stringify(s)}: invalid URI for request`];
  }
}

/** The named formats of k8s.io/apiserver/pkg/cel/library/format.go, validated as apimachinery validates them. */
const FORMATS: Record<string, (s: string) => string[]> = {
  dns1123Label: isDNS1123Label,
  dns1123Subdomain: isDNS1123Subdomain,
  dns1035Label: isDNS1035Label,
  qualifiedName: isQualifiedName,
  dns1123LabelPrefix: prefix(isDNS1123Label),
  dns1123SubdomainPrefix: prefix(isDNS1123Subdomain),
  dns1035LabelPrefix: prefix(isDNS1035Label),
  labelValue: isValidLabelValue,
  uri: requestUriErrors,
  uuid: (s) => (UUID.test(s) ? [] : ["does not conform to UUID format"]),
  byte: (s) => (/^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0 ? [] : ["invalid base64"]),
  date: (s) => (/^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) ? [] : ["invalid date"]),
  datetime: (s) => (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)) ? [] : ["invalid datetime"]),
};

/**
 * The Kubernetes CEL format library: `format.named(name)` (an optional format), `format.<name>()`
 * for each known name, and `<format>.validate(string)` — `optional.none()` when the string
 * conforms, else the validator's messages.
 */
export function registerKubernetesFormat(env: Environment): void {
  env
    .registerType("kubernetes.NamedFormat", CelFormat)
    .registerType("kubernetes.FormatLibrary", CelFormatLibrary)
    .registerConstant("format", "kubernetes.FormatLibrary", new CelFormatLibrary())
    .registerFunction("kubernetes.FormatLibrary.named(string): optional<kubernetes.NamedFormat>", (_: CelFormatLibrary, name: string) => {
      const f = Object.hasOwn(FORMATS, name) ? FORMATS[name] : undefined;
      return f ? Optional.of(new CelFormat(name, f)) : Optional.none();
    })
    .registerFunction("kubernetes.NamedFormat.validate(string): optional<list<string>>", (f: CelFormat, s: string) => {
      const errs = f.validate(s);
      return errs.length ? Optional.of(errs) : Optional.none();
    });
  for (const [name, f] of Object.entries(FORMATS)) {
    env.registerFunction(`kubernetes.FormatLibrary.${name}(): kubernetes.NamedFormat`, () => new CelFormat(name, f));
  }
}
