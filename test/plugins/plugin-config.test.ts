/** test-runner: from-source (it loads plugins from `.ts` files at run time). */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { PluginHost } from "../../core/plugins/plugin-host.js";
import { definePlugin } from "../../core/plugins/plugin.js";
import { PluginConfigError, prefixFieldErrors } from "../../core/plugins/plugin-config.js";
import { ExtensionRegistry } from "../../core/plugins/extension-point.js";
import { createClusterScope } from "../../core/di/scopes.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { SeededRandom } from "../../core/clock/random.js";
import { createLogger } from "../../core/log/logger.js";
import { fieldError, type FieldError } from "../../core/api/status.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { ClusterConfigError, validateClusterConfig } from "../../core/cluster/cluster-config.js";
import { rejection } from "../support/rejection.js";

function host(): PluginHost {
  return new PluginHost({ container: createClusterScope(), extensions: new ExtensionRegistry(), clock: new VirtualClock(), random: new SeededRandom(1), log: createLogger("test", { level: "silent" }) });
}


interface GreeterConfig {
  greeting: string;
  times: number;
}

/** A plugin with a typed section: `greeting` required, `times` a positive integer (default 1). */
function greeter(seen: (GreeterConfig | undefined)[], setups: string[] = []) {
  return definePlugin<GreeterConfig>({
    name: "greeter",
    config: {
      parse(raw) {
        const errors: FieldError[] = [];
        const c = (raw ?? {}) as Partial<GreeterConfig>;
        if (typeof c.greeting !== "string" || !c.greeting) errors.push(fieldError.required("greeting"));
        if (c.times !== undefined && (!Number.isInteger(c.times) || c.times < 1)) errors.push(fieldError.invalid("times", c.times, "must be a positive integer"));
        if (errors.length) throw new PluginConfigError(errors);
        return { greeting: c.greeting!, times: c.times ?? 1 };
      },
    },
    setup(ctx) {
      setups.push(ctx.name);
      seen.push(ctx.config);
    },
  });
}

test("a plugin's section is parsed before setup and handed over typed as ctx.config; none given → undefined", async () => {
  const seen: (GreeterConfig | undefined)[] = [];
  const h = host();
  h.use(greeter(seen), { config: { greeting: "hi" } });
  await h.start();
  assert.equal(seen, [{ greeting: "hi", times: 1 }]);
  await h.stop();
  const h2 = host();
  h2.use(greeter(seen));
  await h2.start();
  assert.is(seen[1], undefined);
  await h2.stop();
});

test("a bad section is refused before any plugin is set up, every error under the section's field", async () => {
  const setups: string[] = [];
  const early = definePlugin({ name: "early", setup: () => void setups.push("early") });
  const h = host();
  h.use(early);
  h.use(greeter([], setups), { config: { times: 0 }, field: "plugins[1].config" });
  const err = await rejection(h.start());
  assert.instance(err, PluginConfigError);
  assert.equal((err as PluginConfigError).errors.map((e) => `${e.field}: ${e.detail}`), ["plugins[1].config.greeting: Required value", "plugins[1].config.times: Invalid value: 0: must be a positive integer"]);
  assert.match(err.message, "invalid plugin configuration:\n  - plugins[1].config.greeting: Required value\n  - plugins[1].config.times: Invalid value: 0");
  assert.equal(setups, [], "nothing was set up");
});

test("a section for a plugin that takes none is refused; the default field is <name>.config", async () => {
  const h = host();
  h.use(definePlugin({ name: "plain", setup() {} }), { config: { x: 1 } });
  const err = await rejection(h.start());
  assert.instance(err, PluginConfigError);
  assert.is(err.message, 'invalid plugin configuration: plain.config: Forbidden: plugin "plain" takes no configuration');
});

test("ctx.configError places later refusals under the section's field", async () => {
  const h = host();
  const late = definePlugin<{ ref: string }>({
    name: "late",
    config: { parse: (raw) => raw as { ref: string } },
    setup(ctx) {
      throw ctx.configError([fieldError.notFound("ref", ctx.config?.ref)]);
    },
  });
  h.use(late, { config: { ref: "missing" }, field: "plugins[0].config" });
  const err = await rejection(h.start());
  assert.match(err.message, 'plugins[0].config.ref: Not found: "missing"');
});

test("prefixFieldErrors joins paths and indexes", () => {
  const out = prefixFieldErrors("plugins[2].config", [fieldError.required("a.b"), fieldError.required("[0].c"), fieldError.required("")]);
  assert.equal(out.map((e) => e.field), ["plugins[2].config.a.b", "plugins[2].config[0].c", "plugins[2].config"]);
});

test("cluster.yaml: plugin entries are names or { name, config }; other shapes are refused naming the entry", () => {
  const ok = validateClusterConfig({ apiVersion: "kubesim.io/v1alpha1", kind: "Cluster", plugins: ["a", { name: "b", config: { x: 1 } }] });
  assert.equal(ok.plugins, ["a", { name: "b", config: { x: 1 } }]);
  try {
    validateClusterConfig({ apiVersion: "kubesim.io/v1alpha1", kind: "Cluster", plugins: [3, { name: "b", config: "text" }, { config: {} }, { name: "c", extra: 1 }] });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ClusterConfigError);
    const text = (err as Error).message;
    assert.match(text, "plugins[0]: must be a plugin name or { name, config }");
    assert.match(text, "plugins[1].config: must be object");
    assert.match(text, "plugins[2].name: required");
    assert.match(text, "plugins[3].extra: unknown field");
  }
});

test("Cluster.fromConfig passes each entry's section to its plugin (errors name plugins[i].config...)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kubesim-plugin-config-"));
  const plugin = join(dir, "greeter.ts");
  writeFileSync(
    plugin,
    `import { definePlugin, PluginConfigError, fieldError } from ${JSON.stringify(join(process.cwd(), "core/index.ts"))};
export default definePlugin({
  name: "greeter",
  config: { parse(raw) { if (!raw.greeting) throw new PluginConfigError([fieldError.required("greeting")]); return raw; } },
  setup(ctx) { (globalThis as any).greeterConfig = ctx.config; },
});
`,
  );
  const good = join(dir, "good.yaml");
  writeFileSync(good, `apiVersion: kubesim.io/v1alpha1\nkind: Cluster\nclock: virtual\nplugins:\n  - name: ./greeter.ts\n    config:\n      greeting: hello\n`);
  const cluster = Cluster.fromConfig(good, { plugins: [] });
  await cluster.start();
  assert.equal((globalThis as { greeterConfig?: unknown }).greeterConfig, { greeting: "hello" });
  await cluster.stop();
  const bad = join(dir, "bad.yaml");
  writeFileSync(bad, `apiVersion: kubesim.io/v1alpha1\nkind: Cluster\nclock: virtual\nplugins:\n  - admission-always-pull-images\n  - name: ./greeter.ts\n    config: { greting: typo }\n`);
  const err = await rejection(Cluster.fromConfig(bad, { plugins: [] }).start());
  assert.instance(err, PluginConfigError);
  assert.is(err.message, "invalid plugin configuration: plugins[1].config.greeting: Required value");
});

test.run();
