// Variant AV's hashing worker (a module worker): the CRC-64 of one byte range of the file per
// message, read by oss-resumable's own read routine (`readRange` of src/hash_worker.js, served by
// the bench as /src/hash_worker.js: 1 MiB steps into one reused ArrayBuffer) and folded in with
// the package's own CRC-64 (its .wasm as shipped: shipped_crc64.js). Jobs run one at a time, as
// in O's worker. So AV differs from O only in what O adds: signing, the checkpoint, progress, retry.

import { readRange } from "/src/hash_worker.js";
import { shippedCrc64 } from "./shipped_crc64.js";

const CHUNK = 1 << 20;
const reuse = { chunk: CHUNK, buffer: null };
let wasm = null;
let ptr = 0;
let queue = Promise.resolve();

const ready = shippedCrc64().then((crc) => {
  wasm = crc;
  ptr = wasm.buffer(CHUNK);
});

async function hash(blob, start, end) {
  await ready;
  let crc = 0n;
  const length = await readRange(blob, start, end, reuse, (bytes) => {
    new Uint8Array(wasm.memory.buffer, ptr, bytes.byteLength).set(bytes);
    crc = wasm.update(crc, ptr, bytes.byteLength);
  });
  // u64 as a decimal string, as the server's x-oss-hash-crc64ecma is.
  return { crc64: BigInt.asUintN(64, crc).toString(), length };
}

self.onmessage = ({ data }) => {
  queue = queue.then(async () => {
    try {
      postMessage({ id: data.id, ...(await hash(data.blob, data.start, data.end)) });
    } catch (e) {
      postMessage({ id: data.id, error: String(e) });
    }
  });
};
