import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import ipaddr from "ipaddr.js";
import { isValidIP } from "../../../core/api/validation/ip-address.js";

test("isValidIP answers as ipaddr.js's isValid for canonical, odd and invalid addresses", () => {
  for (const ip of ["10.244.1.5", "0.0.0.0", "255.255.255.255", "256.1.1.1", "010.1.1.1", "1.2.3", "1.2.3.4.5", "0xa.1.2.3", "10", "", "1.2.3.4 ", "::1", "2001:db8::ffff", "fe80::1%eth0", "::ffff:1.2.3.4", "nope"]) {
    assert.is(isValidIP(ip), ipaddr.isValid(ip), ip);
  }
});

test("property: the same answer as ipaddr.js for dotted strings of numbers", () => {
  const part = fc.oneof(fc.nat(300).map(String), fc.constantFrom("00", "01", "0x1f", "", "-1", "1e2"));
  fc.assert(fc.property(fc.array(part, { minLength: 1, maxLength: 5 }), (parts) => {
    const ip = parts.join(".");
    assert.is(isValidIP(ip), ipaddr.isValid(ip), ip);
  }), { numRuns: 5000 });
});

test.run();
