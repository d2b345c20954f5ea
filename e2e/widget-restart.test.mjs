// Like widget-reload, but the whole browser is closed at about 40 % and started again on the same
// user data directory (IndexedDB survives). The file is then chosen again through the widget's
// ordinary file input: the widget matches it to its checkpoint by key, name, size and
// lastModified, and the library resumes from the parts the server has.
import { test } from "node:test";
import assert from "node:assert/strict";
import { launch, openWidget, row, screenshot, startEnv, tempProfile, watchErrors, writeTestFile } from "./lib/harness.mjs";
import { FILE_SIZE, expectPendingEntry, expectResumedAndVerified, startAndReachFortyPercent } from "./lib/resume.mjs";

test("browser restart at ~40 %, choose the same file, resume to a verified object", async () => {
  const env = await startEnv();
  const profile = tempProfile();
  let browser = await launch(profile);
  try {
    const file = writeTestFile(env.tmp, "restart-64MiB.bin", FILE_SIZE);
    let page = browser.pages()[0] || (await browser.newPage());
    const before = await startAndReachFortyPercent(page, env, file);
    await browser.close();
    await env.dev.clearFaults();

    browser = await launch(profile);
    page = browser.pages()[0] || (await browser.newPage());
    const errors = watchErrors(page);
    await openWidget(page, env.url);
    await expectPendingEntry(page, file);
    await screenshot(page, "restart-1-resumable-list");

    await page.setInputFiles("#file-input", file.path);
    const r = row(page, file.name);
    await r.waitFor();
    assert.match(await r.innerText(), /Resuming|CRC-64 verified/, "the row says it resumes");
    const { partsReused, twice } = await expectResumedAndVerified(page, env, file);
    await screenshot(page, "restart-2-done");
    assert.deepEqual(errors, []);
    console.log(`browser closed at ${before} %, ${partsReused} parts reused, ${twice} bytes sent twice`);
  } finally {
    await browser.close();
    await env.close();
  }
});
