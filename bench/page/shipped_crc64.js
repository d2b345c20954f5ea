// The CRC-64 the package ships, for the CRC-64 speed figure (bench.js, variant CRC) and variant
// AV's hashing worker (av_worker.js): the package's own .wasm, exactly as `make package` built and
// optimised it (served as /pkg/oss_resumable_bg.wasm), instantiated the way its hashing worker
// does (src/hash_worker.js): every import replaced by a stub that throws, and only the two raw
// exports that touch no import called. So both figures measure the code users run, wasm-opt
// included, not a separate build of the core's CRC-64 (bench/crc64-wasm until 2026-12-04).

/** Resolves to `{ memory, buffer(len) → ptr, update(crc, ptr, len) → crc }` (crc a BigInt). */
export async function shippedCrc64() {
  const module = await WebAssembly.compileStreaming(fetch("/pkg/oss_resumable_bg.wasm"));
  const imports = {};
  for (const i of WebAssembly.Module.imports(module)) {
    if (i.kind !== "function") throw new Error(`the package's wasm imports a ${i.kind}`);
    (imports[i.module] ??= {})[i.name] = () => {
      throw new Error(`the CRC-64 exports called an import (${i.module}.${i.name})`);
    };
  }
  const wasm = new WebAssembly.Instance(module, imports).exports;
  return {
    memory: wasm.memory,
    buffer: (len) => wasm.oss_resumable_hash_buffer(len),
    update: (crc, ptr, len) => wasm.oss_resumable_crc64_update(crc, ptr, len),
  };
}
