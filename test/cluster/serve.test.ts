/** `cluster.serve`: the cluster's API over HTTP, authorized by the plugins' HttpAuthorizers, closed by `stop`. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../core/cluster/cluster.js";
import { definePlugin } from "../../core/plugins/plugin.js";
import { HttpAuthorizers } from "../../core/apiserver/http/authorization.js";
import type { TokenAuthenticator } from "../../core/apiserver/http/authentication.js";

const ADMIN = "admin-token";
const DEV = "dev-token";
/** The admin token (kubernetes-admin, system:masters) and a plain user `dev`. */
const authenticator: TokenAuthenticator = {
  authenticate: (t) =>
    t === ADMIN ? { username: "kubernetes-admin", groups: ["system:masters", "system:authenticated"] } : t === DEV ? { username: "dev", groups: ["system:authenticated"] } : undefined,
};

/** A plugin whose authorizer lets `dev` read ConfigMaps and nothing else. */
const configMapReader = definePlugin({
  name: "configmap-reader",
  setup(ctx) {
    ctx.contribute(HttpAuthorizers, "ConfigMapReader", {
      name: "ConfigMapReader",
      authorize: (a) => (a.user.username === "dev" && a.resource === "configmaps" && ["get", "list", "watch"].includes(a.verb) ? { allowed: true } : { allowed: false, reason: "dev may only read configmaps" }),
    });
  },
});

const get = (url: string, path: string, token: string): Promise<Response> => fetch(url + path, { headers: { Authorization: `Bearer ${token}` } });

test("a server started with cluster.serve honours the plugins' HttpAuthorizers", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, plugins: [] }).use(configMapReader);
  await cluster.start();
  try {
    const server = await cluster.serve({ port: 0, insecureHttp: true, token: ADMIN, authenticator });
    assert.is((await get(server.url, "/api/v1/namespaces/default/configmaps", DEV)).status, 200);
    const denied = await get(server.url, "/api/v1/namespaces/default/secrets", DEV);
    assert.is(denied.status, 403);
    const status = (await denied.json()) as { reason: string; message: string };
    assert.is(status.reason, "Forbidden");
    assert.is(status.message, 'secrets is forbidden: User "dev" cannot list resource "secrets" in API group "" in the namespace "default": dev may only read configmaps');
    // The admin (system:masters) is allowed everything.
    assert.is((await get(server.url, "/api/v1/namespaces/default/secrets", ADMIN)).status, 200);
  } finally {
    await cluster.stop();
  }
});

test("by default (Node,RBAC) a user without bindings is forbidden", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, plugins: [] });
  await cluster.start();
  try {
    const server = await cluster.serve({ port: 0, insecureHttp: true, token: ADMIN, authenticator });
    const denied = await get(server.url, "/api/v1/namespaces/default/secrets", DEV);
    assert.is(denied.status, 403);
    assert.is(((await denied.json()) as { message: string }).message, 'secrets is forbidden: User "dev" cannot list resource "secrets" in API group "" in the namespace "default"');
  } finally {
    await cluster.stop();
  }
});

test("with AlwaysAllow and no contributed authorizers every authenticated request is allowed; stop closes the server", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, plugins: [], authorizationModes: ["AlwaysAllow"] });
  await cluster.start();
  const server = await cluster.serve({ port: 0, insecureHttp: true, token: ADMIN, authenticator });
  try {
    assert.is((await get(server.url, "/api/v1/namespaces/default/secrets", DEV)).status, 200);
  } finally {
    await cluster.stop();
  }
  const after = await fetch(server.url + "/version").then(
    () => "answered",
    (err: Error) => (err.cause as { code?: string } | undefined)?.code ?? err.message,
  );
  assert.is(after, "ECONNREFUSED");
});

test.run();
