// CRC-64/XZ (ECMA-182 polynomial, reflected, init and xorout all ones) — what OSS reports in
// x-oss-hash-crc64ecma — computed independently of the code under test. Two 32-bit halves keep it
// fast without BigInt in the loop. Check value: crc64("123456789") = 0x995dc9bbdf1939fa.
const POLY_HI = 0xc96c5795;
const POLY_LO = 0xd7870f42;
const T_HI = new Uint32Array(256);
const T_LO = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  let hi = 0;
  let lo = i;
  for (let k = 0; k < 8; k++) {
    const odd = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi >>>= 1;
    if (odd) {
      hi = (hi ^ POLY_HI) >>> 0;
      lo = (lo ^ POLY_LO) >>> 0;
    }
  }
  T_HI[i] = hi;
  T_LO[i] = lo;
}

/** CRC-64/XZ of `bytes` (Uint8Array or Buffer) as a BigInt. */
export function crc64(bytes) {
  let hi = 0xffffffff;
  let lo = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    const idx = (lo ^ bytes[i]) & 0xff;
    lo = ((lo >>> 8) | (hi << 24)) ^ T_LO[idx];
    hi = (hi >>> 8) ^ T_HI[idx];
  }
  return (BigInt((~hi) >>> 0) << 32n) | BigInt((~lo) >>> 0);
}
