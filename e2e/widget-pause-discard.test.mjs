// Pause and resume in the same page; Cancel on a running upload; Discard from the "Resumable
// uploads" list after a reload. Cancel and Discard must abort the multipart upload on the server
// (AbortMultipartUpload answered 204) and delete the checkpoint.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  MIB,
  launch,
  openWidget,
  pendingRow,
  row,
  screenshot,
  setSettings,
  startEnv,
  tempProfile,
  until,
  waitForPercent,
  waitForState,
  watchErrors,
  writeTestFile,
} from "./lib/harness.mjs";

/** Drops `/files/<name>` on <oss-uploader> the way a person's drag and drop delivers it. */
async function dropFile(page, name) {
  await page.evaluate(async (name) => {
    const blob = await (await fetch(`/files/${name}`)).blob();
    const file = new File([blob], name, { lastModified: 1767225600000, type: "application/octet-stream" });
    const dataTransfer = new DataTransfer();
    dataTransfer.items.add(file);
    for (const type of ["dragenter", "dragover", "drop"]) {
      document.querySelector("oss-uploader").dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer }));
    }
  }, name);
}

async function expectAborted(env, key) {
  const aborts = await until(
    async () => {
      const log = await env.dev.requests(key);
      const found = log.filter((l) => l.operation === "AbortMultipartUpload");
      return found.length ? found : null;
    },
    { what: `AbortMultipartUpload for ${key}` },
  );
  assert.deepEqual(aborts.map((a) => a.status), [204], `one AbortMultipartUpload, answered 204`);
  assert.equal(await env.dev.objectInfo(env.config.bucket, key), null, `${key} was never completed`);
}

test("a failure shows its message and code; Retry; pause and resume in the same page; cancel; discard after a reload", async () => {
  const env = await startEnv();
  const browser = await launch(tempProfile());
  try {
    const page = browser.pages()[0] || (await browser.newPage());
    const errors = watchErrors(page);
    await openWidget(page, env.url);
    await setSettings(page, { partSizeMiB: 1, parallel: 2 });

    // 0. A refused upload shows OSS's message and code; Retry then completes it.
    await env.dev.faults({ operation: "InitiateMultipartUpload", count: 1, kind: "error", status: 403, code: "AccessDenied" });
    const f = writeTestFile(env.tmp, "refused.bin", 3 * MIB);
    await page.setInputFiles("#file-input", f.path);
    await waitForState(page, f.name, ["failed", "done"], 20000);
    assert.equal(await row(page, f.name).getAttribute("data-state"), "failed");
    assert.equal(await row(page, f.name).getAttribute("data-error-code"), "AccessDenied");
    const note = await row(page, f.name).locator('[data-field="note"]').innerText();
    assert.match(note, /AccessDenied/, "the OSS code is shown");
    assert.match(note, /HTTP 403/, "the HTTP status is shown");
    await screenshot(page, "pause-0-failed");
    await row(page, f.name).locator('[data-action="resume"]').click();
    await waitForState(page, f.name, "done", 20000);
    assert.equal((await env.dev.objectInfo(env.config.bucket, f.name))?.crc64, f.crc64);
    await row(page, f.name).locator('[data-action="remove"]').click();

    await env.dev.faults({ operation: "UploadPart", count: 0, kind: "delay", delayMs: 150 });

    // 1. Pause at ~30 %, then resume in the same page (file dropped on the page).
    const a = writeTestFile(env.tmp, "pause-16MiB.bin", 16 * MIB);
    await dropFile(page, a.name);
    await waitForPercent(page, a.name, 30, 30000);
    await row(page, a.name).locator('[data-action="pause"]').click();
    await waitForState(page, a.name, "paused", 10000);
    assert.match(await row(page, a.name).innerText(), /Paused/);
    const pausedAt = Number(await row(page, a.name).getAttribute("data-percent"));
    assert.ok(pausedAt < 100, `paused mid-upload (${pausedAt} %)`);
    assert.equal(await row(page, a.name).locator('[data-action="resume"]').isVisible(), true);
    await screenshot(page, "pause-1-paused");
    await env.dev.clearFaults();
    await row(page, a.name).locator('[data-action="resume"]').click();
    await waitForState(page, a.name, ["done", "failed"], 30000);
    assert.equal(await row(page, a.name).getAttribute("data-state"), "done", await row(page, a.name).innerText());
    assert.equal(await row(page, a.name).getAttribute("data-resumed"), "true");
    const info = await env.dev.objectInfo(env.config.bucket, a.name);
    assert.equal(info?.size, a.size);
    assert.equal(info?.crc64, a.crc64);
    const logA = await env.dev.requests(a.name);
    assert.equal(logA.filter((l) => l.operation === "InitiateMultipartUpload").length, 1, "pause kept the upload");
    assert.equal(logA.filter((l) => l.operation === "AbortMultipartUpload").length, 0, "pause never aborts");
    await screenshot(page, "pause-2-resumed-done");

    // 2. Cancel a running upload: it disappears, the server's upload is aborted.
    await env.dev.faults({ operation: "UploadPart", count: 0, kind: "delay", delayMs: 150 });
    const b = writeTestFile(env.tmp, "cancel-16MiB.bin", 16 * MIB);
    await page.setInputFiles("#file-input", b.path);
    await waitForPercent(page, b.name, 20, 30000);
    // Watched, not sampled: the cancelled upload must never be listed as resumable, not even
    // for the moment between its abort and the list's next refresh.
    await page.evaluate((name) => {
      const list = document.querySelector("oss-uploader").shadowRoot.getElementById("pending-list");
      const seen = () => list.querySelector(`li[data-pending][data-file-name="${CSS.escape(name)}"]`);
      window.__cancelledListed = Boolean(seen());
      window.__pendingWatch = new MutationObserver(() => {
        if (seen()) window.__cancelledListed = true;
      });
      window.__pendingWatch.observe(list, { childList: true, subtree: true, attributes: true });
    }, b.name);
    await row(page, b.name).locator('[data-action="cancel"]').click();
    await row(page, b.name).waitFor({ state: "detached", timeout: 20000 });
    await expectAborted(env, b.name);
    // Long enough for the list's refresh after the cancel to have drawn.
    await page.waitForTimeout(300);
    const listed = await page.evaluate(() => {
      window.__pendingWatch.disconnect();
      return window.__cancelledListed;
    });
    assert.equal(listed, false, "a cancelled upload was listed as resumable");
    assert.equal(await pendingRow(page, b.name).count(), 0);

    // 3. Pause, reload, Discard from the list.
    const c = writeTestFile(env.tmp, "discard-16MiB.bin", 16 * MIB);
    await page.setInputFiles("#file-input", c.path);
    await waitForPercent(page, c.name, 20, 30000);
    await row(page, c.name).locator('[data-action="pause"]').click();
    await waitForState(page, c.name, "paused", 10000);
    await env.dev.clearFaults();
    await page.reload();
    await page.waitForSelector('#pending-list[data-loaded="true"]', { state: "attached", timeout: 20000 });
    const entry = pendingRow(page, c.name);
    await entry.waitFor({ timeout: 10000 });
    await screenshot(page, "pause-3-resumable-list");
    await entry.locator('[data-action="discard-pending"]').click();
    await entry.waitFor({ state: "detached", timeout: 20000 });
    await expectAborted(env, c.name);
    await page.waitForSelector("#resumable", { state: "hidden" });

    // Nothing comes back after another reload: the checkpoints are gone.
    await page.reload();
    await openWidget(page, env.url);
    assert.equal(await page.locator("li[data-pending]").count(), 0);
    await screenshot(page, "pause-4-nothing-pending");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await env.close();
  }
});
