// A 64 MiB file chosen from disk through the widget; the page is reloaded at about 40 %; after
// the reload the "Resumable uploads" list offers it, Resume asks for the file again (no stored
// handle: the classic file input, `?picker=input`), and the upload continues from the parts the
// server has. The object is byte-identical and at most parallel × partSize bytes went twice.
import { test } from "node:test";
import assert from "node:assert/strict";
import { launch, row, screenshot, startEnv, tempProfile, until, watchErrors, writeTestFile } from "./lib/harness.mjs";
import { FILE_SIZE, expectPendingEntry, expectResumedAndVerified, startAndReachFortyPercent } from "./lib/resume.mjs";

test("reload at ~40 %, pick the file again, resume to a verified object", async () => {
  const env = await startEnv();
  const browser = await launch(tempProfile());
  try {
    const file = writeTestFile(env.tmp, "reload-64MiB.bin", FILE_SIZE);
    const page = browser.pages()[0] || (await browser.newPage());
    const errors = watchErrors(page);
    // Listening from the start turns Playwright's file-chooser interception on before the click
    // (a waitForEvent registered at the click itself can lose that race).
    const choosers = [];
    page.on("filechooser", (c) => choosers.push(c));
    const before = await startAndReachFortyPercent(page, env, file, "?picker=input");
    await screenshot(page, "reload-1-uploading");

    await page.reload();
    await page.waitForSelector('#pending-list[data-loaded="true"]', { state: "attached", timeout: 20000 });
    await env.dev.clearFaults();
    const entry = await expectPendingEntry(page, file);
    assert.equal(await entry.getAttribute("data-has-handle"), "false");
    assert.equal(await row(page, file.name).count(), 0, "no upload runs by itself after a reload");
    await screenshot(page, "reload-2-resumable-list");

    await entry.locator('[data-action="resume-pending"]').click();
    const chooser = await until(() => choosers.shift(), { timeout: 10000, what: "the file chooser" });
    await chooser.setFiles(file.path);
    const { partsReused, twice } = await expectResumedAndVerified(page, env, file);
    await screenshot(page, "reload-3-done");
    assert.deepEqual(errors, []);
    console.log(`reloaded at ${before} %, ${partsReused} parts reused, ${twice} bytes sent twice`);
  } finally {
    await browser.close();
    await env.close();
  }
});
