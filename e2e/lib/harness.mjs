// What every end-to-end test needs: its own oss-devserver, the demo page with the widget (www/dist) and the package
// (pkg/) served on another origin, headless Chromium through playwright-core, the dev server's
// control API, test files on disk with their CRC-64, and screenshots.
import { chromium } from "playwright-core";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { devserverBinary, root, serveStatic, startDevserver, widgetConfig } from "../../scripts/servers.mjs";
import { crc64 } from "./crc64.mjs";

export const KIB = 1024;
export const MIB = 1024 * 1024;
export const screenshotsDir = path.join(root, "e2e", "screenshots");

export const chromiumArgs = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

for (const [what, file] of [
  ["oss-devserver (cargo build --profile server -p oss-devserver)", devserverBinary],
  ["the widget (make www)", path.join(root, "www", "dist", "index.html")],
  ["the package (make package)", path.join(root, "pkg", "index.js")],
]) {
  if (!existsSync(file)) throw new Error(`${what} is missing: ${file}`);
}

/**
 * Starts a dev server and a static server for www/dist at "/", pkg/ at "/pkg/", e2e/pages at
 * "/pages/" and a temp dir at "/files/". `close()` stops both and removes the temp dir.
 */
export async function startEnv() {
  const tmp = mkdtempSync(path.join(tmpdir(), "oss-e2e-"));
  const devserver = await startDevserver();
  const config = widgetConfig(devserver);
  const web = await serveStatic({
    mounts: {
      "/": path.join(root, "www", "dist"),
      "/pkg/": path.join(root, "pkg"),
      "/pages/": path.join(root, "e2e", "pages"),
      "/files/": tmp,
    },
    config,
  });
  const dev = devApi(devserver.url);
  return {
    tmp,
    devserver,
    config,
    web,
    dev,
    url: web.url,
    async close() {
      await web.close();
      await devserver.stop();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** The dev server's /__dev/ control API. */
export function devApi(base) {
  const call = async (method, p, body) => {
    const res = await fetch(`${base}${p}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  return {
    async requests(key) {
      const { body } = await call("GET", "/__dev/requests");
      return key === undefined ? body.requests : body.requests.filter((r) => r.key === key);
    },
    async objectInfo(bucket, key) {
      const q = `bucket=${encodeURIComponent(bucket)}&key=${encodeURIComponent(key)}`;
      const { status, body } = await call("GET", `/__dev/object-info?${q}`);
      return status === 200 ? body : null;
    },
    async faults(rules) {
      const { status, body } = await call("POST", "/__dev/faults", rules);
      if (status !== 200) throw new Error(`faults: ${status} ${JSON.stringify(body)}`);
    },
    async clearFaults() {
      await call("DELETE", "/__dev/faults");
    },
  };
}

/** Writes `size` random bytes to `dir/name`; returns `{ path, name, size, crc64 }` (decimal). */
export function writeTestFile(dir, name, size) {
  const bytes = randomBytes(size);
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return { path: file, name, size, crc64: crc64(bytes).toString() };
}

/** A browser: `launchPersistentContext` on `userDataDir` (IndexedDB survives a restart). */
export async function launch(userDataDir) {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: chromiumArgs,
    viewport: { width: 900, height: 820 },
  });
}

export function tempProfile() {
  return mkdtempSync(path.join(tmpdir(), "oss-e2e-profile-"));
}

/** Collects uncaught page errors and console errors so a test can assert there were none.
 *  Chromium's own "Failed to load resource" lines for answers a test provoked (faults) are not
 *  the page's errors and are left out. */
export function watchErrors(page) {
  const errors = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(`console: ${m.text()}`);
  });
  return errors;
}

export async function screenshot(page, name) {
  mkdirSync(screenshotsDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotsDir, `${name}.png`), fullPage: true });
}

/** Opens the demo page (<oss-uploader> and its settings) and waits until the element is ready. */
export async function openWidget(page, url, query = "") {
  await page.goto(`${url}/${query}`);
  await page.waitForSelector('body[data-ready="true"]', { state: "attached", timeout: 20000 });
  await page.waitForSelector('#pending-list[data-loaded="true"]', { state: "attached", timeout: 20000 });
}

/** Sets part size (MiB) and parallel in the widget's settings form, and saves them. */
export async function setSettings(page, { partSizeMiB, parallel }) {
  await page.click("#settings summary");
  if (partSizeMiB !== undefined) await page.fill("#setting-part-size", String(partSizeMiB));
  if (parallel !== undefined) await page.fill("#setting-parallel", String(parallel));
  await page.click("#settings-save");
  await page.waitForFunction(() => document.getElementById("settings-saved").textContent.startsWith("Saved"));
  await page.click("#settings summary");
}

/** In the page: the shadow root of the page's <oss-uploader> (page functions cannot import, so
 *  the tests' waitForFunction bodies spell it `document.querySelector("oss-uploader").shadowRoot`). */
export const SHADOW = 'document.querySelector("oss-uploader").shadowRoot';

/** The row of the "Uploads" list for `fileName` (Playwright's CSS locators pierce shadow roots). */
export function row(page, fileName) {
  return page.locator(`li[data-upload][data-file-name="${fileName}"]`);
}

export function pendingRow(page, fileName) {
  return page.locator(`li[data-pending][data-file-name="${fileName}"]`);
}

/** Waits until the row's data-state is one of `states` (array or string). */
export async function waitForState(page, fileName, states, timeout = 60000) {
  const wanted = [].concat(states);
  await page.waitForFunction(
    ([name, wanted]) => {
      const el = document.querySelector("oss-uploader").shadowRoot.querySelector(`li[data-upload][data-file-name="${name}"]`);
      return !!el && wanted.includes(el.dataset.state);
    },
    [fileName, wanted],
    { timeout },
  );
}

/** Waits until the row's percent is at least `min`. */
export async function waitForPercent(page, fileName, min, timeout = 60000) {
  await page.waitForFunction(
    ([name, min]) => {
      const el = document.querySelector("oss-uploader").shadowRoot.querySelector(`li[data-upload][data-file-name="${name}"]`);
      return !!el && Number(el.dataset.percent) >= min;
    },
    [fileName, min],
    { timeout },
  );
}

/** Polls `fn` until it returns a truthy value (bounded). */
export async function until(fn, { timeout = 20000, interval = 100, what = "condition" } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Sum of bytes the server received for UploadPart requests of `key`. */
export function uploadPartBytes(log) {
  return log.filter((r) => r.operation === "UploadPart").reduce((n, r) => n + (r.bytesReceived || 0), 0);
}
