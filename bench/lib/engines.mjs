// Firefox and WebKit (over WebDriver): A and O paired per round on a smaller file, in the same
// browser, each in a fresh page.

import { By } from "selenium-webdriver";
import { startWebDriver } from "../../scripts/webdriver.mjs";
import { MiB, ensureFile, log, round, summary } from "./common.mjs";

/// Throughput per engine: A (the raw-XHR ceiling) and O (oss-resumable, 8 MiB × 3) alternated
/// round by round in the same browser, each in a fresh page, the file set through WebDriver. Only
/// what every engine can measure: time, the 10 ms timer's worst lateness (main-thread stalls),
/// and how many progress events reached the page.
export async function engineBench(env, cfg, engine) {
  const file = ensureFile(cfg.engineMib);
  const browser = await startWebDriver(engine);
  const { driver } = browser;
  const runs = [];
  try {
    const caps = await driver.getCapabilities();
    const product = `${caps.get("browserName")} ${caps.get("browserVersion")}`;
    for (let r = 1; r <= cfg.rounds; r++) {
      for (const v of ["A", "O"]) {
        const q = new URLSearchParams({ v, server: env.server.url, bucket: env.server.bucket, region: env.server.region });
        await driver.get(`${env.origin}/index.html?${q}`);
        await driver.executeScript("return window.benchReady;");
        await driver.findElement(By.id("file")).sendKeys(file);
        const key = `bench/${engine}/${v}/${cfg.engineMib}m-r${r}-${Date.now()}`;
        const spec = { key, partSize: cfg.partSize, parallel: cfg.parallel };
        const res = await driver.executeScript(`return window.bench.run(${JSON.stringify(spec)});`);
        const run = {
          engine,
          variant: v,
          mib: cfg.engineMib,
          round: r,
          ms: round(res.ms, 1),
          mbps: round((cfg.engineMib * MiB) / 1e6 / (res.ms / 1000), 1),
          timerLatenessMaxMs: round(res.timerLatenessMaxMs, 1),
          progressEvents: res.value?.progressEvents ?? null,
        };
        log(`${engine} ${cfg.engineMib} MiB round ${r} ${v}: ${run.mbps} MB/s, lateness ${run.timerLatenessMaxMs} ms` +
          (run.progressEvents === null ? "" : `, ${run.progressEvents} progress events`));
        runs.push(run);
      }
    }
    const of = (v, k) => runs.filter((x) => x.variant === v).map((x) => x[k]);
    const paired = [];
    for (let r = 1; r <= cfg.rounds; r++) {
      const a = runs.find((x) => x.variant === "A" && x.round === r);
      const o = runs.find((x) => x.variant === "O" && x.round === r);
      if (a && o) paired.push(round(o.mbps / a.mbps));
    }
    return {
      product,
      mib: cfg.engineMib,
      A: { mbps: summary(of("A", "mbps")), timerLatenessMaxMs: summary(of("A", "timerLatenessMaxMs")) },
      O: {
        mbps: summary(of("O", "mbps")),
        timerLatenessMaxMs: summary(of("O", "timerLatenessMaxMs")),
        progressEvents: summary(of("O", "progressEvents")),
      },
      "O/A": summary(paired),
      runs,
    };
  } finally {
    await browser.close();
  }
}
