// Accessibility of <oss-uploader>: axe-core (npm) finds zero violations in the idle, uploading,
// paused, failed and resumable states (open shadow roots included), on the element's own page
// and on the demo page; everything works from the keyboard (the drop zone is a button that opens
// the file chooser, focus is visible and kept when a row goes away); announcements go to a live
// region; and the element fits 320 px without scrolling sideways. Screenshots of each state go
// to e2e/screenshots/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { KIB, MIB, launch, openWidget, screenshot, startEnv, tempProfile, until, watchErrors, writeTestFile } from "./lib/harness.mjs";
import { axeViolations, openElementPage, rowState, serverAttributes, waitForRows, writeElementPage } from "./lib/element.mjs";

let env;
let browser;
before(async () => {
  env = await startEnv();
  browser = await launch(tempProfile());
});
after(async () => {
  await browser?.close();
  await env?.close();
});

async function expectNoViolations(page, state) {
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], `${state}: ${JSON.stringify(violations, null, 1)}`);
}

const inShadow = (page, fn, arg) => page.evaluate(fn, arg);
const focusedInElement = (page) =>
  inShadow(page, () => {
    const a = document.querySelector("oss-uploader").shadowRoot.activeElement;
    return a && { id: a.id, action: a.dataset.action || null, text: a.textContent, outline: getComputedStyle(a).outlineStyle };
  });

test("axe-core: zero violations when idle, uploading, paused, failed and resumable", async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  // Listening from the start turns Playwright's file-chooser interception on before any click
  // (a waitForEvent registered at the click itself can lose that race).
  const choosers = [];
  page.on("filechooser", (c) => choosers.push(c));
  const url = writeElementPage(env, "a11y", { ...serverAttributes(env), prefix: "a11y/", "part-size": "256KiB", parallel: "1", picker: "input" });
  await openElementPage(page, url);
  // Everything the live region says, in order.
  await page.evaluate(() => {
    window.announced = [];
    const live = document.querySelector("oss-uploader").shadowRoot.querySelector("[aria-live]");
    new MutationObserver(() => window.announced.push(live.textContent)).observe(live, { childList: true, characterData: true, subtree: true });
  });
  await expectNoViolations(page, "idle");
  // The check sees inside the shadow root: a nameless button put there is a violation.
  await page.evaluate(() => document.querySelector("oss-uploader").shadowRoot.getElementById("root").append(document.createElement("button")));
  assert.deepEqual((await axeViolations(page)).map((v) => v.id), ["button-name"]);
  await page.evaluate(() => document.querySelector("oss-uploader").shadowRoot.querySelector("#root > button:last-child").remove());
  await screenshot(page, "element-1-idle");

  await env.dev.faults({ operation: "UploadPart", count: 0, kind: "delay", delayMs: 300 });
  const file = writeTestFile(env.tmp, "a11y.bin", 4 * MIB);
  await page.setInputFiles("#file-input", file.path);
  const key = `a11y/${file.name}`;
  await page.waitForFunction((key) => {
    const row = document.querySelector("oss-uploader").shadowRoot.querySelector(`li[data-key="${key}"]`);
    return row?.dataset.state === "uploading" && Number(row.dataset.percent) >= 10;
  }, key);
  // The progress bar carries its value and a name.
  const bar = page.locator(`li[data-key="${key}"] [role=progressbar]`);
  assert.ok(Number(await bar.getAttribute("aria-valuenow")) >= 10);
  assert.match(await bar.getAttribute("aria-label"), /a11y\.bin: \d+%/);
  await expectNoViolations(page, "uploading");
  await screenshot(page, "element-2-uploading");

  // Pause from the keyboard: focus the row's Pause button and press Enter; the focus moves to
  // Resume, which replaces it, and stays visible.
  await page.locator(`li[data-key="${key}"] [data-action=pause]`).focus();
  await page.keyboard.press("Enter");
  await waitForRows(page, [key], "paused");
  const focused = await focusedInElement(page);
  assert.equal(focused?.action, "resume", `focus went to ${JSON.stringify(focused)}`);
  assert.notEqual(focused.outline, "none", "the focused button shows its focus");
  await expectNoViolations(page, "paused");
  await screenshot(page, "element-3-paused");

  // Failed: the next InitiateMultipartUpload is refused.
  await env.dev.clearFaults();
  await env.dev.faults({ operation: "InitiateMultipartUpload", count: 1, kind: "error", status: 403, code: "AccessDenied" });
  const refused = writeTestFile(env.tmp, "a11y-refused.bin", 300 * KIB);
  await page.setInputFiles("#file-input", refused.path);
  await waitForRows(page, [`a11y/${refused.name}`], "failed");
  await page.waitForFunction(() => window.announced.some((t) => t.startsWith("Queue finished")));
  const announced = await page.evaluate(() => window.announced);
  assert.ok(announced.some((t) => /a11y-refused\.bin failed: .*AccessDenied|a11y-refused\.bin failed/.test(t)), `the failure was announced: ${announced}`);
  assert.ok(announced.includes("Queue finished: 0 uploaded, 1 failed."), `the queue's end was announced: ${announced}`);
  await expectNoViolations(page, "failed");
  await screenshot(page, "element-4-failed");

  // Resumable: reload with the paused upload's checkpoint in IndexedDB.
  await page.reload();
  await openElementPage(page, url);
  await page.locator(`li[data-pending][data-key="${key}"]`).waitFor();
  await expectNoViolations(page, "resumable");
  await screenshot(page, "element-5-resumable");

  // Resume… from the keyboard opens the file chooser; the same file continues the upload.
  const resume = page.locator(`li[data-pending][data-key="${key}"] [data-action=resume-pending]`);
  assert.equal((await resume.innerText()).trim(), "Resume…", "no stored handle: Resume… asks for the file");
  await resume.focus();
  await page.keyboard.press("Enter");
  const chooser = await until(() => choosers.shift(), { what: "the file chooser" });
  await chooser.setFiles(file.path);
  await waitForRows(page, [key], ["done", "failed"]);
  const row = await rowState(page, key);
  assert.equal(row.state, "done", row.text);
  assert.equal(row.resumed, "true");
  assert.equal((await env.dev.objectInfo(env.config.bucket, key))?.crc64, file.crc64);
  await expectNoViolations(page, "done");
  assert.deepEqual(errors, []);
  await page.close();
});

test("keyboard: Tab reaches the drop zone, Enter opens the file chooser; removing a row keeps the focus in the element", async () => {
  const page = await browser.newPage();
  const choosers = [];
  page.on("filechooser", (c) => choosers.push(c));
  await openElementPage(page, writeElementPage(env, "keyboard", { ...serverAttributes(env), prefix: "kb/", picker: "input" }));
  await page.keyboard.press("Tab");
  assert.equal((await focusedInElement(page))?.id, "pick-files", "the first Tab stop is the drop zone");
  await page.keyboard.press("Enter");
  const chooser = await until(() => choosers.shift(), { what: "the file chooser" });
  const a = writeTestFile(env.tmp, "kb-a.bin", 2 * KIB);
  const b = writeTestFile(env.tmp, "kb-b.bin", 3 * KIB);
  await chooser.setFiles([a.path, b.path]);
  await waitForRows(page, ["kb/kb-a.bin", "kb/kb-b.bin"], "done");
  await page.locator('li[data-key="kb/kb-a.bin"] [data-action=remove]').focus();
  await page.keyboard.press("Enter");
  await page.locator('li[data-key="kb/kb-a.bin"]').waitFor({ state: "detached" });
  const next = await focusedInElement(page);
  assert.equal(next?.action, "remove", "focus moved to the next row's button");
  await page.keyboard.press("Enter");
  await page.locator('li[data-key="kb/kb-b.bin"]').waitFor({ state: "detached" });
  assert.equal((await focusedInElement(page))?.id, "pick-files", "with no row left, focus returns to the drop zone");
  await page.close();
});

test("320 px wide: no sideways scrolling, zero axe violations; the demo page too", async () => {
  const page = await browser.newPage();
  await page.setViewportSize({ width: 320, height: 640 });
  await openElementPage(page, writeElementPage(env, "narrow", { ...serverAttributes(env), prefix: "n/" }));
  const file = writeTestFile(env.tmp, "a-file-with-a-rather-long-name-for-a-phone-screen.bin", 20 * KIB);
  await page.setInputFiles("#file-input", file.path);
  await waitForRows(page, [`n/${file.name}`], "done");
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 320), "fits 320 px");
  await expectNoViolations(page, "320 px");
  await screenshot(page, "element-6-320px");
  // Dark: the system's preference switches the colours, which keep their contrast.
  const background = () => page.evaluate(() => getComputedStyle(document.querySelector("oss-uploader")).backgroundColor);
  const light = await background();
  await page.emulateMedia({ colorScheme: "dark" });
  assert.notEqual(await background(), light, "prefers-color-scheme: dark changes the element's colours");
  await expectNoViolations(page, "320 px, dark");
  await screenshot(page, "element-7-320px-dark");
  await page.emulateMedia({ colorScheme: "light" });

  await page.setViewportSize({ width: 900, height: 820 });
  await openWidget(page, env.url);
  await expectNoViolations(page, "demo page");
  await page.close();
});
