// Screenshots for eyeballing the layout: settings open at desktop width, and a phone-sized page.
import { MIB, launch, openWidget, screenshot, startEnv, tempProfile, waitForState, writeTestFile } from "../lib/harness.mjs";
const env = await startEnv();
const browser = await launch(tempProfile());
try {
  const page = browser.pages()[0] || (await browser.newPage());
  await openWidget(page, env.url);
  await page.click("#settings summary");
  await page.fill("#setting-parallel", "0");
  await page.click("#settings-save");
  await page.waitForSelector("#settings-error:not([hidden])");
  await screenshot(page, "look-settings-error");
  await page.click("#settings-reset");
  await page.setViewportSize({ width: 380, height: 800 });
  const f = writeTestFile(env.tmp, "a-rather-long-file-name-for-a-phone-screen-2026.tar.gz", 2 * MIB);
  await page.setInputFiles("#file-input", f.path);
  await waitForState(page, f.name, "done");
  await page.keyboard.press("Tab");
  await screenshot(page, "look-phone");
} finally {
  await browser.close();
  await env.close();
}
