// The soak's log reading (e2e/soak/analyse.mjs) on request logs written by hand, so that its
// checks are shown to fail when they should: a part re-sent after ListParts reported it is a
// regression, one stored while the page was being interrupted is not; cut-off, refused and
// left-behind bytes are told apart; an object stored twice is classified by cause.
import { test } from "node:test";
import assert from "node:assert/strict";
import { analyse } from "./soak/analyse.mjs";
import { judge } from "./soak/report.mjs";

const T0 = Date.parse("2026-12-03T10:00:00.000Z");
/** A log line as GET /__dev/requests gives it, arriving `at` ms after T0. */
const line = (at, operation, { part = null, id = "U1", status = 200, code = null, bytes = 0, ms = 5 } = {}) => ({
  time: new Date(T0 + at).toISOString(),
  operation,
  partNumber: part,
  uploadId: operation === "InitiateMultipartUpload" ? null : id,
  status,
  code,
  bytesReceived: bytes,
  durationMs: ms,
  faults: [],
});

test("a part re-sent after ListParts reported it is a regression; the run's verdict fails", () => {
  const log = [
    line(0, "InitiateMultipartUpload"),
    line(10, "UploadPart", { part: 1, bytes: 100 }),
    line(10, "UploadPart", { part: 2, bytes: 100 }),
    // The page reloads at 100; the new page lists the parts, then sends part 1 again anyway.
    line(200, "ListParts"),
    line(220, "UploadPart", { part: 1, bytes: 100 }),
    line(300, "CompleteMultipartUpload", { bytes: 50 }),
  ];
  const a = analyse(log, [T0 + 100]);
  assert.equal(a.bytes, 300);
  assert.equal(a.resent.length, 1);
  assert.deepEqual([a.resent[0].partNumber, a.resent[0].regression, a.resent[0].why], [1, true, "ListParts had reported it"]);
  const run = { uploads: [{ index: 0, key: "k", failure: null, log: a }], checkpointsLeft: 0 };
  assert.deepEqual(judge(run), ["upload #0: part 1 re-sent although ListParts had reported it"]);
});

test("a part re-sent without an interruption in between is a regression too (the client had its answer)", () => {
  const log = [line(10, "UploadPart", { part: 3, bytes: 100 }), line(100, "UploadPart", { part: 3, bytes: 100 })];
  const [r] = analyse(log, []).resent;
  assert.deepEqual([r.regression, r.why], [true, "the client had its answer"]);
});

test("a part stored while the page was interrupted, re-sent before any ListParts could report it, is listed but not a regression", () => {
  const log = [
    // Held by a delay fault: it arrives at 10 and is stored at 400, after the new page's ListParts.
    line(10, "UploadPart", { part: 1, bytes: 100, ms: 390 }),
    line(200, "ListParts"),
    line(450, "UploadPart", { part: 1, bytes: 100 }),
  ];
  const [r] = analyse(log, [T0 + 150]).resent;
  assert.deepEqual([r.regression, r.why], [false, "stored while the page was interrupted"]);
  assert.deepEqual(judge({ uploads: [{ index: 0, failure: null, log: analyse(log, [T0 + 150]) }], checkpointsLeft: 0 }), []);
});

test("a part sent ahead of ListParts' answer is a regression only if it stored the part again after the answer", () => {
  const log = [
    line(10, "UploadPart", { part: 1, bytes: 100 }),
    line(20, "UploadPart", { part: 2, bytes: 100 }),
    // The page reloads at 100. The new page sends parts 1 and 2 with its ListParts (at 200,
    // answered at 205): part 1 arrives before the answer and is stored; part 2 arrives after it
    // and is withdrawn (cut off) once the answer shows it stored.
    line(200, "ListParts"),
    line(203, "UploadPart", { part: 1, bytes: 100 }),
    line(209, "UploadPart", { part: 2, status: 400, code: "IncompleteBody", bytes: 30 }),
  ];
  const a = analyse(log, [T0 + 100]);
  assert.deepEqual(
    a.resent.map((r) => [r.partNumber, r.regression, r.why]),
    [
      [1, false, "stored while the page was interrupted"],
      [2, false, "sent ahead of ListParts' answer, and withdrawn once it came"],
    ],
  );
  // Part 2 stored again after the answer had reported it: a regression.
  log[4] = line(209, "UploadPart", { part: 2, bytes: 100 });
  const [, r2] = analyse(log, [T0 + 100]).resent;
  assert.deepEqual([r2.regression, r2.why], [true, "ListParts had reported it"]);
});

test("bytes cut off, refused and left behind are told apart; an object stored twice is classified", () => {
  const log = [
    line(0, "InitiateMultipartUpload"),
    line(10, "UploadPart", { part: 1, status: 0, bytes: 40 }), // a drop fault
    line(20, "UploadPart", { part: 1, status: 400, code: "IncompleteBody", bytes: 30 }), // the page went away
    line(30, "UploadPart", { part: 1, status: 503, code: "ServiceUnavailable", bytes: 100 }),
    line(40, "UploadPart", { part: 1, bytes: 100 }),
    line(50, "CompleteMultipartUpload", { bytes: 50 }),
    // Interrupted before the answer: the resume finds the upload gone and starts over.
    line(200, "ListParts", { status: 404, code: "NoSuchUpload" }),
    line(210, "InitiateMultipartUpload"),
    line(220, "UploadPart", { id: "U2", part: 1, bytes: 100 }),
    line(230, "CompleteMultipartUpload", { id: "U2", bytes: 50 }),
  ];
  const a = analyse(log, [T0 + 100]);
  assert.deepEqual([a.bytes, a.cutOff, a.refused, a.abandoned, a.resent.length], [370, 70, 100, 100, 0]);
  // A small file stored twice by PutObject: the first copy is left behind too.
  const puts = analyse([line(0, "PutObject", { id: null, bytes: 9 }), line(50, "PutObject", { id: null, bytes: 9 })], []);
  assert.deepEqual([puts.bytes, puts.abandoned, puts.completedTwice], [18, 9, "again"]);
  assert.equal(a.completedTwice, "resume");
  // Without the checkpoint (no ListParts), the second upload was a new call.
  assert.equal(analyse(log.filter((l) => l.operation !== "ListParts"), []).completedTwice, "again");
  assert.equal(analyse(log.slice(0, 6), []).completedTwice, null);
});
