// Variant AV's hashing worker: the CRC-64 of one byte range of the file per message, read and
// hashed the way oss-resumable's hashing worker does (src/hash_worker.js): the range is read in
// 1 MiB steps into one reused ArrayBuffer (a BYOB reader on Blob.stream(); one arrayBuffer() per
// step where the engine's Blob stream is not a byte stream), each step copied into the wasm
// buffer and folded in with the core's own CRC-64 (bench/crc64-wasm, served as /crc64.wasm).
// Jobs run one at a time, as in O's worker.

const CHUNK = 1 << 20;
let wasm = null;
let ptr = 0;
let buffer = null; // the reused read buffer
let queue = Promise.resolve();

const ready = WebAssembly.instantiateStreaming(fetch("./crc64.wasm")).then(({ instance }) => {
  wasm = instance.exports;
  ptr = wasm.alloc(CHUNK);
});

function fold(crc, bytes) {
  new Uint8Array(wasm.memory.buffer, ptr, bytes.byteLength).set(bytes);
  return wasm.crc64_update(crc, ptr, bytes.byteLength);
}

async function hash(blob, start, end) {
  await ready;
  let crc = 0n;
  let length = 0;
  let reader = null;
  try {
    reader = blob.slice(start, end).stream().getReader({ mode: "byob" });
  } catch {
    reader = null;
  }
  if (!reader) {
    for (let at = start; at < end; at += CHUNK) {
      const bytes = new Uint8Array(await blob.slice(at, Math.min(at + CHUNK, end)).arrayBuffer());
      crc = fold(crc, bytes);
      length += bytes.byteLength;
    }
  } else {
    let filled = 0;
    for (;;) {
      buffer ??= new ArrayBuffer(CHUNK);
      const { done, value } = await reader.read(new Uint8Array(buffer, filled, CHUNK - filled));
      if (value) {
        buffer = value.buffer;
        filled += value.byteLength;
      }
      if (filled === CHUNK || (done && filled > 0)) {
        crc = fold(crc, new Uint8Array(buffer, 0, filled));
        length += filled;
        filled = 0;
      }
      if (done) break;
    }
  }
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
