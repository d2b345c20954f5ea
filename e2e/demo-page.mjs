// Checks that the page `make demo` serves loads the wasm module in headless Chromium and reaches
// the dev server cross-origin. Usage: node e2e/demo-page.mjs [URL] (default http://127.0.0.1:8080/).
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";

const url = process.argv[2] || "http://127.0.0.1:8080/";
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
try {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForSelector("#status[data-loaded=true]", { timeout: 20000 });
  await page.waitForFunction(() => document.getElementById("server").textContent.includes("reachable"), null, {
    timeout: 20000,
  });
  const status = await page.textContent("#status");
  const server = await page.textContent("#server");
  mkdirSync("e2e/screenshots", { recursive: true });
  await page.screenshot({ path: "e2e/screenshots/demo-page.png" });
  if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
  console.log(`demo page OK: "${status}" / "${server}"`);
} finally {
  await browser.close();
}
