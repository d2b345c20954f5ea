// The npm package (pkg/) in its three setups, each completing a real multipart upload against
// oss-devserver whose object is checked on the server (size and CRC-64 computed here):
//   1. imported from a webpack 5 app: the widget (www/dist), file chosen through its file input;
//   2. a plain <script type="module"> page with no bundler (an import map names the package);
//   3. a dedicated module Web Worker.
// Plus the plain page under a Content-Security-Policy that forbids workers: the hashing worker is
// refused and the main thread hashes instead.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  KIB,
  MIB,
  launch,
  openWidget,
  row,
  screenshot,
  setSettings,
  startEnv,
  tempProfile,
  waitForState,
  watchErrors,
  writeTestFile,
} from "./lib/harness.mjs";

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

async function assertOnServer(key, file) {
  const info = await env.dev.objectInfo(env.config.bucket, key);
  assert.ok(info, `${key} is on the server`);
  assert.equal(info.size, file.size, "size on the server");
  assert.equal(info.crc64, file.crc64, "CRC-64 on the server");
  const log = await env.dev.requests(key);
  assert.ok(log.filter((r) => r.operation === "UploadPart" && r.status === 200).length >= 2, "a multipart upload");
  assert.equal(log.filter((r) => r.operation === "CompleteMultipartUpload" && r.status === 200).length, 1);
}

test("webpack 5 app: the widget uploads a file chosen in its file input", async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  const file = writeTestFile(env.tmp, "webpack-app.bin", 3 * MIB + 123);
  await openWidget(page, env.url);
  await setSettings(page, { partSizeMiB: 1 });
  await page.setInputFiles("#file-input", file.path);
  await waitForState(page, file.name, ["done", "failed"]);
  const r = row(page, file.name);
  assert.equal(await r.getAttribute("data-state"), "done", await r.innerText());
  assert.equal(await r.getAttribute("data-verified"), "true");
  assert.equal(await r.getAttribute("data-crc64"), file.crc64);
  assert.match(await r.innerText(), /CRC-64 verified/);
  await assertOnServer(file.name, file);
  await screenshot(page, "package-webpack-widget");
  assert.deepEqual(errors, []);
  await page.close();
});

test("plain <script type=module> page, no bundler", async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  const file = writeTestFile(env.tmp, "plain-page.bin", 700 * KIB + 5);
  await page.goto(`${env.url}/pages/plain.html`);
  await page.waitForSelector('#out[data-state="ready"]', { timeout: 20000 });
  const result = await page.evaluate(([url, size]) => window.runUpload(url, "setups/plain.bin", size), [
    `/files/${file.name}`,
    256 * KIB,
  ]);
  assert.equal(result.size, file.size);
  assert.equal(result.crc64, file.crc64);
  assert.equal(await page.getAttribute("#out", "data-state"), "done");
  await assertOnServer("setups/plain.bin", file);
  // The library alone never loads the widget (oss-resumable/widget is a module graph of its own).
  const loaded = await page.evaluate(() => performance.getEntriesByType("resource").map((e) => new URL(e.name).pathname));
  assert.ok(loaded.includes("/pkg/index.js"), `the package was loaded: ${loaded}`);
  assert.deepEqual(loaded.filter((p) => p.startsWith("/pkg/widget/")), [], "no module of the widget was loaded");
  await screenshot(page, "package-plain-page");
  assert.deepEqual(errors, []);
  await page.close();
});

test("a page whose Content-Security-Policy forbids workers: parts are hashed on the main thread", async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  const file = writeTestFile(env.tmp, "csp-page.bin", 700 * KIB + 9);
  // The plain page again, with a policy that blocks the hashing worker's blob: script.
  await page.goto(`${env.url}/pages/plain.html?csp=${encodeURIComponent("worker-src 'none'")}`);
  await page.waitForSelector('#out[data-state="ready"]', { timeout: 20000 });
  await page.evaluate(() => {
    window.violations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });
  const result = await page.evaluate(([url, size]) => window.runUpload(url, "setups/csp.bin", size), [
    `/files/${file.name}`,
    256 * KIB,
  ]);
  assert.equal(result.size, file.size);
  assert.equal(result.crc64, file.crc64);
  await assertOnServer("setups/csp.bin", file);
  // The worker really was refused (so the main thread did the hashing), and nothing else failed.
  const violations = await page.evaluate(() => window.violations);
  assert.ok(violations.some((v) => v.startsWith("worker-src blob")), `a worker-src violation: ${violations}`);
  assert.deepEqual(errors.filter((e) => !e.includes("Content Security Policy")), []);
  await page.close();
});

test("dedicated module worker", async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  const file = writeTestFile(env.tmp, "worker.bin", 900 * KIB + 77);
  await page.goto(`${env.url}/pages/worker.html`);
  await page.waitForSelector('#out[data-state="ready"]', { timeout: 20000 });
  const result = await page.evaluate(([url, size]) => window.runUpload(url, "setups/worker.bin", size), [
    `/files/${file.name}`,
    256 * KIB,
  ]);
  assert.equal(result.size, file.size);
  assert.equal(result.crc64, file.crc64);
  assert.equal(result.pendingAfter, 0, "the worker's checkpoint store (IndexedDB) is empty after Complete");
  assert.equal(await page.getAttribute("#out", "data-state"), "done");
  await assertOnServer("setups/worker.bin", file);
  await screenshot(page, "package-worker");
  assert.deepEqual(errors, []);
  await page.close();
});
