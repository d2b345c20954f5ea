// The main flows in Firefox and WebKit, over W3C WebDriver (scripts/webdriver.mjs); Chromium runs
// the same flows through Playwright in the other files. Each flow checks the object on the server
// (size and CRC-64 computed here) and the server's request log:
//   1. the package in a plain <script type="module"> page: upload, reload mid-upload, resume;
//   2. the same page under a Content-Security-Policy that forbids workers;
//   3. the package inside a dedicated module worker;
//   4. the widget (<oss-uploader> on the demo page): upload, reload mid-upload, Resume by picking
//      the file again.
// BROWSERS=firefox (or webkit) limits the engines; engines setup did not find are skipped.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { By } from "selenium-webdriver";
import { KIB, MIB, startEnv, uploadPartBytes, until, writeTestFile } from "./lib/harness.mjs";
import { startWebDriver, waitInPage, webdriverEngines } from "../scripts/webdriver.mjs";

const engines = webdriverEngines();
if (engines.length === 0) {
  test("flows in Firefox and WebKit", { skip: "neither Firefox nor WebKit is set up (scripts/setup.sh says why)" }, () => {});
}

for (const engine of engines) {
  describe(`${engine} over WebDriver`, () => {
    let env;
    let browser;
    let driver;
    before(async () => {
      env = await startEnv();
      browser = await startWebDriver(engine);
      driver = browser.driver;
    });
    after(async () => {
      await browser?.close();
      await env?.close();
    });

    async function assertOnServer(key, file, { multipart = true } = {}) {
      const info = await env.dev.objectInfo(env.config.bucket, key);
      assert.ok(info, `${key} is on the server`);
      assert.equal(info.size, file.size, "size on the server");
      assert.equal(info.crc64, file.crc64, "CRC-64 on the server");
      const log = await env.dev.requests(key);
      if (multipart) {
        assert.ok(log.filter((r) => r.operation === "UploadPart" && r.status === 200).length >= 2, "a multipart upload");
      }
      assert.equal(log.filter((r) => r.operation === "CompleteMultipartUpload" && r.status === 200).length, 1);
      return log;
    }

    async function openPage(page) {
      await driver.get(`${env.url}/pages/${page}`);
      await waitInPage(driver, `document.getElementById("out").dataset.state === "ready"`, { what: `${page} ready` });
    }

    /** `window.runUpload(fileUrl, key, partSize)` of the open page (plain.html or worker.html). */
    const runUpload = (file, key, partSize) =>
      driver.executeScript(`return window.runUpload(arguments[0], arguments[1], arguments[2]);`, `/files/${file.name}`, key, partSize);

    const partsDoneOnServer = async (key) =>
      (await env.dev.requests(key)).filter((r) => r.operation === "UploadPart" && r.status === 200).length;

    test("plain module page: upload, reload mid-upload, resume to the same bytes", async () => {
      const file = writeTestFile(env.tmp, `${engine}-plain.bin`, 12 * MIB + 321);
      const key = `${engine}/plain.bin`;
      // Slow parts, so the reload lands mid-upload on any machine.
      await env.dev.faults({ operation: "UploadPart", count: 0, kind: "delay", delayMs: 300 });
      await openPage("plain.html");
      // Not awaited: the page is reloaded under it.
      await driver.executeScript(
        `window.runUpload(arguments[0], arguments[1], arguments[2]).catch(() => {});`,
        `/files/${file.name}`,
        key,
        MIB,
      );
      await until(async () => (await partsDoneOnServer(key)) >= 4, { timeout: 60000, what: "4 parts on the server" });
      await driver.navigate().refresh();
      await env.dev.clearFaults();
      await waitInPage(driver, `document.getElementById("out").dataset.state === "ready"`);
      const before = await partsDoneOnServer(key);
      const result = await runUpload(file, key, MIB);
      assert.equal(result.size, file.size);
      assert.equal(result.crc64, file.crc64);
      assert.equal(result.resumed, true, "the upload resumed after the reload");
      assert.ok(result.partsReused >= 1, `parts reused: ${result.partsReused}`);
      const log = await assertOnServer(key, file);
      assert.equal(log.filter((r) => r.operation === "InitiateMultipartUpload").length, 1, "one upload, resumed");
      assert.ok(log.some((r) => r.operation === "ListParts"), "resume asked the server which parts it has");
      const sent = uploadPartBytes(log);
      console.log(`${engine}: reloaded with ${before} parts on the server; ${result.partsReused} reused; ${sent - file.size} bytes sent twice`);
    });

    test("a page whose Content-Security-Policy forbids workers still uploads", async () => {
      const file = writeTestFile(env.tmp, `${engine}-csp.bin`, 700 * KIB + 9);
      const key = `${engine}/csp.bin`;
      await driver.get(`${env.url}/pages/plain.html?csp=${encodeURIComponent("worker-src 'none'")}`);
      await waitInPage(driver, `document.getElementById("out").dataset.state === "ready"`);
      await driver.executeScript(`window.violations = [];
        document.addEventListener("securitypolicyviolation", (e) => window.violations.push(e.effectiveDirective + " " + e.blockedURI));`);
      const result = await runUpload(file, key, 256 * KIB);
      assert.equal(result.size, file.size);
      assert.equal(result.crc64, file.crc64);
      await assertOnServer(key, file);
      // The hashing worker really was refused, so the main thread hashed.
      const violations = await driver.executeScript("return window.violations;");
      assert.ok(
        violations.some((v) => v.startsWith("worker-src") || v.startsWith("script-src")),
        `a worker-src violation: ${JSON.stringify(violations)}`,
      );
    });

    test("dedicated module worker", async () => {
      const file = writeTestFile(env.tmp, `${engine}-worker.bin`, 900 * KIB + 77);
      const key = `${engine}/worker.bin`;
      await openPage("worker.html");
      const result = await runUpload(file, key, 256 * KIB);
      assert.equal(result.size, file.size);
      assert.equal(result.crc64, file.crc64);
      assert.equal(result.pendingAfter, 0, "the worker's checkpoint store is empty after Complete");
      await assertOnServer(key, file);
    });

    test("widget: upload, reload mid-upload, Resume by picking the file again", async () => {
      const file = writeTestFile(env.tmp, `${engine}-widget.bin`, 24 * MIB + 5);
      await env.dev.faults({ operation: "UploadPart", count: 0, kind: "delay", delayMs: 300 });
      await driver.get(`${env.url}/?picker=input`);
      await waitInPage(driver, `document.body.dataset.ready === "true"`);
      // Smaller parts than the default, so the reload lands between parts.
      await driver.findElement(By.css("#settings summary")).click();
      const partSize = await driver.findElement(By.id("setting-part-size"));
      await partSize.clear();
      await partSize.sendKeys("2");
      await driver.findElement(By.id("settings-save")).click();
      await waitInPage(driver, `document.getElementById("settings-saved").textContent.startsWith("Saved")`);
      // The element's file input is in its shadow root, visually hidden as a page's usually is;
      // WebDriver reaches it through the shadow root and sets its files.
      const shadow = () => driver.findElement(By.css("oss-uploader")).getShadowRoot();
      await (await (await shadow()).findElement(By.css("#file-input"))).sendKeys(file.path);
      await until(async () => (await partsDoneOnServer(file.name)) >= 3, { timeout: 60000, what: "3 parts on the server" });
      await driver.navigate().refresh();
      await env.dev.clearFaults();
      const inShadow = `document.querySelector("oss-uploader").shadowRoot`;
      const rowSel = `li[data-pending][data-file-name="${file.name}"]`;
      await waitInPage(driver, `!!${inShadow}?.querySelector('${rowSel}')`, { what: "the resumable entry" });
      const text = await driver.executeScript(`return ${inShadow}.querySelector('${rowSel}').innerText;`);
      assert.match(text, /\d+\s?% uploaded/, text);
      // Resume asks for the file again (no stored handle in this engine): pick the same file.
      await (await (await shadow()).findElement(By.css(`${rowSel} [data-action="resume-pending"]`))).click();
      await (await (await shadow()).findElement(By.css("#file-input"))).sendKeys(file.path);
      const done = `li[data-upload][data-file-name="${file.name}"]`;
      await waitInPage(driver, `["done", "failed"].includes(${inShadow}.querySelector('${done}')?.dataset.state)`, {
        timeout: 90000,
        what: "the upload to end",
      });
      const state = await driver.executeScript(
        `const r = ${inShadow}.querySelector('${done}'); return { ...r.dataset, text: r.innerText };`,
      );
      assert.equal(state.state, "done", state.text);
      assert.equal(state.verified, "true");
      assert.equal(state.resumed, "true", "resumed, not restarted");
      assert.match(state.text, /CRC-64 verified/);
      const log = await assertOnServer(file.name, file);
      assert.equal(log.filter((r) => r.operation === "InitiateMultipartUpload").length, 1, "one upload, resumed");
    });
  });
}
