import { X509Certificate } from "node:crypto";
import forge from "node-forge";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { certificateSerial } from "../../core/api/builtin/certificates/serial-number.js";

/** A self-signed certificate (small RSA key: fast) with `serialHex` as its serial number. */
function certificateWithSerial(serialHex: string): string {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 512, e: 0x10001 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialHex;
  cert.validity.notBefore = new Date(0);
  cert.validity.notAfter = new Date(86_400_000);
  cert.setSubject([{ name: "commonName", value: "serial" }]);
  cert.setIssuer([{ name: "commonName", value: "serial" }]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

test("the top byte is always 0x40-0x7f: positive and minimally encoded, the other 15 bytes as given", () => {
  const zeros = Buffer.alloc(16);
  const low = certificateSerial(zeros);
  assert.is(low[0], 0x40);
  assert.equal([...low.subarray(1)], [...zeros.subarray(1)]);
  assert.is(zeros[0], 0, "the given bytes are not changed");
  const high = certificateSerial(Buffer.alloc(16, 0xff));
  assert.is(high[0], 0x7f);
  assert.is(high.length, 16);
  for (let i = 0; i < 256; i++) {
    const first = certificateSerial(Buffer.from([i, ...Buffer.alloc(15)]))[0]!;
    assert.ok(first >= 0x40 && first <= 0x7f, `top byte ${first} from ${i}`);
  }
});

test("random bytes that start with zeros still give a certificate OpenSSL loads (a leading 0x00 was 'illegal padding')", () => {
  const pem = certificateWithSerial(certificateSerial(Buffer.alloc(16)).toString("hex"));
  assert.is(new X509Certificate(pem).serialNumber, "40" + "00".repeat(15));
  // What clearing only the top bit gave for such bytes, 1 time in 256: a DER INTEGER with a redundant leading zero.
  assert.throws(() => new X509Certificate(certificateWithSerial("00".repeat(16))), /illegal padding|asn1|nested/i);
});

test.run();
