// Regenerates the README's pictures of <oss-uploader> on the demo page: docs/widget.png (English)
// and docs/widget-zh.png (lang="zh-CN"), each with one finished upload, one running and one
// waiting in "Resumable uploads" after a reload. Usage: node e2e/tools/docs-screenshot.mjs
import path from "node:path";
import { MIB, launch, openWidget, setSettings, startEnv, tempProfile, waitForPercent, waitForState, writeTestFile } from "../lib/harness.mjs";
import { root } from "../../scripts/servers.mjs";

const env = await startEnv();
const slow = () => env.dev.faults({ operation: "UploadPart", count: 0, kind: "delay", delayMs: 400 });
for (const [lang, out] of [["en", "widget.png"], ["zh-CN", "widget-zh.png"]]) {
  // A fresh profile per language: nothing pending from the other one.
  const browser = await launch(tempProfile());
  try {
    const page = browser.pages()[0] || (await browser.newPage());
    await page.setViewportSize({ width: 760, height: 600 });
    await openWidget(page, env.url, "?picker=input");
    await setSettings(page, { partSizeMiB: 4, parallel: 3 });
    await page.evaluate((lang) => document.querySelector("oss-uploader").setAttribute("lang", lang), lang);
    const suffix = lang === "en" ? "" : "-zh";

    const stopped = writeTestFile(env.tmp, `camera-roll-2026${suffix}.zip`, 96 * MIB);
    await slow();
    await page.setInputFiles("#file-input", stopped.path);
    await waitForPercent(page, stopped.name, 35);
    await page.reload();
    await openWidget(page, env.url, "?picker=input");
    await page.evaluate((lang) => document.querySelector("oss-uploader").setAttribute("lang", lang), lang);
    await env.dev.clearFaults();

    const done = writeTestFile(env.tmp, `holiday-video${suffix}.mp4`, 32 * MIB);
    await page.setInputFiles("#file-input", done.path);
    await waitForState(page, done.name, "done");

    const running = writeTestFile(env.tmp, `site-backup${suffix}.tar`, 160 * MIB);
    await slow();
    await page.setInputFiles("#file-input", running.path);
    await waitForPercent(page, running.name, 28);
    await page.waitForTimeout(400); // let the bar's width transition finish
    await page.locator("oss-uploader").screenshot({ path: path.join(root, "docs", out) });
    console.log(`wrote docs/${out}`);
  } finally {
    await env.dev.clearFaults();
    await browser.close();
  }
}
await env.close();
