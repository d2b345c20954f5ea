// The chaos soak's plan, all of it drawn from one seed: per upload a file (size and bytes), part
// size, `parallel`, signature version, key, 0–3 fault rules for oss-devserver's /__dev/faults
// (crates/devserver/src/faults.rs) and 0–3 interruptions. The same seed gives the same plan and
// the same bytes, so a failing run can be repeated (`make soak SEED=… UPLOADS=…`).
import { createCipheriv, createHash } from "node:crypto";

const KIB = 1024;
const MIB = 1024 * KIB;
export const MAX_FILE = 48 * MIB;
/** Below this the client sends one PutObject (crates/core/src/plan.rs, MIN_PART_SIZE). */
export const MIN_PART = 100 * KIB;

/** A small, fast PRNG (sfc32) seeded from a string through SHA-256; `next()` is in [0, 1). */
export function rng(seedText) {
  const h = createHash("sha256").update(seedText).digest();
  let [a, b, c, d] = [0, 4, 8, 12].map((i) => h.readUInt32LE(i));
  const next = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
  return {
    next,
    int,
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
    /** Log-uniform in [lo, hi]: small and large values alike. */
    logInt: (lo, hi) => Math.min(hi, Math.floor(Math.exp(Math.log(lo) + next() * (Math.log(hi + 1) - Math.log(lo))))),
  };
}

/** The file of upload `index`: `size` bytes of AES-256-CTR keystream keyed by the seed. */
export function fileBytes(seed, index, size) {
  const key = createHash("sha256").update(`oss-resumable soak ${seed} file ${index}`).digest();
  const cipher = createCipheriv("aes-256-ctr", key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()]);
}

// Pieces of keys: unicode, spaces, '#', '%', '+' (every one must survive both signatures, §1).
const KEY_PIECES = ["résumé", "数据 备份", "a b", "#1", "100%", "x+y", "%2F", "emoji 😀", "Ünïcödé", "c++ notes", "50% off #2", "файл", "q?a=b&c", "~tilde", "plain"];

/** The size of a file: 0 B to 48 MiB, with the edges (0, just under and at a part) drawn often. */
function drawSize(r, partSize) {
  const kind = r.next();
  if (kind < 0.06) return 0;
  if (kind < 0.14) return r.int(1, MIN_PART - 1); // one PutObject
  if (kind < 0.2) return r.pick([MIN_PART, partSize, partSize + 1, 2 * partSize - 1, 3 * partSize]);
  return r.logInt(MIN_PART, MAX_FILE);
}

/** 0–3 fault rules for this upload; each fires a bounded number of times. */
function drawFaults(r, { size, partSize }) {
  const single = size < MIN_PART;
  const parts = single ? 1 : Math.ceil(size / partSize);
  const partOp = single ? "PutObject" : "UploadPart";
  const partNumber = () => (single ? undefined : r.int(1, parts));
  const partLength = (n) => (single ? size : n === parts ? size - (parts - 1) * partSize : partSize);
  const makers = [
    // 5xx that OSS answers when busy: retried with backoff (§5.2).
    () => ({ operation: partOp, partNumber: partNumber(), count: r.int(1, 2), kind: "error", status: 503, code: "ServiceUnavailable" }),
    () => ({ operation: partOp, partNumber: partNumber(), count: 1, kind: "error", status: 500, code: "InternalError" }),
    // A connection cut mid-body: the part is sent again (only these bytes count twice).
    () => {
      const n = partNumber();
      return { operation: partOp, partNumber: n, count: r.int(1, 2), kind: "drop", afterBytes: r.int(0, Math.max(0, partLength(n ?? 1) - 1)) };
    },
    // A slow answer (and time for an interruption to land).
    () => ({ operation: partOp, count: r.int(1, 3), kind: "delay", delayMs: r.int(100, 1500) }),
    // The STS token expires under the upload: refresh and resend (§8).
    () => ({ operation: partOp, count: 1, kind: "expireToken" }),
    // The client's clock is 20 minutes off the server's (every request of the upload, as a real
    // clock is): RequestTimeTooSkewed, then the client signs with the server's time (§5.3).
    () => ({ count: 0, kind: "skew", skewMs: r.pick([-1, 1]) * 20 * 60 * 1000 }),
    // The CRC-64 header hidden by CORS: parts' CRCs come from ListParts (§7.1).
    () => ({ count: 0, kind: "hideHeader", header: "x-oss-hash-crc64ecma" }),
  ];
  if (!single) {
    makers.push(
      () => ({ operation: "InitiateMultipartUpload", count: 1, kind: "error", status: 503, code: "ServiceUnavailable" }),
      () => ({ operation: "CompleteMultipartUpload", count: 1, kind: "error", status: 500, code: "InternalError" }),
      () => ({ operation: "ListParts", count: 1, kind: "error", status: 503, code: "ServiceUnavailable" }),
      // The upload expired on the server (§4.7): the client starts a new one.
      () => ({ operation: "UploadPart", partNumber: partNumber(), count: 1, kind: "forgetUpload" }),
    );
  }
  const rules = [];
  for (let i = r.int(0, 3); i > 0; i--) rules.push(r.pick(makers)());
  // Rarely, an error no retry may hide: the upload must fail with this code, and a plain retry
  // must then succeed. Not with drop (it overrides an error on the same request) nor with
  // forgetUpload (a NoSuchUpload restart may overtake it and leave its answer to an upload the
  // client has left).
  if (r.chance(0.08)) {
    rules.push({ operation: partOp, partNumber: partNumber(), count: 1, kind: "error", status: 403, code: "AccessDenied" });
    return tidy(rules.filter((rule) => rule.kind !== "forgetUpload" && rule.kind !== "drop"));
  }
  return tidy(rules);
}

function tidy(rules) {
  return rules.map((rule) => Object.fromEntries(Object.entries(rule).filter(([, v]) => v !== undefined)));
}

/** The whole plan: `uploads` entries, each with everything needed to run and check it. */
export function plan(seed, uploads) {
  const out = [];
  for (let index = 0; index < uploads; index++) {
    const r = rng(`oss-resumable soak ${seed} upload ${index}`);
    const partSize = r.chance(0.3) ? r.pick([100 * KIB, 256 * KIB, MIB, 5 * MIB]) : r.logInt(100 * KIB, 5 * MIB);
    const size = drawSize(r, partSize);
    const keyParts = [];
    for (let i = r.int(1, 3); i > 0; i--) keyParts.push(r.pick(KEY_PIECES));
    const key = `soak/${seed}/${index} ${keyParts.join("/")}.bin`;
    const interruptions = [];
    for (let i = r.int(0, 3); i > 0; i--) {
      interruptions.push({ kind: r.pick(["reload", "close", "abort"]), at: 0.1 + 0.8 * r.next() });
    }
    out.push({
      index,
      size,
      partSize,
      parallel: r.int(1, 6),
      signatureVersion: r.pick(["v4", "v1"]),
      key,
      fileName: `soak-${seed}-${index}.bin`,
      lastModified: Date.UTC(2026, 0, 1) + index * 1000,
      faults: drawFaults(r, { size, partSize }),
      interruptions,
    });
  }
  return out;
}
