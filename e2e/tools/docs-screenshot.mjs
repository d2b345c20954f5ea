// Regenerates docs/widget.png, the README's picture of the widget: one finished upload, one
// running, one waiting in "Resumable uploads" after a reload. Usage: node e2e/tools/docs-screenshot.mjs
import path from "node:path";
import { MIB, launch, openWidget, setSettings, startEnv, tempProfile, waitForPercent, waitForState, writeTestFile } from "../lib/harness.mjs";
import { root } from "../../scripts/servers.mjs";

const env = await startEnv();
const browser = await launch(tempProfile());
try {
  const page = browser.pages()[0] || (await browser.newPage());
  await page.setViewportSize({ width: 820, height: 600 });
  await openWidget(page, env.url, "?picker=input");
  await setSettings(page, { partSizeMiB: 4, parallel: 3 });
  const slow = () => env.dev.faults({ operation: "UploadPart", count: 0, kind: "delay", delayMs: 400 });

  const stopped = writeTestFile(env.tmp, "camera-roll-2026.zip", 120 * MIB);
  await slow();
  await page.setInputFiles("#file-input", stopped.path);
  await waitForPercent(page, stopped.name, 35);
  await page.reload();
  await openWidget(page, env.url, "?picker=input");
  await env.dev.clearFaults();

  const done = writeTestFile(env.tmp, "holiday-video.mp4", 48 * MIB);
  await page.setInputFiles("#file-input", done.path);
  await waitForState(page, done.name, "done");

  const running = writeTestFile(env.tmp, "site-backup.tar", 200 * MIB);
  await slow();
  await page.setInputFiles("#file-input", running.path);
  await waitForPercent(page, running.name, 28);
  await page.waitForTimeout(400); // let the bar's width transition finish
  await page.screenshot({ path: path.join(root, "docs", "widget.png"), fullPage: true });
  console.log("wrote docs/widget.png");
} finally {
  await browser.close();
  await env.close();
}
