import { test } from "uvu";
import * as assert from "uvu/assert";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeProtectedHeader } from "jose";
import { RealClock } from "../../core/clock/real-clock.js";
import type { Client } from "../../core/client/client.js";
import { ClusterCredentials } from "../../core/apiserver/serviceaccount/cluster-credentials.js";
import { ServiceAccountTokens } from "../../core/apiserver/serviceaccount/service-account-tokens.js";

/** A client that knows one ServiceAccount, `default/robot` with uid `u-robot`. */
const client = (): Client =>
  ({
    resource: () => ({
      get: async (name: string) => {
        if (name !== "robot") throw Object.assign(new Error("not found"), { status: { reason: "NotFound" } });
        return { metadata: { name, namespace: "default", uid: "u-robot" } };
      },
    }),
  }) as unknown as Client;

async function roundTrip(credentials: ClusterCredentials): Promise<{ alg: string; user?: string; tamperedUser?: string }> {
  const tokens = new ServiceAccountTokens({ credentials, clock: new RealClock(), client });
  const token = (await tokens.request("default", "robot", { spec: {} } as never)).status!.token;
  const tampered = token.slice(0, -4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
  return { alg: decodeProtectedHeader(token).alg!, user: (await tokens.authenticate(token))?.username, tamperedUser: (await tokens.authenticate(tampered))?.username };
}

test("a new state directory gets an ECDSA P-256 sa.key (SEC 1 PEM, mode 0600) and ES256 tokens the authenticator accepts, and a tampered one it refuses", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kubesim-sa-"));
  try {
    const got = await roundTrip(new ClusterCredentials(dir));
    assert.is(got.alg, "ES256");
    assert.is(got.user, "system:serviceaccount:default:robot");
    assert.is(got.tamperedUser, undefined);
    assert.match(readFileSync(join(dir, "sa.key"), "utf8"), /^-----BEGIN EC PRIVATE KEY-----\n/);
    assert.is(statSync(join(dir, "sa.key")).mode & 0o777, 0o600);
    // The same directory again: the same key, so the earlier token still verifies.
    assert.is((await new ClusterCredentials(dir).signingKey()).kid, (await new ClusterCredentials(dir).signingKey()).kid);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an RSA sa.key already in the state directory is kept and signs RS256 tokens, still accepted", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kubesim-sa-"));
  try {
    const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    writeFileSync(join(dir, "sa.key"), pem, { mode: 0o600 });
    const got = await roundTrip(new ClusterCredentials(dir));
    assert.is(got.alg, "RS256");
    assert.is(got.user, "system:serviceaccount:default:robot");
    assert.is(got.tamperedUser, undefined);
    assert.is(readFileSync(join(dir, "sa.key"), "utf8"), pem);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a key of another type or curve is refused with a message naming what is supported", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kubesim-sa-"));
  try {
    writeFileSync(join(dir, "sa.key"), generateKeyPairSync("ec", { namedCurve: "secp384r1" }).privateKey.export({ type: "sec1", format: "pem" }));
    try {
      await new ClusterCredentials(dir).signingKey();
      assert.unreachable("a P-384 key was accepted");
    } catch (err) {
      assert.match((err as Error).message, /unsupported key type ec \(curve secp384r1\): use RSA or ECDSA P-256/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
