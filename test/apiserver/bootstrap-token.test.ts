/** Bootstrap tokens: the authenticator, the cluster-info signature (checked against jose's JWS) and the signer controller. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CompactSign } from "jose";
import type { ConfigMap, Secret } from "kubernetes-types/core/v1.js";
import { Cluster } from "../../core/cluster/cluster.js";
import { bootstrapTokenAuthenticator, bootstrapTokenSecret, detachedSignature, generateBootstrapToken, parseBootstrapToken } from "../../core/apiserver/bootstrap-token/bootstrap-token.js";
import { caCertHash, clusterInfoKubeconfig, joinCommand, publishClusterInfo } from "../../core/cli/kubeadm.js";
import { createCertificateAuthoritySync } from "../../core/apiserver/http/tls.js";
import { kubeControllerManager } from "../../plugins/kube-controller-manager/index.js";

test("a detached signature is the JWS (HS256, kid = token id, keyed by the token secret) with its payload left out", async () => {
  const content = clusterInfoKubeconfig("https://127.0.0.1:6443", "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n");
  const full = await new CompactSign(new TextEncoder().encode(content)).setProtectedHeader({ alg: "HS256", kid: "abcdef" }).sign(new TextEncoder().encode("0123456789abcdef"));
  const [header, , signature] = full.split(".");
  assert.is(detachedSignature(content, "abcdef", "0123456789abcdef"), `${header}..${signature}`);
  assert.is.not(detachedSignature(content + " ", "abcdef", "0123456789abcdef"), `${header}..${signature}`);
});

test("generated tokens have kubeadm's shape; other strings are not tokens", () => {
  for (let i = 0; i < 20; i++) assert.ok(parseBootstrapToken(generateBootstrapToken()));
  assert.is(parseBootstrapToken("ABCDEF.0123456789abcdef"), undefined);
  assert.is(parseBootstrapToken("abcdef.0123456789abcde"), undefined);
});

test("the authenticator: system:bootstrap:<id> in system:bootstrappers and the extra groups; a wrong secret, an expired token or one without the authentication usage is unknown", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, plugins: [], nodes: 0 });
  await cluster.start();
  try {
    const secrets = cluster.client.resource<Secret>("Secret");
    const now = cluster.clock.now();
    await secrets.create(bootstrapTokenSecret("abcdef.0123456789abcdef", { now, ttlMs: 60_000 }));
    const auth = bootstrapTokenAuthenticator(cluster.client, () => cluster.clock.now());
    const user = await auth.authenticate("abcdef.0123456789abcdef");
    assert.equal(user, { username: "system:bootstrap:abcdef", groups: ["system:bootstrappers", "system:bootstrappers:kubeadm:default-node-token", "system:authenticated"] });
    assert.is(await auth.authenticate("abcdef.0123456789abcdeX"), undefined);
    assert.is(await auth.authenticate("zzzzzz.0123456789abcdef"), undefined);
    const noAuth = bootstrapTokenSecret("ghijkl.0123456789abcdef", { now, ttlMs: 0 });
    noAuth.data!["usage-bootstrap-authentication"] = Buffer.from("false").toString("base64");
    await secrets.create(noAuth);
    assert.is(await auth.authenticate("ghijkl.0123456789abcdef"), undefined);
    await cluster.clock.sleep(61_000);
    assert.is(await auth.authenticate("abcdef.0123456789abcdef"), undefined, "expired");
  } finally {
    await cluster.stop();
  }
});

test("the bootstrap signer (kube-controller-manager --controllers=*,bootstrapsigner) signs cluster-info with each signing token and drops a deleted token's signature", async () => {
  const cluster = new Cluster({ clock: "virtual", seed: 1, nodes: 0, plugins: [kubeControllerManager({ controllers: ["*", "bootstrapsigner"] })] });
  await cluster.start();
  try {
    const ca = createCertificateAuthoritySync().certPem;
    await publishClusterInfo(cluster.client, "https://127.0.0.1:6443", ca);
    const secrets = cluster.client.resource<Secret>("Secret");
    await secrets.create(bootstrapTokenSecret("abcdef.0123456789abcdef", { now: cluster.clock.now(), ttlMs: 0 }));
    await secrets.create(bootstrapTokenSecret("ghijkl.fedcba9876543210", { now: cluster.clock.now(), ttlMs: 0 }));
    const signed = await cluster.waitFor<ConfigMap>("ConfigMap", (cm) => cm.metadata?.name === "cluster-info" && Object.keys(cm.data ?? {}).length === 3, { namespace: "kube-public" });
    const content = signed.data!["kubeconfig"]!;
    assert.is(signed.data!["jws-kubeconfig-abcdef"], detachedSignature(content, "abcdef", "0123456789abcdef"));
    assert.is(signed.data!["jws-kubeconfig-ghijkl"], detachedSignature(content, "ghijkl", "fedcba9876543210"));
    await secrets.delete("bootstrap-token-ghijkl", { namespace: "kube-system" });
    const after = await cluster.waitFor<ConfigMap>("ConfigMap", (cm) => cm.metadata?.name === "cluster-info" && !cm.data?.["jws-kubeconfig-ghijkl"], { namespace: "kube-public" });
    assert.ok(after.data!["jws-kubeconfig-abcdef"]);
    // The join command pins the CA's public key hash.
    assert.match(joinCommand("https://127.0.0.1:6443", "abcdef.0123456789abcdef", ca), new RegExp(`^kubesim join 127\\.0\\.0\\.1:6443 --token abcdef\\.0123456789abcdef \\\\\\n\\t--discovery-token-ca-cert-hash ${caCertHash(ca)}$`));
  } finally {
    await cluster.stop();
  }
});

test.run();
