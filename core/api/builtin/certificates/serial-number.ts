import { randomBytes } from "node:crypto";

/**
 * A certificate serial number as the bytes of a DER INTEGER: 16 random bytes with the top byte in
 * 0x40–0x7f, so the number is positive (top bit clear) and its encoding minimal (never a leading
 * 0x00 byte, which DER forbids: OpenSSL rejects such a certificate with "illegal padding"). 126
 * random bits, within RFC 5280's 20 octets. `random`: the 16 bytes to use (default fresh ones).
 */
export function certificateSerial(random: Buffer = randomBytes(16)): Buffer {
  const serial = Buffer.from(random);
  serial[0] = (serial[0]! & 0x3f) | 0x40;
  return serial;
}
