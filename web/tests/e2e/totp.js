// TOTP (RFC 6238: HMAC-SHA-1, 30-second steps) as an authenticator app computes it, for the
// browser stories that turn two-factor login on and log in with it.

import { createHmac } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (spaces, padding and case ignored) to bytes. */
export function base32Decode(text) {
  const bytes = [];
  let bits = 0;
  let value = 0;
  for (const char of text.replace(/[\s=]/g, '').toUpperCase()) {
    const index = BASE32.indexOf(char);
    if (index < 0) throw new Error(`not base32: ${char}`);
    value = ((value << 5) | index) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

/** The 30-second step `seconds` (Unix time) falls in. */
export function stepAt(seconds = Date.now() / 1000) {
  return Math.floor(seconds / 30);
}

/** The code for one step (RFC 4226 HOTP with the step as counter), `digits` long. */
export function codeForStep(key, step, digits = 6) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const hmac = createHmac('sha1', key).update(counter).digest();
  const offset = hmac[hmac.length - 1] & 0x0f;
  const number = hmac.readUInt32BE(offset) & 0x7fffffff;
  return String(number % 10 ** digits).padStart(digits, '0');
}

/** The code an app shows at `seconds` (Unix time) for `key` (bytes). */
export function totp(key, seconds = Date.now() / 1000, digits = 6) {
  return codeForStep(key, stepAt(seconds), digits);
}
