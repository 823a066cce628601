/**
 * Plain-HTTP mode: kubectl sends no bearer token over HTTP, so requests without credentials are
 * served as the insecure superuser (loopback only, unless explicitly allowed); a wrong token is
 * still refused. kubectl works with the kubeconfig written for the server.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { request as httpsRequest } from "node:https";
import { startFixture } from "./fixture.js";
import { kubectlIn } from "../clients/kubectl-runner.js";
import { KUBECTL, testWithTool } from "../support/require-tool.js";
import { checkInsecureHost, isLoopbackHost } from "../../core/apiserver/http/insecure-http.js";
import { startHttpServer } from "../../core/apiserver/http/http-server.js";
import { createLogger } from "../../core/log/logger.js";

const fx = await startFixture({ insecureHttp: true });

test("a request without credentials is the insecure superuser; a wrong token is 401", async () => {
  const anonymous = await fx.fetch("/api/v1/namespaces", { token: null });
  assert.is(anonymous.status, 200);
  const created = await fx.fetch("/api/v1/namespaces/default/configmaps", {
    token: null,
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "anon" } }),
  });
  assert.is(created.status, 201);
  const wrong = await fx.fetch("/api/v1/namespaces", { token: "not-the-token" });
  assert.is(wrong.status, 401);
  assert.is(((await wrong.json()) as { reason: string }).reason, "Unauthorized");
});

test("plain HTTP on a non-loopback address is refused unless explicitly allowed", async () => {
  for (const host of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "::ffff:127.0.0.1"]) assert.ok(isLoopbackHost(host), host);
  for (const host of ["0.0.0.0", "::", "10.0.0.1", "192.168.1.10", "example.com"]) assert.not.ok(isLoopbackHost(host), host);
  let message = "";
  try {
    await startHttpServer({ apiServer: fx.cp.apiServer, clock: fx.cp.clock, log: createLogger("http", { level: "silent" }), host: "0.0.0.0", port: 0, insecureHttp: true, token: "t" });
  } catch (err) {
    message = (err as Error).message;
  }
  assert.match(message, /^refusing to serve plain HTTP on 0\.0\.0\.0: .* allow it explicitly \(--insecure-allow-remote\)$/);
  checkInsecureHost("0.0.0.0", true); // allowed explicitly: no throw
  const remote = await startHttpServer({ apiServer: fx.cp.apiServer, clock: fx.cp.clock, log: createLogger("http", { level: "silent" }), host: "0.0.0.0", port: 0, insecureHttp: true, insecureAllowRemote: true, token: "t" });
  try {
    assert.is((await fetch(`${remote.url}/api/v1/namespaces`)).status, 200);
  } finally {
    await remote.close();
  }
});

test("over HTTPS a request without credentials is still 401", async () => {
  const secure = await startFixture();
  try {
    const code = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(`${secure.server.url}/api/v1/namespaces`, { ca: secure.server.caData }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    assert.is(code, 401);
  } finally {
    await secure.stop();
  }
});

testWithTool(KUBECTL, test)("kubectl works with the kubeconfig written for a plain-HTTP server", async () => {
  const k = kubectlIn(fx.dir, fx.kubeconfig);
  const created = await k.run(["create", "configmap", "from-kubectl", "--from-literal=a=1"]);
  assert.is(created.code, 0, created.stderr);
  assert.is(created.stdout.trim(), "configmap/from-kubectl created");
  const got = await k.run(["get", "configmap", "from-kubectl", "-o", "jsonpath={.data.a}"]);
  assert.is(got.code, 0, got.stderr);
  assert.is(got.stdout, "1");
  const ns = await k.run(["get", "namespaces", "-o", "name"]);
  assert.is(ns.code, 0, ns.stderr);
  assert.match(ns.stdout, /^namespace\/default$/m);
});

test.after(() => fx.stop());

test.run();
