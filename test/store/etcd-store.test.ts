import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ETCD, OPENSSL, requireTool, testWithTool } from "../support/require-tool.js";
import { startEtcd, type EtcdCluster } from "../support/etcd.js";
import { EtcdStore } from "../../core/store/etcd-store.js";
import type { Store } from "../../core/store/store.js";
import { runStoreConformance } from "./store-conformance.js";

requireTool(ETCD);

// One etcd member for the suite; every store gets a prefix of its own (kube-apiserver's --etcd-prefix).
let etcd: EtcdCluster | undefined;
const stores: Store[] = [];
let n = 0;

runStoreConformance(
  "EtcdStore",
  async (options) => {
    etcd ??= await startEtcd(1);
    const store = await EtcdStore.open({ ...options, endpoints: etcd.endpoints, prefix: `/conformance-${++n}` });
    stores.push(store);
    return store;
  },
  async () => {
    for (const s of stores) await s.close();
    await etcd?.stop();
  },
);

const tlsTest = suite("EtcdStore over TLS");
testWithTool(OPENSSL, tlsTest)("TLS with client certificates: a member that requires them serves the store given the CA, certificate and key, and refuses a client without them", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kubesim-etcd-tls-"));
  const f = (name: string) => join(dir, name);
  const openssl = (args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f("ca.key"), "-out", f("ca.crt"), "-days", "1", "-subj", "/CN=etcd-ca"]);
  writeFileSync(f("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n");
  writeFileSync(f("client.ext"), "extendedKeyUsage=clientAuth\n");
  for (const who of ["server", "client"]) {
    openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", f(`${who}.key`), "-out", f(`${who}.csr`), "-subj", `/CN=${who === "server" ? "etcd" : "kube-apiserver-etcd-client"}`]);
    openssl(["x509", "-req", "-in", f(`${who}.csr`), "-CA", f("ca.crt"), "-CAkey", f("ca.key"), "-CAcreateserial", "-out", f(`${who}.crt`), "-days", "1", "-extfile", f(`${who}.ext`)]);
  }
  const cluster = await startEtcd(1, { certFile: f("server.crt"), keyFile: f("server.key"), trustedCaFile: f("ca.crt") });
  try {
    assert.match(cluster.endpoints[0]!, /^https:/);
    const store = await EtcdStore.open({ endpoints: cluster.endpoints, ca: readFileSync(f("ca.crt")), cert: readFileSync(f("client.crt")), key: readFileSync(f("client.key")), requestTimeoutMs: 3000 });
    const created = await store.create("/registry/configmaps/default/tls", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "tls", namespace: "default" }, data: { a: "1" } });
    assert.is((await store.get("/registry/configmaps/default/tls"))?.metadata?.resourceVersion, created.metadata?.resourceVersion);
    await store.close();
    let refused: unknown;
    try {
      await EtcdStore.open({ endpoints: cluster.endpoints, ca: readFileSync(f("ca.crt")), requestTimeoutMs: 1500 });
    } catch (err) {
      refused = err;
    }
    assert.ok(refused instanceof Error, "a client without a certificate is refused");
  } finally {
    await cluster.stop();
  }
});
tlsTest.run();
