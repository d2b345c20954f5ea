// Resume latency: how long after a reload under a running upload its first new part reaches
// the server, and the floor under it (the same reload of a page that loads no package).

import { MiB, ensureFile, round } from "./common.mjs";
import { devFaults, serverLog } from "./servers.mjs";

/// Uploads until `parts` parts are done, reloads the page under the running upload, picks the
/// same file again and resumes. From the server's request log: when the first UploadPart after
/// the reload arrived, and how long ListParts took.
export async function resumeBench(browser, env, cfg, mib, trial, floor) {
  const file = ensureFile(mib);
  // The dev server's own endpoints (faults, the request log) straight, not over an emulated link.
  const dev = env.server.devUrl ?? env.server.url;
  const q = new URLSearchParams({
    v: "resume",
    server: env.server.url,
    bucket: env.server.bucket,
    region: env.server.region,
    partSize: cfg.partSize,
    parallel: cfg.parallel,
  });
  const page = await browser.newPage();
  try {
    await page.goto(`${env.origin}/index.html?${q}`);
    await page.setFile(file);
    const key = `bench/resume/${mib}m-${trial}-${Date.now()}`;
    const spec = { key, partSize: cfg.partSize, parallel: cfg.parallel, parts: 6 };
    // The old page's parts after the sixth are held at the server (their first attempt only),
    // so the upload cannot finish before the reload lands, however fast the machine is.
    const total = Math.ceil((mib * MiB) / cfg.partSize);
    const hold = [];
    for (let n = spec.parts + 1; n <= total; n++) {
      hold.push({ operation: "UploadPart", partNumber: n, count: 1, kind: "delay", delayMs: 10000 });
    }
    await devFaults(dev, "POST", hold);
    await page.eval(`window.bench.startForResume(${JSON.stringify(spec)})`);
    const reloadAt = Date.now();
    await page.reload();
    const readyAt = Date.now();
    // The old page is gone: lift the hold, or every part the resumed upload sends for the first
    // time would wait 10 s too (minutes per trial at 1 GiB).
    await devFaults(dev, "DELETE");
    // `--resume-pick-ms`: the user's pick comes this long after the page is ready (a person takes
    // seconds; the harness, by default, none). Included in `reloadToFirstPartMs`.
    if (cfg.resumePickMs) await new Promise((r) => setTimeout(r, cfg.resumePickMs));
    await page.setFile(file);
    const fileSetAt = Date.now();
    const r = await page.eval(`window.bench.resume(${JSON.stringify(spec)})`);
    const entries = (await serverLog(dev)).filter((e) => e.key === key);
    const t = (e) => Date.parse(e.time);
    // Every part of the old page after the sixth is held at the server from its arrival, before
    // the reload, so an UploadPart that arrived after the reload is the resumed upload's. Its
    // first parts leave with its ListParts (upload/early.rs) and may arrive before it.
    const listParts = entries.find((e) => e.operation === "ListParts" && t(e) >= reloadAt);
    const firstPart = listParts && entries.filter((e) => e.operation === "UploadPart" && t(e) >= reloadAt).sort((a, b) => t(a) - t(b))[0];
    if (!r.resumed || !listParts || !firstPart) {
      throw new Error(`resume did not happen as expected: ${JSON.stringify({ r, listParts, firstPart })}`);
    }
    return {
      mib,
      resumed: r.resumed,
      partsReused: r.partsReused,
      reloadToFirstPartMs: t(firstPart) - reloadAt,
      reloadToReadyMs: readyAt - reloadAt,
      // Where the reload's time goes: until the new document's navigation started (the old
      // page's teardown and the request), its DOMContentLoaded, the library loaded and set up.
      reloadToNavigationStartMs: round(r.navigationStart - reloadAt, 1),
      navigationToDomContentLoadedMs: round(r.domContentLoadedMs, 1),
      navigationToLibraryReadyMs: round(r.readyAtMs, 1),
      harnessFileSetMs: fileSetAt - readyAt,
      uploadCallToFirstPartMs: round(t(firstPart) - r.calledAt, 1),
      uploadCallToListPartsMs: round(t(listParts) - r.calledAt, 1),
      listPartsToFirstPartMs: t(firstPart) - t(listParts),
      listPartsDurationMs: listParts.durationMs,
      libraryLoadMs: round(r.libraryLoadMs, 1),
      // The target (issue 16): reload → first UploadPart ≤ a bare reload of the same page (the
      // floor, measured in the same run) + one ListParts round trip + 50 ms. In `budgetMs` and
      // `budgetPickedMs` the round trip is ListParts' time at the server, as before 2026-12-04,
      // when a trace of the page showed that loopback adds not "well under a millisecond" but
      // 3–10 ms on this machine under load (`budgetRoundTrip*` below). `budgetMs` takes
      // the bare reload as the floor, as the issue words it; `budgetPickedMs` takes the bare
      // reload with the same file picked again, because the trial's own figure includes that pick
      // (DevTools setting the input, 10–15 ms), which is the user's time, not the library's.
      reloadFloorMs: floor.bareMs,
      reloadPickFloorMs: floor.pickedMs,
      budgetMs: floor.bareMs + listParts.durationMs + 50,
      budgetPickedMs: floor.pickedMs + listParts.durationMs + 50,
      // The same two budgets with ListParts' round trip as the page saw it (Resource Timing, the
      // CORS preflight its URL needs included): on a loaded machine the browser's network stack
      // adds several ms each way that the time at the server does not show.
      listPartsPageMs: r.listPartsPageMs === null ? null : round(r.listPartsPageMs, 1),
      budgetRoundTripMs: r.listPartsPageMs === null ? null : round(floor.bareMs + r.listPartsPageMs + 50, 1),
      budgetRoundTripPickedMs:
        r.listPartsPageMs === null ? null : round(floor.pickedMs + r.listPartsPageMs + 50, 1),
      // Context, not the target: the floor's reload made under a raw upload in flight (the
      // browser's own teardown of an uploading page), plus the same pick.
      reloadBusyFloorMs: floor.busyMs,
      budgetBusyMs:
        floor.busyMs === null ? null : floor.busyMs + (floor.pickedMs - floor.bareMs) + listParts.durationMs + 50,
    };
  } finally {
    await page.close();
    await devFaults(dev, "DELETE");
  }
}

/// The floor under the resume figure: the same reload of a page that loads no package and
/// uploads nothing (variant A's page), timed the same way, median of 3: `bareMs` until the page
/// is ready (the "bare reload"), `pickedMs` until the same file is also set on its input
/// again, the harness's stand-in for the user's pick that the resume trial includes too.
/// `busyMs`: the same bare reload, but of a page with a raw upload in flight (variant A, 8 MiB × 3,
/// reloaded after 6 parts as the trial is): what the browser itself spends tearing down an
/// uploading page (cancelling its requests), which the trial's reload pays too and no library
/// can avoid. Reported beside the budget, not instead of it.
export async function reloadFloor(browser, env, mib) {
  const file = ensureFile(mib);
  const page = await browser.newPage();
  const q = new URLSearchParams({ v: "A", server: env.server.url, bucket: env.server.bucket });
  try {
    await page.goto(`${env.origin}/index.html?${q}`);
    const bare = [];
    const picked = [];
    const busy = [];
    for (let i = 0; i < 3; i++) {
      const at = Date.now();
      await page.reload();
      await page.eval("window.benchReady");
      bare.push(Date.now() - at);
      // The same file picked again, as the resume trial's harness does after its reload
      // (DOM.setFileInputFiles): the user's part of a resume, which no library can shorten.
      await page.setFile(file);
      picked.push(Date.now() - at);
    }
    // On a small file (the smoke run's) reload sooner, so that parts are still in flight.
    const partSize = 8 * MiB;
    const parts = Math.max(1, Math.min(6, Math.ceil((mib * MiB) / partSize) - 6));
    for (let i = 0; i < 3; i++) {
      const spec = { key: `bench/floor/${mib}m-${Date.now()}`, partSize, parallel: 3, parts };
      await page.eval(`window.bench.startRawForReload(${JSON.stringify(spec)})`);
      // An upload that ended before the reload would time an idle page: that sample is dropped.
      const ended = await page.eval("window.benchRawEnded");
      const at = Date.now();
      await page.reload();
      await page.eval("window.benchReady");
      if (!ended) busy.push(Date.now() - at);
      await page.setFile(file);
    }
    const mid = (ms) => (ms.length ? ms.sort((a, b) => a - b)[Math.floor((ms.length - 1) / 2)] : null);
    return { bareMs: mid(bare), pickedMs: mid(picked), busyMs: mid(busy) };
  } finally {
    await page.close();
  }
}
