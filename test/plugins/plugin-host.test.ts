/** test-runner: from-source (it loads plugins from `.ts` files at run time). */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fileURLToPath } from "node:url";
import { PluginHost, orderPlugins } from "../../core/plugins/plugin-host.js";
import { definePlugin, isPlugin, type Plugin } from "../../core/plugins/plugin.js";
import { ExtensionRegistry, extensionPoint } from "../../core/plugins/extension-point.js";
import { AdmissionPlugins } from "../../core/plugins/extension-points.js";
import { createClusterScope } from "../../core/di/scopes.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { SeededRandom } from "../../core/clock/random.js";
import { createLogger } from "../../core/log/logger.js";
import { token } from "../../core/di/token.js";
import { rejection } from "../support/rejection.js";

function host(baseDir?: string): { host: PluginHost; extensions: ExtensionRegistry } {
  const extensions = new ExtensionRegistry();
  const h = new PluginHost({ container: createClusterScope(), extensions, clock: new VirtualClock(), random: new SeededRandom(1), log: createLogger("test", { level: "silent" }), ...(baseDir ? { baseDir } : {}) });
  return { host: h, extensions };
}


const trace: string[] = [];
function p(name: string, requires: string[] = [], opts: { fail?: boolean } = {}): Plugin {
  return definePlugin({
    name,
    requires,
    setup() {
      if (opts.fail) throw new Error(`boom in ${name}`);
      trace.push(`setup ${name}`);
      return () => {
        trace.push(`teardown ${name}`);
      };
    },
  });
}

test.before.each(() => {
  trace.length = 0;
});

test("orders by requires, keeping the added order otherwise", async () => {
  const { host: h } = host();
  h.use(p("ingress", ["coredns", "cni"]));
  h.use(p("coredns", ["cni"]));
  h.use(p("runtime"));
  h.use(p("cni", ["runtime"]));
  await h.start();
  assert.equal(h.startedPlugins, ["runtime", "cni", "coredns", "ingress"]);
  await h.stop();
  assert.equal(trace.slice(4), ["teardown ingress", "teardown coredns", "teardown cni", "teardown runtime"]);
});

test("refuses a missing dependency, naming who needs it", () => {
  assert.throws(() => orderPlugins([p("cni-calico", ["runtime"])]), /plugin "cni-calico" requires plugin "runtime", which is not loaded/);
});

test("refuses a cycle, printing it", () => {
  assert.throws(() => orderPlugins([p("a", ["b"]), p("b", ["c"]), p("c", ["a"])]), /plugin dependency cycle: a -> b -> c -> a/);
});

test("refuses a duplicate name", async () => {
  const { host: h } = host();
  h.use(p("dup"));
  h.use(p("dup"));
  const err = await rejection(h.start());
  assert.match(err.message, /plugin "dup" is loaded twice/);
});

test("a failing setup fails start with the plugin's name and tears down the started ones in reverse", async () => {
  const { host: h } = host();
  h.use(p("one"));
  h.use(p("two", ["one"]));
  h.use(p("bad", ["two"], { fail: true }));
  h.use(p("never", ["bad"]));
  const err = await rejection(h.start());
  assert.match(err.message, /plugin "bad" failed to start: boom in bad/);
  assert.equal(trace, ["setup one", "setup two", "teardown two", "teardown one"]);
});

test("loads a built-in plugin by name; it contributes to its extension point", async () => {
  const { host: h, extensions } = host();
  h.use("admission-always-pull-images");
  await h.start();
  const admission = extensions.point(AdmissionPlugins);
  assert.equal(admission.entries().map((e) => [e.name, e.plugin]), [["AlwaysPullImages", "admission-always-pull-images"]]);
  await h.stop();
  assert.is(admission.size, 0);
});

test("loads the third-party example package by path (its teardown withdraws it)", async () => {
  const { host: h, extensions } = host();
  h.use("./examples/third-party-plugin/index.ts");
  await h.start();
  const admission = extensions.point(AdmissionPlugins);
  assert.equal(admission.entries().map((e) => [e.name, e.plugin]), [["example.com/RequireGreeting", "example-greeting"]]);
  assert.equal(h.startedPlugins, ["example-greeting"]);
  await h.stop();
  assert.is(admission.size, 0, "teardown withdrew the contribution");
  assert.equal(h.startedPlugins, [], "nothing is left started");
});

test("loads by module specifier (file: URL) and by factory default export", async () => {
  const { host: h } = host();
  h.use(new URL("../fixtures/plugins/factory-plugin.ts", import.meta.url).href);
  await h.start();
  assert.equal(h.startedPlugins, ["from-factory"]);
  await h.stop();
});

test("loads by bare module specifier: a package in the project's node_modules, by name", async () => {
  // test/fixtures/plugin-project is a project with kubesim-plugin-fixture installed in its node_modules.
  const project = fileURLToPath(new URL("../fixtures/plugin-project/", import.meta.url));
  const { host: h, extensions } = host(project);
  h.use("kubesim-plugin-fixture");
  await h.start();
  assert.equal(h.startedPlugins, ["fixture-from-package"]);
  assert.equal(extensions.point(AdmissionPlugins).entries().map((e) => [e.name, e.plugin]), [["FixtureFromPackage", "fixture-from-package"]]);
  await h.stop();
  // From another directory the package is not installed: the same name does not resolve.
  const elsewhere = host().host;
  elsewhere.use("kubesim-plugin-fixture");
  assert.match((await rejection(elsewhere.start())).message, /cannot load plugin "kubesim-plugin-fixture"/);
});

test("a bare specifier that resolves but exports no plugin is refused with the module named", async () => {
  const { host: h } = host();
  h.use("uvu/assert");
  const err = await rejection(h.start());
  assert.match(err.message, /module "uvu\/assert" does not export a kubesim plugin/);
});

test("refuses a module that does not export a plugin, and one that cannot be found", async () => {
  const a = host().host;
  a.use(fileURLToPath(new URL("../fixtures/plugins/not-a-plugin.ts", import.meta.url)));
  assert.match((await rejection(a.start())).message, /does not export a kubesim plugin/);
  const b = host().host;
  b.use("kubesim-plugin-that-does-not-exist");
  assert.match((await rejection(b.start())).message, /cannot load plugin "kubesim-plugin-that-does-not-exist"/);
});

test("extension points: typed contribute, all, get, single, duplicate refusal", async () => {
  const Greetings = extensionPoint<{ greet(): string }>("test-greetings", "a greeting");
  const Svc = token<number>("test/answer");
  const { host: h, extensions } = host();
  h.use(definePlugin({ name: "hello", setup: (ctx) => { ctx.contribute(Greetings, "hello", { greet: () => "hello" }); ctx.provide(Svc, 42); } }));
  h.use(definePlugin({ name: "reader", requires: ["hello"], setup: (ctx) => { if (ctx.resolve(Svc) !== 42) throw new Error("no service"); } }));
  await h.start();
  const point = extensions.point(Greetings);
  assert.is(point.single().greet(), "hello");
  assert.is(point.get("hello")?.greet(), "hello");
  assert.is(point.get("missing"), undefined);
  assert.equal(point.all().map((g) => g.greet()), ["hello"]);
  assert.throws(() => point.contribute("hello", { greet: () => "again" }, "other"), /"hello" is already contributed by plugin "hello" \(plugin "other" tried again\)/);
  point.contribute("hi", { greet: () => "hi" }, "other");
  assert.throws(() => point.single(), /has 2 contributions \(hello, hi\)/);
  assert.throws(() => extensions.point(extensionPoint<number>("test-empty", "a number")).single(), /has no contribution: load a plugin that provides a number/);
  // @ts-expect-error contributing the wrong shape is a compile error
  point.contribute("wrong", { greet: 1 });
});

test("definePlugin validates and brands", () => {
  assert.ok(isPlugin(definePlugin({ name: "x", setup() {} })));
  assert.not.ok(isPlugin({ name: "x", setup() {} }));
  assert.throws(() => definePlugin({ name: "", setup() {} }), /non-empty name/);
});

test.run();
