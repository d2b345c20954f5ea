// The benchmark page. bench/run.mjs opens it as index.html?v=<variant>&server=…, sets the file
// input through DevTools (DOM.setFileInputFiles) and calls window.bench.* with Runtime.evaluate.
// Each variant gets a fresh page, and only its own library is loaded into it.
//
//   A      plain XHR PUTs of the file's Blob slices to the dev server's sink (the raw ceiling)
//   A-dt   A, run.mjs throttles the tab with Chromium's DevTools network emulation
//   AV     A, each slice sent once its CRC-64 is known, hashed in a worker (the verifying ceiling)
//   O      oss-resumable (the package built from this repository), explicit part size/parallel
//   O-def  oss-resumable with its defaults
//   B      ali-oss multipartUpload with explicit part size/parallel, V4, STS
//   C      ali-oss multipartUpload with its defaults
//   CRC    the package's CRC-64, its own .wasm as shipped (shipped_crc64.js), no upload

const params = new URLSearchParams(location.search);
const variant = params.get("v");
const server = params.get("server"); // http://127.0.0.1:<port>, path-style
const vhostEndpoint = params.get("vhost"); // http://localhost:<port>: ali-oss goes virtual-hosted
const bucket = params.get("bucket") || "demo";
const region = params.get("region") || "cn-hangzhou";

let oss = null; // the oss-resumable module
let wasmMemory = null; // its linear memory
let crc = null; // variant CRC: the package's CRC-64 (shipped_crc64.js)
let resumeUploader = null; // variant "resume": the page's Uploader, made at load

async function sts() {
  const res = await fetch(`${server}/__dev/sts`, { method: "POST" });
  if (!res.ok) throw new Error(`STS ${res.status}`);
  return res.json(); // {AccessKeyId, AccessKeySecret, SecurityToken, Expiration}
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.appendChild(s);
  });
}

let libraryLoadMs = null; // how long importing the package took, its wasm instantiated

async function load() {
  if (variant === "O" || variant === "O-def" || variant === "resume") {
    // Through the package's entry, as `import { Uploader } from "oss-resumable"` loads it in an
    // app: it fetches the glue and its modules and instantiates the wasm (top-level await).
    const start = performance.now();
    oss = await import("./pkg/index.js");
    libraryLoadMs = performance.now() - start;
    wasmMemory = oss.initSync().memory; // already initialised: returns the instance's exports
    if (variant === "resume") {
      // Made as the page loads, as an app (and <oss-uploader>) makes its Uploader, before the
      // user picks a file: its IndexedDB database opens meanwhile.
      resumeUploader = uploader({
        partSize: Number(params.get("partSize")),
        parallel: Number(params.get("parallel")),
        checkpointStore: "oss-bench-resume",
      });
    }
  } else if (variant === "B" || variant === "C") {
    await loadScript("./vendor/aliyun-oss-sdk.min.js");
  } else if (variant === "CRC") {
    crc = await (await import("./shipped_crc64.js")).shippedCrc64();
  }
}

let readyAtMs = null; // when the library was loaded and initialised, ms after navigation start
window.benchReady = load().then(() => {
  readyAtMs = performance.now();
  return true;
});

function theFile() {
  const input = document.getElementById("file");
  if (!input.files || input.files.length !== 1) throw new Error("no file set on #file");
  return input.files[0];
}

/// Samples the main thread while `work` runs: longest Long Task (Long Tasks API, only tasks
/// ≥ 50 ms are reported), the worst lateness of a 10 ms interval timer (≈ the longest task,
/// also below 50 ms), the JS heap's peak over its starting value, and wasm memory growth.
async function measured(work) {
  if (typeof gc === "function") gc(); // --js-flags=--expose-gc: a settled baseline
  // Let the task that ran gc() end first: the Long Tasks API would otherwise report that task
  // (the harness's, 50–90 ms) as the upload's longest.
  await new Promise((r) => setTimeout(r, 20));
  const wasmStart = wasmMemory ? wasmMemory.buffer.byteLength : 0;
  // performance.memory and the Long Tasks API are Chromium's; Firefox and WebKit (the per-engine
  // rows) report throughput and timer lateness only.
  const heap = () => (performance.memory ? performance.memory.usedJSHeapSize : 0);
  const heapStart = heap();
  let heapPeak = heapStart;
  let longTaskMax = 0;
  let longTaskAt = null; // when the longest task started, ms after the work started
  let longTasks = 0;
  const begin = performance.now();
  const record = (e) => {
    longTasks += 1;
    if (e.duration > longTaskMax) {
      longTaskMax = e.duration;
      longTaskAt = Math.round(e.startTime - begin);
    }
  };
  const observer = new PerformanceObserver((list) => list.getEntries().forEach(record));
  const longTasksSeen = PerformanceObserver.supportedEntryTypes?.includes("longtask") ?? false;
  if (longTasksSeen) observer.observe({ type: "longtask" });
  const period = 10;
  let last = performance.now();
  let latenessMax = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    latenessMax = Math.max(latenessMax, now - last - period);
    last = now;
    ticks += 1;
    // performance.memory with precise info costs ~0.1 ms: sampled every 5th tick.
    if (ticks % 5 === 0) heapPeak = Math.max(heapPeak, heap());
  }, period);

  const t0 = performance.now();
  let value;
  try {
    value = await work();
  } finally {
    clearInterval(timer);
  }
  const ms = performance.now() - t0;
  heapPeak = Math.max(heapPeak, heap());
  // Let the observer deliver entries of the last tasks.
  await new Promise((r) => setTimeout(r, 50));
  observer.takeRecords().forEach(record);
  observer.disconnect();
  return {
    ms,
    value,
    longTaskMaxMs: longTasksSeen ? longTaskMax : null,
    longTaskAtMs: longTaskAt,
    longTasks,
    timerLatenessMaxMs: Math.max(0, latenessMax),
    timerTicks: ticks,
    heapStart,
    heapPeakRise: heapPeak - heapStart,
    wasmStart,
    wasmRise: (wasmMemory ? wasmMemory.buffer.byteLength : 0) - wasmStart,
  };
}

/// Resolves to the CRC-64 the sink computed (its x-oss-hash-crc64ecma, a decimal u64).
function xhrPut(url, body) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    xhr.onload = () =>
      xhr.status === 200
        ? resolve(xhr.getResponseHeader("x-oss-hash-crc64ecma"))
        : reject(new Error(`PUT ${xhr.status}`));
    xhr.onerror = () => reject(new Error("network error"));
    xhr.send(body);
  });
}

/// A: the ceiling. The same Blob slices, `parallel` in flight, to PUT /__dev/sink/… which hashes
/// MD5 + CRC-64 like UploadPart and keeps nothing.
async function runA({ key, partSize, parallel }, onPart = () => {}) {
  const file = theFile();
  const parts = Math.ceil(file.size / partSize);
  let next = 0;
  let done = 0;
  async function worker() {
    while (next < parts) {
      const i = next++;
      const start = i * partSize;
      const slice = file.slice(start, Math.min(start + partSize, file.size));
      await xhrPut(`${server}/__dev/sink/${bucket}/${key}/${i + 1}`, slice);
      onPart((done += 1));
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker));
  return { parts };
}

function uploader(opts) {
  return new oss.Uploader({
    endpoint: server,
    bucket,
    region,
    pathStyle: true,
    credentials: sts,
    checkpointStore: "oss-bench",
    ...opts,
  });
}

async function runO({ key, partSize, parallel }) {
  const file = theFile();
  const up = uploader(partSize ? { partSize, parallel } : {});
  let progressEvents = 0;
  const r = await up.upload(file, key, { onProgress: () => (progressEvents += 1) });
  return { crc64: r.crc64, size: r.size, resumed: r.resumed, progressEvents };
}

async function runAliOss({ key, partSize, parallel }) {
  const file = theFile();
  const c = await sts();
  const client = new OSS({
    region: `oss-${region}`,
    endpoint: vhostEndpoint,
    bucket,
    accessKeyId: c.AccessKeyId,
    accessKeySecret: c.AccessKeySecret,
    stsToken: c.SecurityToken,
    authorizationV4: true,
    secure: false,
    timeout: 600000,
  });
  const opts = partSize ? { partSize, parallel } : {};
  const r = await client.multipartUpload(key, file, opts);
  if (!r || !r.res || r.res.status !== 200) throw new Error(`ali-oss: ${JSON.stringify(r && r.res)}`);
  return { status: r.res.status };
}

/// AV: the verifying ceiling. A's PUTs, but each slice is sent only once its CRC-64 is known,
/// hashed in a worker (bench/page/av_worker.js) up to `parallel` parts ahead of the part being
/// sent, as O pipelines hashing; each part's CRC is checked against the one the sink computed.
async function runAV({ key, partSize, parallel }) {
  const file = theFile();
  const parts = Math.ceil(file.size / partSize);
  const worker = new Worker("./av_worker.js", { type: "module" });
  const waiting = new Map();
  worker.onmessage = ({ data }) => {
    waiting.get(data.id)(data);
    waiting.delete(data.id);
  };
  const hashes = [];
  const hashUpTo = (last) => {
    for (let i = hashes.length; i <= Math.min(last, parts - 1); i++) {
      const start = i * partSize;
      const end = Math.min(start + partSize, file.size);
      hashes.push(new Promise((resolve) => waiting.set(i, resolve)));
      worker.postMessage({ id: i, blob: file, start, end });
    }
  };
  let next = 0;
  let mismatches = 0;
  async function sender() {
    while (next < parts) {
      const i = next++;
      hashUpTo(i + parallel);
      const h = await hashes[i];
      if (h.error) throw new Error(`hashing part ${i + 1}: ${h.error}`);
      const start = i * partSize;
      const slice = file.slice(start, Math.min(start + partSize, file.size));
      const atServer = await xhrPut(`${server}/__dev/sink/${bucket}/${key}/${i + 1}`, slice);
      if (atServer !== h.crc64) mismatches += 1;
    }
  }
  try {
    await Promise.all(Array.from({ length: parallel }, sender));
  } finally {
    worker.terminate();
  }
  if (mismatches) throw new Error(`AV: ${mismatches} parts' CRC-64 differ from the server's`);
  return { parts, crcChecked: parts };
}

const runners = { A: runA, "A-dt": runA, AV: runAV, O: runO, "O-def": runO, B: runAliOss, C: runAliOss };

window.bench = {
  async run(opts) {
    await window.benchReady;
    return measured(() => runners[variant](opts));
  },

  /// CRC-64 throughput of the package's wasm: `mib` MiB of random bytes hashed `reps` times.
  async crc64({ mib = 64, reps = 9 } = {}) {
    await window.benchReady;
    const len = mib * 1024 * 1024;
    const ptr = crc.buffer(len);
    const view = new Uint8Array(crc.memory.buffer, ptr, len);
    for (let at = 0; at < len; at += 65536) crypto.getRandomValues(view.subarray(at, at + 65536));
    // Known answer first: CRC-64/XZ("123456789") = 0x995dc9bbdf1939fa.
    const saved = view.slice(0, 9);
    view.set(new TextEncoder().encode("123456789"));
    const check = BigInt.asUintN(64, crc.update(0n, ptr, 9)).toString(16);
    view.set(saved);
    crc.update(0n, ptr, len); // warm-up (tier-up to the optimising compiler)
    const gbps = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      crc.update(0n, ptr, len);
      gbps.push(len / ((performance.now() - t0) / 1000) / 1e9);
    }
    return { check, gbps };
  },

  /// Resume, part 1: start an upload and resolve once `parts` parts are done (the upload keeps
  /// running until run.mjs reloads the page under it).
  async startForResume({ key, parts }) {
    await window.benchReady;
    const file = theFile();
    const up = resumeUploader;
    return new Promise((resolve, reject) => {
      up.upload(file, key, {
        onProgress: (p) => {
          if (p.partsDone >= parts) resolve({ partsDone: p.partsDone });
        },
      }).catch(reject);
    });
  },

  /// The resume floor's busy reload: a raw upload (A) resolving once `parts` parts are done and
  /// still running when run.mjs reloads the page under it; a second call says whether it ended.
  async startRawForReload({ key, partSize, parallel, parts }) {
    await window.benchReady;
    return new Promise((resolve, reject) => {
      window.benchRawEnded = false;
      runA({ key, partSize, parallel }, (n) => n === parts && resolve({ partsDone: n }))
        .then(() => (window.benchRawEnded = true))
        .catch(reject);
    });
  },

  /// Resume, part 2 (after the reload): the same upload again; it resumes from the checkpoint.
  async resume({ key }) {
    await window.benchReady;
    const file = theFile();
    const calledAt = performance.timeOrigin + performance.now();
    const r = await resumeUploader.upload(file, key);
    // The round trip of its ListParts as this page saw it (Resource Timing: from the request's
    // start to its response's end, with the CORS preflight its URL needs): the first request of
    // the upload to the object's `?uploadId=` URL without a part number (Complete, the other
    // one, comes last).
    const since = calledAt - performance.timeOrigin;
    const listParts = performance
      .getEntriesByType("resource")
      .filter((e) => e.startTime >= since && /[?&]uploadId=/.test(e.name) && !/[?&]partNumber=/.test(e.name))
      .sort((a, b) => a.startTime - b.startTime)[0];
    return {
      listPartsPageMs: listParts ? listParts.duration : null,
      calledAt,
      navigationStart: performance.timeOrigin,
      readyAtMs,
      libraryLoadMs,
      domContentLoadedMs: performance.getEntriesByType("navigation")[0]?.domContentLoadedEventEnd ?? null,
      resumed: r.resumed,
      partsReused: r.partsReused,
      crc64: r.crc64,
    };
  },
};
