// Reads one upload's lines of oss-devserver's request log (GET /__dev/requests: operation,
// uploadId, partNumber, status, bytesReceived, time of arrival, durationMs) and says where the
// bytes went, and whether the client re-sent a part the server already held and had told it
// about — the regression check for "resume adopts every part ListParts reports"
// (docs/architecture.md, "Resume").

const BODY_OPS = new Set(["UploadPart", "PutObject"]);

/** Arrival and end of a log line, in Unix ms (the log's times are the server's real clock). */
const arrival = (l) => Date.parse(l.time);
const end = (l) => arrival(l) + (l.durationMs || 0);
/** The log's times are whole milliseconds: a margin so that "before" is never a rounding. */
const MARGIN_MS = 2;

/**
 * `lines`: the log lines of one key, in log order. `interruptions`: Unix ms at which the test
 * interrupted the page (reload, closed tab, abort). Returns byte counts and the re-sent parts.
 */
export function analyse(lines, interruptions = []) {
  const body = lines.filter((l) => BODY_OPS.has(l.operation));
  const bytes = body.reduce((n, l) => n + (l.bytesReceived || 0), 0);
  // Bytes of requests that did not store a part: bodies cut off mid-request (a `drop` fault,
  // logged with status 0; or the page went away mid-body, which the server logs as 400
  // IncompleteBody) and bodies the server read and then refused (5xx, expired token, skew,
  // NoSuchUpload).
  const isCut = (l) => l.status === 0 || l.code === "IncompleteBody";
  const cutOff = body.filter(isCut).reduce((n, l) => n + l.bytesReceived, 0);
  const refused = body.filter((l) => l.status >= 300 && !isCut(l)).reduce((n, l) => n + l.bytesReceived, 0);
  // The upload that completed; parts stored under any other uploadId were left behind (the
  // client started over after NoSuchUpload).
  const completed = lines.filter((l) => l.operation === "CompleteMultipartUpload" && l.status === 200).at(-1);
  // So were small files' PutObjects stored before the last one (the object was stored twice).
  const puts = body.filter((l) => l.operation === "PutObject" && l.status === 200).slice(0, -1);
  const abandoned = body
    .filter((l) => l.operation === "UploadPart" && l.status === 200 && completed && l.uploadId !== completed.uploadId)
    .concat(puts)
    .reduce((n, l) => n + l.bytesReceived, 0);

  const held = new Map(); // "uploadId part" -> first 200 line
  const resent = [];
  for (const b of body.filter((l) => l.operation === "UploadPart")) {
    const id = `${b.uploadId} ${b.partNumber}`;
    const a = held.get(id);
    if (a && end(a) + MARGIN_MS <= arrival(b)) {
      // The client had been told the part exists: by a ListParts that arrived after the part was
      // stored and had answered before the re-send arrived, or by the part's own answer when the
      // page that sent it was not interrupted before the re-send (a new page learns only from
      // ListParts). A resumed page sends its first parts with its ListParts, ahead of the answer
      // (upload/early.rs), and withdraws one the answer shows stored: such a re-send that was cut
      // off stored nothing again, and is not a regression; one that stored the part is.
      const listed = lines.some(
        (l) =>
          l.operation === "ListParts" &&
          l.status === 200 &&
          l.uploadId === b.uploadId &&
          end(a) + MARGIN_MS <= arrival(l) &&
          end(l) + MARGIN_MS <= arrival(b),
      );
      const stored = b.status === 200;
      const interrupted = interruptions.some((t) => arrival(a) - MARGIN_MS <= t && t <= arrival(b));
      resent.push({
        partNumber: b.partNumber,
        uploadId: b.uploadId,
        bytes: b.bytesReceived,
        regression: (listed && stored) || !interrupted,
        why: listed
          ? stored
            ? "ListParts had reported it"
            : "sent ahead of ListParts' answer, and withdrawn once it came"
          : interrupted
            ? "stored while the page was interrupted"
            : "the client had its answer",
      });
    }
    if (!a && b.status === 200) held.set(id, b);
  }
  const resentBytes = resent.filter((r) => r.regression).reduce((n, r) => n + r.bytes, 0);
  // An object stored twice: the first time, the page was interrupted after the server completed
  // the upload. Either the checkpoint was still there, so resuming asked ListParts, got
  // NoSuchUpload and started over (upload/answers.rs, on_no_such_upload: "resume"); or it was
  // gone and upload() ended without its result (the tab went away, or an abort rejected it), so
  // the next upload() was a new one ("again").
  const stored = lines.filter((l) => (l.operation === "CompleteMultipartUpload" || l.operation === "PutObject") && l.status === 200);
  let completedTwice = null;
  if (stored.length > 1) {
    const first = stored[0];
    const listedGone = lines.some((l) => l.operation === "ListParts" && l.code === "NoSuchUpload" && first.uploadId && l.uploadId === first.uploadId);
    completedTwice = listedGone ? "resume" : "again";
  }
  return { bytes, cutOff, refused, abandoned, resent, resentBytes, completedTwice };
}
