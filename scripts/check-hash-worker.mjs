// Runs the hashing worker's script as a package ships it (minified; its source text is built at
// run time from the functions of src/hash_worker.js) on the package's own .wasm, and fails unless
// it hashes a file correctly both ways it reads one (byte stream, and arrayBuffer() slices as in
// WebKit). The page never notices a broken worker script, since the main thread then hashes
// instead; this check does. Used by scripts/package.sh after scripts/minify-js.sh.
//
//   node scripts/check-hash-worker.mjs pkg
import { readFile } from "node:fs/promises";
import { readdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import vm from "node:vm";
import { crc64 } from "../e2e/lib/crc64.mjs";

const dir = path.resolve(process.argv[2] || "pkg");
const snippet = readdirSync(path.join(dir, "snippets"), { recursive: true })
  .map((f) => path.join(dir, "snippets", f))
  .find((f) => f.endsWith(`${path.sep}src${path.sep}hash_worker.js`));
if (!snippet) throw new Error(`no snippets/**/src/hash_worker.js in ${dir}`);
const module = await WebAssembly.compile(await readFile(path.join(dir, "oss_resumable_bg.wasm")));

// The page side: capture the script the module would start a Worker from.
let source = null;
globalThis.Worker = class {
  postMessage() {}
  terminate() {}
};
URL.createObjectURL = (blob) => {
  source = blob;
  return "blob:check";
};
URL.revokeObjectURL = () => {};
const { warmHashWorker } = await import(pathToFileURL(snippet));
warmHashWorker(module);
if (!source) throw new Error("the module started no worker");
source = await source.text();

/** Runs the script in a fresh context standing in for a worker; resolves to its replies to `jobs`. */
async function runWorker(jobs) {
  const replies = [];
  let done;
  const all = new Promise((resolve) => (done = resolve));
  const self = {
    postMessage: (m) => {
      replies.push(m);
      if (replies.length === jobs.length) done(replies);
    },
  };
  Object.assign(self, { self, WebAssembly, BigInt, Uint8Array, ArrayBuffer, DOMException, Promise, Error, Math, Number, String });
  vm.runInNewContext(source, self);
  self.onmessage({ data: { module } });
  jobs.forEach((job, id) => self.onmessage({ data: { id, ...job } }));
  return all;
}

/** A Blob whose stream() is not a byte stream, as in WebKit. */
class PlainStreamBlob extends Blob {
  slice(...a) {
    return Object.setPrototypeOf(super.slice(...a), PlainStreamBlob.prototype);
  }
  stream() {
    const stream = super.stream();
    return {
      getReader(options) {
        if (options && options.mode === "byob") throw new TypeError("not a byte stream");
        return stream.getReader();
      },
    };
  }
}

const bytes = new Uint8Array(2.5 * 1024 * 1024 + 7);
for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + (i >> 11)) & 0xff;
const ranges = [
  [0, bytes.length],
  [1000, 1000 + (1 << 20)],
  [5, 5],
];
const failures = [];
for (const blob of [new Blob([bytes]), new PlainStreamBlob([bytes])]) {
  const replies = await runWorker(ranges.map(([start, end]) => ({ blob, start, end })));
  for (const r of replies) {
    const [start, end] = ranges[r.id];
    const want = crc64(bytes.subarray(start, end));
    const got = r.hi === undefined ? null : (BigInt(r.hi) << 32n) | BigInt(r.lo);
    if (got !== want || r.length !== end - start) {
      failures.push(`${blob.constructor.name} [${start}, ${end}): ${JSON.stringify(r)}, want crc ${want} length ${end - start}`);
    }
  }
}
if (failures.length) {
  console.error(`check-hash-worker: the worker script in ${path.relative(process.cwd(), snippet)} is broken:\n  ${failures.join("\n  ")}`);
  process.exit(1);
}
console.error(`check-hash-worker: the worker script (${source.length} bytes) hashes ${ranges.length} ranges right, as a byte stream and as slices`);
