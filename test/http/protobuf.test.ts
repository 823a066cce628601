/**
 * Kubernetes protobuf request bodies: the decoder against hand-encoded messages, the HTTP path
 * (warnings, errors), and kubectl's typed generators (which send protobuf) end to end.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { decodeProtobufObject } from "../../core/apiserver/http/protobuf/index.js";
import { PROTOBUF_MESSAGES } from "../../core/apiserver/http/protobuf/messages.js";
import { messageSchema } from "../../core/apiserver/http/protobuf/message-schema.js";
import { kubectlIn } from "../clients/kubectl-runner.js";
import { startFixture } from "./fixture.js";
import { KUBECTL, testWithTool } from "../support/require-tool.js";

const kubectlTest = testWithTool(KUBECTL, test);

// ---- a tiny test-only protobuf writer ----
type Bytes = number[];
const varint = (n: number | bigint): Bytes => {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: Bytes = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
};
const tag = (field: number, wire: number): Bytes => varint(field * 8 + wire);
const int = (field: number, n: number | bigint | boolean): Bytes => [...tag(field, 0), ...varint(typeof n === "boolean" ? (n ? 1 : 0) : n)];
const bytes = (field: number, b: Bytes | Uint8Array): Bytes => [...tag(field, 2), ...varint(b.length), ...b];
const str = (field: number, s: string): Bytes => bytes(field, [...Buffer.from(s, "utf8")]);
const msg = (field: number, ...parts: Bytes[]): Bytes => bytes(field, parts.flat());
const entry = (field: number, key: string, value: Bytes): Bytes => msg(field, str(1, key), value);
const strEntry = (field: number, key: string, value: string): Bytes => entry(field, key, str(2, value));
/** The full body: magic, then runtime.Unknown { typeMeta, raw }. */
const body = (apiVersion: string, kind: string, ...raw: Bytes[]): Uint8Array =>
  Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...msg(1, str(1, apiVersion), str(2, kind)), ...bytes(2, raw.flat()), ...str(3, ""), ...str(4, "")]);
/** ObjectMeta as Go's marshaller writes it: every non-pointer field, zero or not. */
const meta = (name: string, ...extra: Bytes[]): Bytes =>
  msg(1, str(1, name), str(2, ""), str(3, ""), str(4, ""), str(5, ""), str(6, ""), int(7, 0), msg(8), ...extra);
const intOrString = (field: number, v: number | string): Bytes => (typeof v === "number" ? msg(field, int(1, 0), int(2, v), str(3, "")) : msg(field, int(1, 1), int(2, 0), str(3, v)));

test("every type the schema table names exists, and every entry parses", () => {
  for (const name of Object.keys(PROTOBUF_MESSAGES)) assert.ok(messageSchema(name), name);
});

test("ConfigMap: maps, []byte as base64, zero-valued metadata left out, empty map kept out", () => {
  const { object, warnings } = decodeProtobufObject(body("v1", "ConfigMap", meta("c", strEntry(11, "app", "web")), strEntry(2, "a", "b"), strEntry(2, "empty", ""), entry(3, "bin", bytes(2, [0, 1, 255]))));
  assert.equal(object, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", labels: { app: "web" } }, data: { a: "b", empty: "" }, binaryData: { bin: "AAH/" } });
  assert.equal(warnings, []);
});

test("Deployment: pointer zeros kept (replicas: 0), omitempty zeros dropped, IntOrString, Quantity, inline Volume and Probe sources, negative int32", () => {
  const container = msg(2,
    str(1, "nginx"), str(2, "nginx:1.27"),
    msg(6, str(1, ""), int(2, 0), int(3, 80), str(4, "TCP"), str(5, "")),
    msg(8, entry(1, "cpu", msg(2, str(1, "500m"))), entry(2, "memory", msg(2, str(1, "64Mi")))),
    msg(9, str(1, "cfg"), int(2, false), str(3, "/etc/cfg")),
    msg(10, msg(1, msg(2, str(1, "/healthz"), intOrString(2, "http"))), int(2, 0), int(3, 5)),
  );
  const spec = msg(2,
    int(1, 0),
    msg(2, strEntry(1, "app", "web")),
    msg(3, msg(1, msg(8), strEntry(11, "app", "web")), msg(2, msg(1, str(1, "cfg"), msg(2, msg(19, msg(1, str(1, "settings")), int(3, 420)))), container, str(3, ""))),
    msg(4, str(1, "RollingUpdate"), msg(2, intOrString(1, 0), intOrString(2, "25%"))),
    int(5, 0), int(6, -1), int(7, false),
  );
  const { object } = decodeProtobufObject(body("apps/v1", "Deployment", meta("web"), spec, msg(3)));
  assert.equal(object, {
    apiVersion: "apps/v1", kind: "Deployment",
    metadata: { name: "web" },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          volumes: [{ name: "cfg", configMap: { name: "settings", defaultMode: 420 } }],
          containers: [{
            name: "nginx", image: "nginx:1.27",
            ports: [{ containerPort: 80, protocol: "TCP" }],
            resources: { limits: { cpu: "500m" }, requests: { memory: "64Mi" } },
            volumeMounts: [{ name: "cfg", mountPath: "/etc/cfg" }],
            livenessProbe: { httpGet: { path: "/healthz", port: "http" }, timeoutSeconds: 5 },
          }],
        },
      },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
      revisionHistoryLimit: -1,
    },
    status: {},
  });
});

test("Secret data as base64; PriorityClass value 0 kept; Time as RFC 3339; TokenRequest's uid JSON name", () => {
  assert.equal(decodeProtobufObject(body("v1", "Secret", meta("s"), entry(2, "k", bytes(2, [...Buffer.from("v")])), str(3, "Opaque"))).object, {
    apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: { k: "dg==" }, type: "Opaque",
  });
  assert.equal(decodeProtobufObject(body("scheduling.k8s.io/v1", "PriorityClass", meta("pc"), int(2, 0), int(3, false), str(4, ""))).object, {
    apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: "pc" }, value: 0,
  });
  const stamped = meta("t", msg(9, int(1, 1_700_000_000), int(2, 0)));
  const token = decodeProtobufObject(body("authentication.k8s.io/v1", "TokenRequest", stamped, msg(2, str(1, "api"), int(4, 3600), msg(3, str(1, "Pod"), str(2, "v1"), str(3, "p"), str(4, "u-1"))), msg(3, str(1, ""), msg(2))));
  assert.equal(token.object, {
    apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest",
    metadata: { name: "t", deletionTimestamp: "2023-11-14T22:13:20Z" },
    spec: { audiences: ["api"], expirationSeconds: 3600, boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "p", uid: "u-1" } },
    status: { token: "" }, // Go keeps "token" (no omitempty); the zero expirationTimestamp is left out
  });
});

test("DeleteOptions (a meta.k8s.io kind every group version carries)", () => {
  assert.equal(decodeProtobufObject(body("v1", "DeleteOptions", int(1, 0), str(4, "Foreground"), str(5, "All"))).object, {
    apiVersion: "v1", kind: "DeleteOptions", gracePeriodSeconds: 0, propagationPolicy: "Foreground", dryRun: ["All"],
  });
});

test("unknown fields are skipped with a warning naming the field and where it was", () => {
  const { object, warnings } = decodeProtobufObject(body("v1", "ConfigMap", meta("c", str(99, "x")), strEntry(2, "a", "b"), int(77, 5)));
  assert.equal(object, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "b" } });
  assert.equal(warnings, [
    'unknown protobuf field 99 of meta/v1.ObjectMeta at "metadata" was dropped (kubesim does not know it)',
    "unknown protobuf field 77 of core/v1.ConfigMap was dropped (kubesim does not know it)",
  ]);
});

test("unknown kinds get 415; a missing prefix or truncated data gets 400", () => {
  const codeOf = (f: () => unknown): number => {
    try {
      f();
    } catch (err) {
      return (err as { status?: { code?: number } }).status?.code ?? -1;
    }
    return 0;
  };
  assert.is(codeOf(() => decodeProtobufObject(body("example.com/v1", "Widget", meta("w")))), 415);
  assert.is(codeOf(() => decodeProtobufObject(body("v1", "PodSpec"))), 415);
  assert.is(codeOf(() => decodeProtobufObject(Uint8Array.from([1, 2, 3, 4, 5]))), 400);
  const whole = body("v1", "ConfigMap", meta("c"));
  assert.is(codeOf(() => decodeProtobufObject(whole.subarray(0, whole.length - 10))), 400);
  assert.is(codeOf(() => decodeProtobufObject(body("v1", "ConfigMap", int(1, 5)))), 400);
});

// ---- over HTTP, and kubectl's typed generators ----
const fx = await startFixture();
const k = kubectlIn(fx.dir, fx.kubeconfig);
const kubectl = async (...args: string[]): Promise<string> => {
  const r = await k.run(args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
};
const getJson = async (...args: string[]): Promise<Record<string, any>> => JSON.parse(await kubectl("get", ...args, "-o", "json")) as Record<string, any>;

test("a protobuf POST with an unknown field is created, with a Warning header", async () => {
  const http = await startFixture({ insecureHttp: true, token: "pb-token" });
  try {
    const res = await http.fetch("/api/v1/namespaces/default/configmaps?fieldValidation=Strict", {
      method: "POST",
      headers: { "Content-Type": "application/vnd.kubernetes.protobuf", Accept: "application/json" },
      body: body("v1", "ConfigMap", meta("warned", int(42, 1)), strEntry(2, "a", "b")),
    });
    assert.is(res.status, 201);
    assert.match(res.headers.get("warning") ?? "", 'unknown protobuf field 42 of meta/v1.ObjectMeta at \\"metadata\\" was dropped');
    const created = (await res.json()) as { data: unknown };
    assert.equal(created.data, { a: "b" });
    const refused = await http.fetch("/api/v1/namespaces/default/configmaps", {
      method: "POST",
      headers: { "Content-Type": "application/vnd.kubernetes.protobuf" },
      body: body("example.com/v1", "Widget", meta("w")),
    });
    assert.is(refused.status, 415);
    assert.match(((await refused.json()) as { message: string }).message, "Widget (example.com/v1) is not one of them");
  } finally {
    await http.stop();
  }
});

kubectlTest("kubectl create <generator> (protobuf bodies) creates what it says", async () => {
  const creates: string[][] = [
    ["create", "namespace", "x"],
    ["create", "configmap", "c", "--from-literal=a=b"],
    ["create", "secret", "generic", "s", "--from-literal=k=v"],
    ["create", "deployment", "web", "--image=nginx", "--replicas=2", "--port=80"],
    ["create", "service", "clusterip", "svc", "--tcp=80:8080"],
    ["create", "job", "j", "--image=busybox", "--", "echo", "hi"],
    ["create", "cronjob", "cj", "--image=busybox", "--schedule=*/5 * * * *"],
    ["create", "role", "r", "--verb=get", "--resource=pods"],
    ["create", "rolebinding", "rb", "--role=r", "--user=alice"],
    ["create", "serviceaccount", "sa"],
    ["create", "quota", "q", "--hard=pods=10"],
    ["create", "pdb", "p", "--selector=app=web", "--min-available=1"],
    ["create", "ingress", "ing", "--rule=foo.com/bar=svc:80"],
  ];
  await Promise.all(creates.map((args) => kubectl(...args)));
  const [ns, cm, secret, deploy, svc, job, cj, role, rb, sa, quota, pdb, ing] = await Promise.all([
    getJson("namespace", "x"), getJson("configmap", "c"), getJson("secret", "s"), getJson("deployment", "web"), getJson("service", "svc"),
    getJson("job", "j"), getJson("cronjob", "cj"), getJson("role", "r"), getJson("rolebinding", "rb"), getJson("serviceaccount", "sa"),
    getJson("resourcequota", "q"), getJson("poddisruptionbudget", "p"), getJson("ingress", "ing"),
  ]);
  assert.is(ns!["metadata"].name, "x");
  assert.equal(cm!["data"], { a: "b" });
  assert.equal(secret!["data"], { k: Buffer.from("v").toString("base64") });
  assert.is(secret!["type"], "Opaque");
  assert.is(deploy!["spec"].replicas, 2);
  assert.equal(deploy!["spec"].selector, { matchLabels: { app: "web" } });
  assert.equal(deploy!["spec"].template.spec.containers[0].ports, [{ containerPort: 80, protocol: "TCP" }]);
  assert.is(deploy!["spec"].template.spec.containers[0].image, "nginx");
  assert.equal(svc!["spec"].ports, [{ name: "80-8080", port: 80, protocol: "TCP", targetPort: 8080 }]);
  assert.is(svc!["spec"].type, "ClusterIP");
  assert.equal(job!["spec"].template.spec.containers[0].command, ["echo", "hi"]);
  assert.is(job!["spec"].template.spec.restartPolicy, "Never");
  assert.is(cj!["spec"].schedule, "*/5 * * * *");
  assert.is(cj!["spec"].jobTemplate.spec.template.spec.containers[0].image, "busybox");
  assert.equal(role!["rules"], [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }]);
  assert.equal(rb!["roleRef"], { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "r" });
  assert.equal(rb!["subjects"], [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "alice" }]);
  assert.is(sa!["metadata"].name, "sa");
  assert.equal(quota!["spec"].hard, { pods: "10" });
  assert.is(pdb!["spec"].minAvailable, 1);
  assert.equal(pdb!["spec"].selector, { matchLabels: { app: "web" } });
  assert.equal(ing!["spec"].rules, [{ host: "foo.com", http: { paths: [{ path: "/bar", pathType: "Exact", backend: { service: { name: "svc", port: { number: 80 } } } }] } }]);
});

kubectlTest("kubectl create priorityclass works; create token's request decodes and a JWT comes back", async () => {
  const pc = await k.run(["create", "priorityclass", "pc", "--value=1000"]);
  assert.is(pc.code, 0, pc.stderr);
  assert.is((await getJson("priorityclass", "pc"))["value"], 1000);
  await kubectl("create", "serviceaccount", "tok");
  const token = await k.run(["create", "token", "tok"]);
  assert.is(token.code, 0, token.stderr);
  assert.match(token.stdout, /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/); // kubectl prints the token without a newline
});

test.after(async () => {
  await fx.stop();
});

test.run();
