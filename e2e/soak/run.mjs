// The chaos soak: runs the uploads of a seeded plan (plan.mjs) one after another through the
// package (pkg/) in headless Chromium (Playwright, a persistent profile: real IndexedDB
// checkpoints) against its own oss-devserver, with the plan's fault rules and interruptions (a
// reload from outside the page, a closed tab and a new one, an abort), then checks each object on
// the server (size, CRC-64, bytes read back) and where the bytes went (analyse.mjs).
// `scripts/soak.mjs` is its command line (make soak); `e2e/soak.test.mjs` runs a short one.
import { chromium } from "playwright-core";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { root, serveStatic, startDevserver } from "../../scripts/servers.mjs";
import { crc64 } from "../lib/crc64.mjs";
import { ossClient } from "../lib/oss-node.mjs";
import { analyse } from "./analyse.mjs";
import { fileBytes, plan } from "./plan.mjs";

/** Headless Chromium as e2e/lib/harness.mjs launches it (that module also needs www/dist). */
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"];
const CHECKPOINT_STORE = "soak";
/** Consecutive failed attempts (OssError) after which an upload counts as failed. */
const MAX_FAILED_IN_A_ROW = 2;
/** One upload() call that takes longer has hung (48 MiB take a few seconds here). */
const ATTEMPT_TIMEOUT_MS = 180_000;

/**
 * Runs `uploads` uploads of plan(`seed`). Returns { seed, uploads: [per-upload outcome], ... }
 * (report.mjs summarises it). `say` gets one line per upload.
 */
export async function runSoak({ seed, uploads, say = () => {} }) {
  const work = path.join(root, "target", "soak", `seed-${seed}`);
  rmSync(work, { recursive: true, force: true });
  const filesDir = path.join(work, "files");
  mkdirSync(filesDir, { recursive: true });
  const devserver = await startDevserver();
  const web = await serveStatic({
    mounts: { "/pkg/": path.join(root, "pkg"), "/pages/": path.join(root, "e2e", "pages"), "/files/": filesDir },
  });
  const dev = (method, p, body) =>
    fetch(`${devserver.url}${p}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(async (r) => {
      if (!r.ok) throw new Error(`${method} ${p}: HTTP ${r.status} ${await r.text()}`);
      return r.json();
    });
  // Whether the object exists, asked outside OSS's namespace: fault rules do not apply to it.
  const exists = async (key) => {
    const q = `bucket=${encodeURIComponent(devserver.bucket)}&key=${encodeURIComponent(key)}`;
    return (await fetch(`${devserver.url}/__dev/object-info?${q}`)).status === 200;
  };
  const oss = ossClient({
    endpoint: devserver.url,
    bucket: devserver.bucket,
    pathStyle: true,
    credentials: async () => ({ accessKeyId: devserver.info.accessKeyId, accessKeySecret: devserver.info.accessKeySecret }),
  });
  const context = await chromium.launchPersistentContext(path.join(work, "profile"), {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
  });
  const pageUrl = `${web.url}/pages/drive.html`;
  const progress = { page: null, first: null, loaded: 0, total: 0, waiters: [] };
  await context.exposeBinding("onDriveProgress", ({ page }, p) => {
    if (page !== progress.page) return; // a page being torn down
    if (progress.first === null) progress.first = p.loaded;
    progress.loaded = p.loaded;
    progress.total = p.total;
    progress.waiters = progress.waiters.filter((w) => !w());
  });
  const open = async () => {
    const page = await context.newPage();
    await page.goto(pageUrl);
    await page.waitForFunction(() => document.getElementById("out").dataset.state === "ready", null, { timeout: 30000 });
    return page;
  };
  let page = await open();
  for (const p of context.pages()) if (p !== page) await p.close();

  const started = Date.now();
  const outcomes = [];
  try {
    for (const u of plan(seed, uploads)) {
      const bytes = fileBytes(seed, u.index, u.size);
      const crc = crc64(bytes).toString();
      writeFileSync(path.join(filesDir, `${u.index}.bin`), bytes);
      if (u.faults.length) await dev("POST", "/__dev/faults", u.faults);
      const spec = {
        endpoint: devserver.url,
        bucket: devserver.bucket,
        region: devserver.region,
        pathStyle: true,
        signatureVersion: u.signatureVersion,
        partSize: u.partSize,
        parallel: u.parallel,
        checkpointStore: CHECKPOINT_STORE,
        credentialsUrl: `${devserver.url}/__dev/sts`,
        fileUrl: `/files/${u.index}.bin`,
        fileName: u.fileName,
        lastModified: u.lastModified,
        key: u.key,
      };
      const t0 = Date.now();
      const outcome = { ...u, crc64: crc, interrupted: [], missed: [], errors: [], attempts: 0, abortedWhenDone: 0, result: null, failure: null };
      const interruptionTimes = [];
      const left = [...u.interruptions];
      let failedInARow = 0;
      while (!outcome.result && !outcome.failure) {
        outcome.attempts++;
        Object.assign(progress, { page, first: null, loaded: 0, total: 0, waiters: [] });
        const run = Promise.race([
          page.evaluate((s) => window.drive.upload(s), spec).then(
            (r) => ({ r }),
            (e) => ({ gone: e }),
          ),
          new Promise((resolve) => setTimeout(resolve, ATTEMPT_TIMEOUT_MS, { hung: true }).unref()),
        ]);
        let answer;
        const next = left[0];
        if (next) {
          const reached = new Promise((resolve) => {
            const check = () => {
              const { first, loaded, total } = progress;
              const ok = first !== null && total > 0 && loaded > first && loaded >= first + next.at * (total - first);
              if (ok) resolve({ reached: true });
              return ok;
            };
            progress.waiters.push(check);
          });
          answer = await Promise.race([run, reached]);
          if (answer.reached) {
            left.shift();
            outcome.interrupted.push(next.kind);
            page = await interrupt(page, next.kind, open);
            // When the old page was surely gone (analyse.mjs: parts stored before this moment may
            // have gone unanswered).
            interruptionTimes.push(Date.now());
            // The old page's call rejects (reload, close) or ends with an AbortError; it may also
            // have ended by itself in the moment before the interruption landed.
            const after = await run;
            const aborted = after.r && !after.r.ok && after.r.error.name === "AbortError";
            // An AbortError for an upload the client had finished (the object stored, its
            // checkpoint deleted): the caller is told it paused, and nothing is left to resume.
            if (aborted && (await exists(u.key))) {
              const pending = await page.evaluate((store) => window.drive.pending(store), CHECKPOINT_STORE);
              if (!pending.some((p) => p.key === u.key)) outcome.abortedWhenDone++;
            }
            if (after.gone || aborted) continue;
            answer = after;
          }
          // Otherwise the upload ended first: a failure keeps the interruption for the retry.
        } else {
          answer = await run;
        }
        if (answer.hung) {
          outcome.failure = `upload() neither resolved nor rejected within ${ATTEMPT_TIMEOUT_MS / 1000} s`;
          page = await interrupt(page, "reload", open);
          break;
        }
        if (answer.gone) throw new Error(`upload ${u.index}: the page went away: ${answer.gone.message}`);
        const r = answer.r;
        if (r.ok) {
          outcome.result = r.result;
        } else if (r.error.name === "OssError" && r.error.code) {
          outcome.errors.push(r.error.code);
          if (++failedInARow >= MAX_FAILED_IN_A_ROW) outcome.failure = `failed ${failedInARow} times in a row: ${outcome.errors.join(", ")} (${r.error.message})`;
          continue;
        } else {
          outcome.failure = `not a clear OssError: ${r.error.name} ${r.error.code}: ${r.error.message}`;
        }
        failedInARow = 0;
      }
      // Interruptions whose moment never came: the upload was done first.
      outcome.missed = left.map((i) => i.kind);
      outcome.seconds = (Date.now() - t0) / 1000;
      await dev("DELETE", "/__dev/faults");

      // The object on the server, by its own account and read back.
      const info = await oss.head(u.key);
      outcome.crcMatches = !!info && info.size === u.size && info.crc64 === crc;
      const stored = await oss.get(u.key);
      outcome.identical = !!stored && stored.equals(bytes);
      outcome.resultMatches = !!outcome.result && outcome.result.size === u.size && outcome.result.crc64 === crc;
      const log = (await dev("GET", "/__dev/requests")).requests.filter((l) => l.key === u.key);
      outcome.log = analyse(log, interruptionTimes);
      // The server's log of an upload worth explaining (the report shows it), or of SOAK_LOG=<index>.
      const trace = log.map((l) => [l.time.slice(11), l.operation, l.partNumber ?? "", l.uploadId?.slice(-6) ?? "", l.status, l.code ?? "", l.bytesReceived, l.faults.join(",")].join(" "));
      if (outcome.log.completedTwice || outcome.log.resent.length) outcome.trace = trace;
      if (process.env.SOAK_LOG === String(u.index)) for (const t of trace) say(`  ${t}`);
      outcome.requests = log.length;
      if (!outcome.failure && !(outcome.crcMatches && outcome.identical && outcome.resultMatches)) {
        outcome.failure = `the object on the server is wrong (size/CRC-64 ${outcome.crcMatches}, bytes ${outcome.identical}, result ${outcome.resultMatches})`;
      }
      // Forget objects, uploads and the log: memory stays flat over any number of uploads.
      await dev("POST", "/__dev/reset");
      rmSync(path.join(filesDir, `${u.index}.bin`));
      outcomes.push(outcome);
      say(line(outcome));
    }
    const leftover = await page.evaluate((store) => window.drive.pending(store), CHECKPOINT_STORE);
    return { seed, uploads: outcomes, checkpointsLeft: leftover.length, seconds: (Date.now() - started) / 1000 };
  } finally {
    await context.close();
    await web.close();
    await devserver.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** Interrupts the running upload the way `kind` says; returns the page to go on with. */
async function interrupt(page, kind, open) {
  if (kind === "reload") {
    await page.reload();
    await page.waitForFunction(() => document.getElementById("out").dataset.state === "ready", null, { timeout: 30000 });
    return page;
  }
  if (kind === "close") {
    await page.close();
    return open();
  }
  await page.evaluate(() => window.drive.abort());
  return page;
}

function mib(n) {
  return `${(n / 1048576).toFixed(n < 1048576 ? 3 : 1)} MiB`;
}

/** One line per upload, as the soak goes. */
export function line(o) {
  const faults = o.faults.map((f) => `${f.kind}${f.operation ? `@${f.operation}` : ""}${f.code ? `:${f.code}` : ""}`).join(",") || "none";
  const ratio = o.size ? (o.log.bytes / o.size).toFixed(3) : "-";
  return [
    `#${o.index}`,
    o.failure ? "FAILED" : "ok",
    mib(o.size),
    `part ${Math.round(o.partSize / 1024)} KiB × ${o.parallel}`,
    o.signatureVersion,
    `faults ${faults}`,
    `interrupted ${o.interrupted.join(",") || "-"}${o.missed.length ? ` (ended before ${o.missed.join(",")})` : ""}`,
    `errors ${o.errors.join(",") || "-"}${o.abortedWhenDone ? " (an AbortError after the upload had finished)" : ""}`,
    `received ${ratio}×`,
    `${o.seconds.toFixed(1)} s`,
    o.failure || "",
  ].join("  ").trim();
}
