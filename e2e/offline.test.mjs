// Waiting offline (issue 13, part B): while navigator.onLine is false an upload waits for the
// `online` event instead of spending tries, reporting phase "offline", for at most
// retry.offlineWaitMs. Playwright's context.setOffline(true) takes the network away the way the
// browser itself does: navigator.onLine turns false, the `offline` event fires and requests fail.
// The package runs in the plain module page (e2e/pages/plain.html); objects are checked on the
// dev server (size and CRC-64 computed here).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { KIB, launch, startEnv, tempProfile, until, watchErrors, writeTestFile } from "./lib/harness.mjs";

let env;
let context;
before(async () => {
  env = await startEnv();
  context = await launch(tempProfile());
});
after(async () => {
  await context?.close();
  await env?.close();
});

/** Starts an upload in the page; its progress phases and outcome land on `window.run`. */
async function startUpload(page, fileUrl, key, retry) {
  await page.evaluate(
    async ([fileUrl, key, retry]) => {
      const { Uploader } = await import("oss-resumable");
      const config = await (await fetch("/config.json")).json();
      const uploader = new Uploader({
        endpoint: config.endpoint,
        bucket: config.bucket,
        region: config.region,
        pathStyle: true,
        partSize: 100 * 1024,
        parallel: 2,
        checkpointStore: null,
        retry,
        credentials: async () => (await fetch(config.stsUrl, { method: "POST" })).json(),
      });
      const blob = await (await fetch(fileUrl)).blob();
      const run = { phases: [], partsDone: 0, outcome: null };
      window.run = run;
      uploader
        .upload(blob, key, {
          onProgress: (p) => {
            if (run.phases.at(-1) !== p.phase) run.phases.push(p.phase);
            run.partsDone = p.partsDone;
          },
        })
        .then(
          (r) => (run.outcome = { ok: true, crc64: r.crc64, size: r.size }),
          (e) => (run.outcome = { ok: false, code: e.code, message: e.message }),
        );
    },
    [fileUrl, key, retry],
  );
}

const run = (page) => page.evaluate(() => window.run);

test("offline: the upload waits for the network without spending tries, then completes", async () => {
  const page = await context.newPage();
  const errors = watchErrors(page);
  const file = writeTestFile(env.tmp, "offline.bin", 1200 * KIB + 17);
  await page.goto(`${env.url}/pages/plain.html`);
  await page.waitForSelector('#out[data-state="ready"]', { timeout: 20000 });
  // Parts linger at the server, so the network goes away mid-upload.
  await env.dev.faults({ operation: "UploadPart", count: 0, kind: "delay", delayMs: 300 });
  // One try per request: any try spent on the missing network would fail the upload.
  await startUpload(page, `/files/${file.name}`, "offline/waits.bin", { maxAttempts: 1 });
  await until(async () => (await run(page)).partsDone >= 2, { what: "two parts done" });
  await context.setOffline(true);
  await until(async () => (await run(page)).phases.includes("offline"), { what: 'phase "offline"' });
  // Offline for a while: longer than the in-flight parts take to fail, and no outcome.
  await new Promise((r) => setTimeout(r, 2000));
  const during = await run(page);
  assert.equal(during.outcome, null, `the upload ended while offline: ${JSON.stringify(during.outcome)}`);
  assert.equal(during.phases.at(-1), "offline");
  const sentOffline = (await env.dev.requests("offline/waits.bin")).length;
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal((await env.dev.requests("offline/waits.bin")).length, sentOffline, "requests reached the server offline");
  await context.setOffline(false);
  await until(async () => (await run(page)).outcome, { what: "the upload's end", timeout: 60000 });
  await env.dev.clearFaults();
  const after = await run(page);
  assert.deepEqual(after.outcome, { ok: true, crc64: file.crc64, size: file.size });
  assert.ok(after.phases.indexOf("offline") < after.phases.lastIndexOf("uploading"), after.phases.join(" "));
  assert.equal(after.phases.at(-1), "done");
  const info = await env.dev.objectInfo(env.config.bucket, "offline/waits.bin");
  assert.ok(info, "the object is on the server");
  assert.equal(info.size, file.size);
  assert.equal(info.crc64, file.crc64);
  assert.deepEqual(errors, []);
  await page.close();
});

test("offline longer than retry.offlineWaitMs: NetworkError, nothing stored", async () => {
  const page = await context.newPage();
  const file = writeTestFile(env.tmp, "offline-long.bin", 800 * KIB);
  await page.goto(`${env.url}/pages/plain.html`);
  await page.waitForSelector('#out[data-state="ready"]', { timeout: 20000 });
  await env.dev.faults({ operation: "UploadPart", count: 0, kind: "delay", delayMs: 300 });
  await startUpload(page, `/files/${file.name}`, "offline/gives-up.bin", { offlineWaitMs: 1500 });
  await until(async () => (await run(page)).partsDone >= 1, { what: "a part done" });
  await context.setOffline(true);
  const started = Date.now();
  const end = await until(async () => (await run(page)).outcome, { what: "the upload's end", timeout: 20000 });
  const waited = Date.now() - started;
  await context.setOffline(false);
  await env.dev.clearFaults();
  assert.equal(end.ok, false);
  assert.equal(end.code, "NetworkError", end.message);
  assert.match(end.message, /offline/);
  assert.ok(waited >= 1400, `gave up after ${waited} ms, before offlineWaitMs`);
  assert.equal(await env.dev.objectInfo(env.config.bucket, "offline/gives-up.bin"), null);
  await page.close();
});
