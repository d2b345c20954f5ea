// A short chaos soak (e2e/soak/): 8 uploads of seed 48 (make e2e, so make test, runs it; the long
// run is `make soak SEED=… UPLOADS=100`). Seed 48 draws every kind of fault rule, the three kinds
// of interruption, V1 and V4, PutObject and multipart files. Every object must be byte-identical
// on the server (read back) with its CRC-64, every byte must have reached the server, every
// rejection must be a clear OssError that a plain retry got past, no part the server had reported
// may be sent again, and no checkpoint may be left.
import { test } from "node:test";
import assert from "node:assert/strict";
import { plan } from "./soak/plan.mjs";
import { runSoak } from "./soak/run.mjs";
import { judge, markdown } from "./soak/report.mjs";

const SEED = "48";
const UPLOADS = 8;

test(`chaos soak: ${UPLOADS} seeded uploads (seed ${SEED}) with faults and interruptions`, async () => {
  // The plan covers what the soak is for (so a change to plan.mjs cannot quietly weaken this test).
  const p = plan(SEED, UPLOADS);
  const kinds = new Set(p.flatMap((u) => u.faults.map((f) => f.kind)));
  for (const k of ["error", "drop", "delay", "expireToken", "skew", "hideHeader", "forgetUpload"]) assert.ok(kinds.has(k), `the plan has a ${k} fault`);
  assert.ok(p.some((u) => u.faults.some((f) => f.code === "AccessDenied")), "the plan has an error no retry hides");
  for (const k of ["reload", "close", "abort"]) assert.ok(p.some((u) => u.interruptions.some((i) => i.kind === k)), `the plan has a ${k}`);
  assert.deepEqual(new Set(p.map((u) => u.signatureVersion)), new Set(["v1", "v4"]));
  assert.ok(p.some((u) => u.size < 102400) && p.some((u) => u.size >= 102400), "PutObject and multipart files");

  const run = await runSoak({ seed: SEED, uploads: UPLOADS, say: (l) => console.log(l) });
  console.log(markdown(run));
  assert.deepEqual(judge(run), [], "the soak's verdict");
  assert.equal(run.uploads.length, UPLOADS);
  for (const o of run.uploads) {
    assert.ok(o.identical, `upload #${o.index}: the bytes read back are the file's`);
    assert.ok(o.crcMatches && o.resultMatches, `upload #${o.index}: size and CRC-64 on the server and in the result`);
    assert.ok(o.log.bytes >= o.size, `upload #${o.index}: the server received at least the file (${o.log.bytes} of ${o.size})`);
  }
  assert.ok(run.uploads.some((o) => o.interrupted.length > 0), "at least one interruption landed mid-upload");
  assert.ok(run.uploads.some((o) => o.errors.includes("AccessDenied")), "the AccessDenied upload failed with its code, then succeeded on a plain retry");
  assert.equal(run.checkpointsLeft, 0);
});
