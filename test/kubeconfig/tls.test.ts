import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, connect } from "node:tls";
import { X509Certificate } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadOrCreateServingCertificates } from "../../core/apiserver/http/tls.js";

test("creates a CA and a serving certificate with the API server's SANs, signed by the CA", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tls-"));
  try {
    const certs = await loadOrCreateServingCertificates(dir, { ipAddresses: ["10.96.0.1"] });
    assert.is(certs.generated, true);
    const ca = new X509Certificate(certs.caCertPem);
    const cert = new X509Certificate(certs.certPem);
    assert.ok(ca.ca);
    assert.not.ok(cert.ca);
    assert.ok(cert.verify(ca.publicKey));
    assert.ok(cert.checkIssued(ca));
    assert.ok(cert.checkHost("kubernetes.default.svc"));
    assert.ok(cert.checkHost("localhost"));
    assert.ok(cert.checkIP("127.0.0.1"));
    assert.ok(cert.checkIP("10.96.0.1"));
    assert.not.ok(cert.checkHost("example.com"));
    assert.is(statSync(join(dir, "apiserver.key")).mode & 0o777, 0o600);
    assert.is(statSync(join(dir, "ca.key")).mode & 0o777, 0o600);
    assert.is(readFileSync(join(dir, "ca.crt"), "utf8"), certs.caCertPem);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("reuses saved material; a new SAN re-issues the serving certificate under the same CA", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tls-"));
  try {
    const first = await loadOrCreateServingCertificates(dir);
    const again = await loadOrCreateServingCertificates(dir);
    assert.is(again.generated, false);
    assert.is(again.certPem, first.certPem);
    const widened = await loadOrCreateServingCertificates(dir, { dnsNames: ["kubesim.local"] });
    assert.is(widened.generated, true);
    assert.is(widened.caCertPem, first.caCertPem);
    assert.is.not(widened.certPem, first.certPem);
    assert.ok(new X509Certificate(widened.certPem).checkHost("kubesim.local"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a TLS client trusting only the CA completes a handshake with the serving certificate", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tls-"));
  const certs = await loadOrCreateServingCertificates(dir);
  const server = createServer({ key: certs.keyPem, cert: certs.certPem }, (socket) => socket.end("ok"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const port = (server.address() as { port: number }).port;
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port, ca: certs.caCertPem, servername: "localhost" }, () => {
        let data = "";
        socket.on("data", (d: Buffer) => (data += d.toString()));
        socket.on("end", () => resolve(data));
      });
      socket.on("error", reject);
    });
    assert.is(reply, "ok");
  } finally {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
