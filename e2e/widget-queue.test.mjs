// The queue of <oss-uploader>: restrictions refuse a file with a row message before any request;
// `files-at-once` bounds how many files upload together; Pause all / Resume all; and the texts in
// Simplified Chinese (lang="zh-CN", or the browser's language), with any text overridable.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { KIB, MIB, launch, startEnv, tempProfile, watchErrors, writeTestFile } from "./lib/harness.mjs";
import { events, openElementPage, rowState, serverAttributes, waitForRows, writeElementPage } from "./lib/element.mjs";

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

test("restrictions: max-file-size, accept and max-files refuse a file with a row message and no request", async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  const attrs = { ...serverAttributes(env), prefix: "r/", "max-file-size": "1MiB", "max-files": "2", accept: ".bin,image/*" };
  await openElementPage(page, writeElementPage(env, "restrict", attrs));
  const big = writeTestFile(env.tmp, "big.bin", MIB + 1);
  const text = writeTestFile(env.tmp, "notes.txt", 100);
  const ok1 = writeTestFile(env.tmp, "ok-1.bin", 200 * KIB);
  const ok2 = writeTestFile(env.tmp, "ok-2.bin", 10 * KIB);
  const third = writeTestFile(env.tmp, "ok-3.bin", 10 * KIB);
  await page.setInputFiles("#file-input", [big.path, text.path, ok1.path, ok2.path, third.path]);
  await waitForRows(page, ["r/ok-1.bin", "r/ok-2.bin"], "done");

  const expectRefused = async (key, code, message) => {
    const row = await rowState(page, key);
    assert.equal(row.state, "refused", `${key}: ${row.text}`);
    assert.equal(row.errorCode, code);
    assert.match(row.text, message);
    assert.deepEqual(await env.dev.requests(key), [], `${key}: no request reached the server`);
    assert.equal(await env.dev.objectInfo(env.config.bucket, key), null);
  };
  await expectRefused("r/big.bin", "FileTooLarge", /Larger than 1(\.0)? MB: not uploaded/);
  await expectRefused("r/notes.txt", "FileTypeNotAccepted", /not accepted \(\.bin,image\/\*\): not uploaded/);
  await expectRefused("r/ok-3.bin", "TooManyFiles", /Only 2 files at a time/);
  for (const f of [ok1, ok2]) assert.equal((await env.dev.objectInfo(env.config.bucket, `r/${f.name}`))?.crc64, f.crc64);
  const refusals = (await events(page, "oss-upload-error")).map((e) => [e.detail.file.name, e.detail.error.code]);
  assert.deepEqual(refusals, [["big.bin", "FileTooLarge"], ["notes.txt", "FileTypeNotAccepted"], ["ok-3.bin", "TooManyFiles"]]);
  assert.deepEqual(errors, []);
  await page.close();
});

test("files-at-once=2: three files, never more than two uploading; Pause all and Resume all", async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  const attrs = { ...serverAttributes(env), prefix: "q/", "files-at-once": "2", "part-size": "256KiB", parallel: "1" };
  await openElementPage(page, writeElementPage(env, "queue", attrs));
  // Count the rows in state "uploading" at every change, in the page.
  await page.evaluate(() => {
    const root = document.querySelector("oss-uploader").shadowRoot;
    window.maxUploading = 0;
    new MutationObserver(() => {
      const n = root.querySelectorAll('li[data-upload][data-state="uploading"], li[data-upload][data-state="completing"]').length;
      window.maxUploading = Math.max(window.maxUploading, n);
    }).observe(root, { subtree: true, attributes: true, attributeFilter: ["data-state"] });
  });
  await env.dev.faults({ operation: "UploadPart", count: 0, kind: "delay", delayMs: 200 });
  const files = ["q-1.bin", "q-2.bin", "q-3.bin"].map((n) => writeTestFile(env.tmp, n, 2 * MIB + 11));
  const keys = files.map((f) => `q/${f.name}`);
  await page.setInputFiles("#file-input", files.map((f) => f.path));
  await page.waitForFunction(() => window.maxUploading === 2);
  assert.equal((await rowState(page, keys[2])).state, "queued", "the third file waits for a free slot");

  // Pause all: nothing is sent while paused; Resume all: both continue the same uploads.
  await page.locator("#pause-all").click();
  await page.waitForFunction(() => {
    const rows = document.querySelector("oss-uploader").shadowRoot.querySelectorAll("li[data-upload]");
    return [...rows].every((r) => r.dataset.state === "paused");
  });
  const sentAt = (await env.dev.requests()).filter((r) => r.operation === "UploadPart").length;
  await page.waitForTimeout(1000);
  assert.equal((await env.dev.requests()).filter((r) => r.operation === "UploadPart").length, sentAt, "no part is sent while paused");
  await env.dev.clearFaults();
  await page.locator("#resume-all").click();
  await waitForRows(page, keys, ["done", "failed"]);
  for (const [i, f] of files.entries()) {
    assert.equal((await rowState(page, keys[i])).state, "done");
    const info = await env.dev.objectInfo(env.config.bucket, keys[i]);
    assert.equal(info?.crc64, f.crc64, `${keys[i]}: CRC-64`);
    const log = await env.dev.requests(keys[i]);
    assert.equal(log.filter((r) => r.operation === "InitiateMultipartUpload").length, 1, `${keys[i]}: one upload, resumed`);
  }
  assert.equal(await page.evaluate(() => window.maxUploading), 2, "at most files-at-once files uploaded together");
  const ended = await events(page, "oss-queue-complete");
  assert.deepEqual(ended.at(-1).detail.results.map((r) => r.key).sort(), keys, "the queue's results name the three files");
  assert.deepEqual(errors, []);
  await page.close();
});

test("Simplified Chinese: lang=\"zh-CN\", the browser's language, and overridden strings", async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await openElementPage(page, writeElementPage(env, "zh", { ...serverAttributes(env), prefix: "zh/", lang: "zh-CN" }, { lang: "zh-CN" }));
  const shadowText = () => page.evaluate(() => document.querySelector("oss-uploader").shadowRoot.getElementById("root").innerText);
  assert.match(await shadowText(), /将文件或文件夹拖到这里，或选择文件/);
  assert.match(await shadowText(), /选择文件夹…/);
  const file = writeTestFile(env.tmp, "中文.bin", 300 * KIB);
  await page.setInputFiles("#file-input", file.path);
  await waitForRows(page, [`zh/${file.name}`], ["done", "failed"]);
  const row = await rowState(page, `zh/${file.name}`);
  assert.equal(row.state, "done", row.text);
  assert.match(row.text, /完成/);
  assert.match(row.text, /CRC-64 校验通过/);
  assert.equal((await env.dev.objectInfo(env.config.bucket, `zh/${file.name}`))?.crc64, file.crc64);
  assert.equal(await page.locator("li[data-upload] [data-action=remove]").getAttribute("aria-label"), `移除：${file.name}`);

  // Any text can be overridden; switching `lang` switches the texts.
  await page.evaluate(() => (document.querySelector("oss-uploader").strings = { dropTitle: "把文件放这里" }));
  assert.match(await shadowText(), /把文件放这里/);
  await page.evaluate(() => {
    const el = document.querySelector("oss-uploader");
    el.strings = {};
    el.setAttribute("lang", "en");
  });
  assert.match(await shadowText(), /Drop files or folders here/);
  assert.match(await shadowText(), /Done/i);
  await page.close();

  // Without a lang attribute, the browser's language chooses.
  const zhBrowser = await browser.newPage();
  await zhBrowser.addInitScript(() => Object.defineProperty(Navigator.prototype, "language", { get: () => "zh-CN" }));
  await openElementPage(zhBrowser, writeElementPage(env, "zh-default", serverAttributes(env)));
  assert.match(
    await zhBrowser.evaluate(() => document.querySelector("oss-uploader").shadowRoot.getElementById("root").innerText),
    /将文件或文件夹拖到这里/,
  );
  assert.deepEqual(errors, []);
  await zhBrowser.close();
});

test("cname: the element uploads through a custom domain bound to the bucket (nothing prefixed to the host)", async () => {
  // `localhost` is the dev server's loopback address; bound to the bucket it is its own domain.
  const bind = await fetch(`${env.config.endpoint}/__dev/cnames`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ host: "localhost", bucket: env.config.bucket }),
  });
  assert.equal(bind.status, 200);
  const endpoint = env.config.endpoint.replace("127.0.0.1", "localhost");
  const attributes = { endpoint, bucket: env.config.bucket, "sts-url": env.config.stsUrl, cname: "", region: env.config.region, prefix: "c/" };
  const page = await browser.newPage();
  await openElementPage(page, writeElementPage(env, "cname", attributes));
  const file = writeTestFile(env.tmp, "cname.bin", 10 * KIB);
  await page.setInputFiles("#file-input", file.path);
  await waitForRows(page, ["c/cname.bin"], "done");
  const requests = await env.dev.requests("c/cname.bin");
  assert.ok(requests.length > 0);
  // The server read the bucket from the custom domain (the path held only the key).
  for (const r of requests) assert.equal(r.bucket, env.config.bucket, JSON.stringify(r));
  const info = await env.dev.objectInfo(env.config.bucket, "c/cname.bin");
  assert.equal(info?.size, file.size);
  assert.equal(info?.crc64, file.crc64);
  await page.close();
});
