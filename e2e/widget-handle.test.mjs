// Resume after a reload without picking the file again. <oss-uploader> uploads a file it got as a
// FileSystemFileHandle as that handle, so the library keeps it beside the checkpoint; after the
// reload pending() says resumeWith "handle" and one click on Resume calls uploader.resume(id),
// which asks for read permission where needed and goes on. showOpenFilePicker needs a person, so
// the handle here comes from the origin private file system, which Chromium keeps readable
// across reloads — the stand-in docs/toolchain.md describes — handed to the element through
// its method `addFileHandles([handle])`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { launch, openWidget, pendingRow, row, screenshot, setSettings, startEnv, tempProfile, waitForPercent, waitForState, watchErrors, writeTestFile } from "./lib/harness.mjs";
import { FILE_SIZE, PARALLEL, PART_MIB, expectPendingEntry, expectResumedAndVerified, slowParts } from "./lib/resume.mjs";

test("stored file handle: reload at ~40 %, one click resumes without re-picking", async () => {
  const env = await startEnv();
  const browser = await launch(tempProfile());
  try {
    const file = writeTestFile(env.tmp, "handle-64MiB.bin", FILE_SIZE);
    const page = browser.pages()[0] || (await browser.newPage());
    const errors = watchErrors(page);
    const choosers = [];
    page.on("filechooser", (c) => choosers.push(c));
    await openWidget(page, env.url);
    assert.equal(await page.evaluate(() => typeof window.showOpenFilePicker), "function", "Chromium has showOpenFilePicker");
    await setSettings(page, { partSizeMiB: PART_MIB, parallel: PARALLEL });
    await slowParts(env);

    // Put the test file into the origin private file system and hand its handle to the widget.
    await page.evaluate(
      async ([url, name]) => {
        const dir = await navigator.storage.getDirectory();
        const handle = await dir.getFileHandle(name, { create: true });
        const writable = await handle.createWritable();
        await (await fetch(url)).body.pipeTo(writable);
        await document.querySelector("oss-uploader").addFileHandles([handle]);
      },
      [`/files/${file.name}`, file.name],
    );
    await waitForState(page, file.name, "uploading", 20000);
    await waitForPercent(page, file.name, 40, 60000);
    const before = Number(await row(page, file.name).getAttribute("data-percent"));

    await page.reload();
    await page.waitForSelector('#pending-list[data-loaded="true"]', { state: "attached", timeout: 20000 });
    await env.dev.clearFaults();
    const entry = await expectPendingEntry(page, file);
    assert.equal(await entry.getAttribute("data-has-handle"), "true", "the library kept the file's handle (resumeWith: \"handle\")");
    assert.equal((await entry.locator('[data-action="resume-pending"]').innerText()).trim(), "Resume");
    await screenshot(page, "handle-1-resumable-list");

    await entry.locator('[data-action="resume-pending"]').click();
    const { partsReused } = await expectResumedAndVerified(page, env, file);
    assert.equal(choosers.length, 0, "no file chooser was opened");
    assert.equal(await pendingRow(page, file.name).count(), 0);
    // The handle was kept beside the checkpoint, and went with it once the upload completed.
    const records = await page.evaluate(
      () =>
        new Promise((resolve, reject) => {
          const req = indexedDB.open("oss-resumable");
          req.onsuccess = () => {
            const q = req.result.transaction("checkpoints").objectStore("checkpoints").count();
            q.onsuccess = () => resolve(q.result);
          };
          req.onerror = () => reject(req.error);
        }),
    );
    assert.equal(records, 0, "no checkpoint (and no handle) is left");
    await screenshot(page, "handle-2-done");
    assert.deepEqual(errors, []);
    console.log(`reloaded at ${before} %, resumed from the stored handle, ${partsReused} parts reused`);
  } finally {
    await browser.close();
    await env.close();
  }
});
