// `make bench` (and `make bench-smoke`): what users feel, in one run, against the raw-XHR
// ceiling and ali-oss. The method is in the README's "Performance" section; results go to
// bench/results/.
//
//   node bench/run.mjs [--mib 1024] [--flat-mib 256] [--rounds 3] [--smoke] [--out bench/results]
//   node bench/run.mjs --only resume [--resume-trials 5] [--mib 64]   (the resume figure alone)
//
// Needs (make bench-build makes them): target/server/oss-devserver, pkg/ (the package as it ships,
// from make package), bench/tmp/crc64.wasm (bench/build.sh), node_modules/ali-oss.

import { createHash } from "node:crypto";
import { createServer } from "node:http";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import { Browser } from "./lib/cdp.mjs";
import { startWebDriver, webdriverEngines } from "../scripts/webdriver.mjs";
import { By } from "selenium-webdriver";
import { renderMarkdown, renderSvg } from "./lib/report.mjs";
import { startDevserver } from "../scripts/servers.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const tmp = path.join(root, "bench", "tmp");
const pkg = path.join(root, "pkg");
const MiB = 1024 * 1024;

// ---- options ---------------------------------------------------------------------------------
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const smoke = argv.includes("--smoke");
const cfg = {
  mib: Number(opt("mib", smoke ? 64 : 1024)),
  flatMib: smoke ? 0 : Number(opt("flat-mib", 256)),
  rounds: Number(opt("rounds", smoke ? 1 : 3)),
  partSize: 8 * MiB,
  parallel: 3,
  out: path.resolve(opt("out", smoke ? path.join(tmp, "smoke") : path.join(root, "bench", "results"))),
  // In the rotation, in this order, every round.
  variants: (opt("variants", "A,O,B,C,O-def") || "").split(","),
  // Firefox and WebKit (over WebDriver): A and O paired per round on a smaller file.
  engines: opt("engines", webdriverEngines().join(",")).split(",").filter(Boolean),
  engineMib: Number(opt("engine-mib", smoke ? 64 : 256)),
  // `--only resume`: the reload floor and the resume trials alone (printed, no report written).
  only: opt("only", null),
  resumeTrials: Number(opt("resume-trials", smoke ? 1 : 3)),
};

const VARIANTS = {
  A: { label: "A: raw XHR, 8 MiB × 3 (ceiling)", explicit: true },
  O: { label: "O: oss-resumable, 8 MiB × 3", explicit: true },
  B: { label: "B: ali-oss 6.23, 8 MiB × 3", explicit: true },
  C: { label: "C: ali-oss defaults (1 MiB × 5)", explicit: false },
  "O-def": { label: "O-def: oss-resumable defaults", explicit: false },
};

const log = (...a) => console.error("bench:", ...a);

// ---- inputs ----------------------------------------------------------------------------------
/// A file of `mib` MiB under bench/tmp/ (kept between runs). Content: a random 16 MiB block
/// repeated; neither the uploaders nor the server compress, so its entropy does not matter.
function ensureFile(mib) {
  const file = path.join(tmp, `data-${mib}m.bin`);
  if (fs.existsSync(file) && fs.statSync(file).size === mib * MiB) return file;
  fs.mkdirSync(tmp, { recursive: true });
  log(`writing ${file}`);
  const block = Buffer.alloc(Math.min(16, mib) * MiB);
  for (let at = 0; at < block.length; at += 65536) {
    block.set(globalThis.crypto.getRandomValues(new Uint8Array(65536)), at);
  }
  const fd = fs.openSync(file, "w");
  for (let done = 0; done < mib * MiB; done += block.length) fs.writeSync(fd, block);
  fs.closeSync(fd);
  return file;
}

function need(p, hint) {
  if (!fs.existsSync(p)) throw new Error(`${p} is missing: ${hint}`);
  return p;
}

// ---- the dev server ------------------------------------------------------------------------
function procCpuSeconds(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = f.slice(f.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, USER_HZ = 100
}

/// `POST` (add) or `DELETE` (clear) the dev server's fault rules.
async function devFaults(url, method, rules) {
  const res = await fetch(`${url}/__dev/faults`, {
    method,
    headers: { "content-type": "application/json" },
    body: rules === undefined ? undefined : JSON.stringify(rules),
  });
  if (!res.ok) throw new Error(`${method} /__dev/faults -> ${res.status}`);
}

async function serverLog(url) {
  const res = await fetch(`${url}/__dev/requests`);
  const body = await res.json();
  return Array.isArray(body) ? body : body.requests || body.entries || [];
}

// ---- the page's origin -----------------------------------------------------------------------
function startStatic() {
  const routes = [
    ["/pkg/", pkg],
    ["/vendor/aliyun-oss-sdk.min.js", path.join(root, "node_modules", "ali-oss", "dist", "aliyun-oss-sdk.min.js")],
    ["/crc64.wasm", path.join(tmp, "crc64.wasm")],
    ["/", path.join(root, "bench", "page")],
  ];
  const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };
  const srv = createServer((req, res) => {
    const p = decodeURIComponent(new URL(req.url, "http://x").pathname);
    for (const [prefix, target] of routes) {
      if (!p.startsWith(prefix)) continue;
      let file = prefix.endsWith("/") ? path.join(target, p.slice(prefix.length) || "index.html") : target;
      if (!file.startsWith(target)) break;
      fs.readFile(file, (err, data) => {
        if (err) return res.writeHead(404).end();
        // As a production site serves its assets: cached, revalidated on every load. (With
        // no-store, every reload would also recompile the wasm: Chromium keeps compiled wasm
        // only alongside a cached response.)
        const etag = `"${createHash("sha1").update(data).digest("hex")}"`;
        if (req.headers["if-none-match"] === etag) return res.writeHead(304, { etag }).end();
        res.writeHead(200, {
          "content-type": types[path.extname(file)] || "application/octet-stream",
          "cache-control": "no-cache",
          etag,
        });
        res.end(data);
      });
      return;
    }
    res.writeHead(404).end();
  });
  return new Promise((resolve) =>
    srv.listen(0, "127.0.0.1", () => resolve({ srv, origin: `http://127.0.0.1:${srv.address().port}` })),
  );
}

// ---- statistics ------------------------------------------------------------------------------
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? null : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
const summary = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length });
const round = (x, d = 3) => (x === null || x === undefined ? x : Number(x.toFixed(d)));

function loadavg() {
  return os.loadavg().map((x) => round(x, 2));
}

// ---- one measured upload ---------------------------------------------------------------------
async function runOne(browser, env, variant, mib, roundNo) {
  const file = ensureFile(mib);
  const q = new URLSearchParams({
    v: variant,
    server: env.server.url,
    vhost: env.server.url.replace("127.0.0.1", "localhost"),
    bucket: env.server.bucket,
    region: env.server.region,
  });
  const page = await browser.newPage();
  try {
    await page.goto(`${env.origin}/index.html?${q}`);
    await page.setFile(file);
    const key = `bench/${variant}/${mib}m-r${roundNo}-${Date.now()}`;
    const spec = VARIANTS[variant].explicit ? { key, partSize: cfg.partSize, parallel: cfg.parallel } : { key };
    const load0 = os.loadavg()[0];
    const t0 = await page.taskSeconds();
    const c0 = await browser.cpuByType();
    const s0 = procCpuSeconds(env.server.pid);
    const r = await page.eval(`window.bench.run(${JSON.stringify(spec)})`);
    const s1 = procCpuSeconds(env.server.pid);
    const c1 = await browser.cpuByType();
    const t1 = await page.taskSeconds();
    const gib = (mib * MiB) / 1024 ** 3;
    const cpu = {};
    for (const k of Object.keys(c1)) cpu[k] = round((c1[k] - (c0[k] || 0)) / gib);
    return {
      variant,
      mib,
      round: roundNo,
      ms: round(r.ms, 1),
      mbps: round((mib * MiB) / 1e6 / (r.ms / 1000), 1),
      mainThreadCpuSPerGiB: round((t1.task - t0.task) / gib),
      mainThreadScriptSPerGiB: round((t1.script - t0.script) / gib),
      rendererCpuSPerGiB: cpu.renderer,
      chromiumCpuSPerGiB: cpu,
      serverCpuSPerGiB: round((s1 - s0) / gib),
      longTaskMaxMs: round(r.longTaskMaxMs, 1),
      longTaskAtMs: r.longTaskAtMs,
      longTasks: r.longTasks,
      timerLatenessMaxMs: round(r.timerLatenessMaxMs, 1),
      timerTicks: r.timerTicks,
      heapPeakRiseMiB: round(r.heapPeakRise / MiB, 2),
      wasmRiseMiB: round(r.wasmRise / MiB, 2),
      wasmStartMiB: round(r.wasmStart / MiB, 2),
      memRiseMiB: round((r.heapPeakRise + r.wasmRise) / MiB, 2),
      load1: round(load0, 2),
      value: r.value,
    };
  } catch (e) {
    e.message += `\n  page log: ${page.log.slice(-10).join("\n  ")}`;
    throw e;
  } finally {
    await page.close();
  }
}

// ---- Firefox and WebKit -------------------------------------------------------------------------
/// Throughput per engine: A (the raw-XHR ceiling) and O (oss-resumable, 8 MiB × 3) alternated
/// round by round in the same browser, each in a fresh page, the file set through WebDriver. Only
/// what every engine can measure: time, the 10 ms timer's worst lateness (main-thread stalls),
/// and how many progress events reached the page.
async function engineBench(env, engine) {
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

// ---- CRC-64 in wasm --------------------------------------------------------------------------
async function crcBench(browser, env) {
  const page = await browser.newPage();
  try {
    await page.goto(`${env.origin}/index.html?v=CRC`);
    const r = await page.eval(`window.bench.crc64({ mib: 64, reps: ${smoke ? 3 : 9} })`);
    if (r.check !== "995dc9bbdf1939fa") throw new Error(`CRC-64 known answer wrong: ${r.check}`);
    return { gbps: summary(r.gbps.map((x) => round(x))), bufferMiB: 64 };
  } finally {
    await page.close();
  }
}

// ---- resume latency --------------------------------------------------------------------------
/// Uploads until `parts` parts are done, reloads the page under the running upload, picks the
/// same file again and resumes. From the server's request log: when the first UploadPart after
/// the reload arrived, and how long ListParts took.
async function resumeBench(browser, env, mib, trial) {
  const file = ensureFile(mib);
  const q = new URLSearchParams({ v: "resume", server: env.server.url, bucket: env.server.bucket, region: env.server.region });
  const page = await browser.newPage();
  try {
    await page.goto(`${env.origin}/index.html?${q}`);
    await page.setFile(file);
    const key = `bench/resume/${mib}m-${trial}-${Date.now()}`;
    const spec = { key, partSize: cfg.partSize, parallel: cfg.parallel, parts: 6 };
    // The old page's parts after the sixth are held at the server (their first attempt only),
    // so the upload cannot finish before the reload lands, however fast the machine is.
    const total = Math.ceil((mib * MiB) / cfg.partSize);
    const hold = [];
    for (let n = spec.parts + 1; n <= total; n++) {
      hold.push({ operation: "UploadPart", partNumber: n, count: 1, kind: "delay", delayMs: 10000 });
    }
    await devFaults(env.server.url, "POST", hold);
    await page.eval(`window.bench.startForResume(${JSON.stringify(spec)})`);
    const reloadAt = Date.now();
    await page.reload();
    const readyAt = Date.now();
    // The old page is gone: lift the hold, or every part the resumed upload sends for the first
    // time would wait 10 s too (minutes per trial at 1 GiB).
    await devFaults(env.server.url, "DELETE");
    await page.setFile(file);
    const fileSetAt = Date.now();
    const r = await page.eval(`window.bench.resume(${JSON.stringify(spec)})`);
    const entries = (await serverLog(env.server.url)).filter((e) => e.key === key);
    const t = (e) => Date.parse(e.time);
    // The old page keeps uploading until the reloaded one commits, so the resumed upload's first
    // part is the first UploadPart after its ListParts (a fresh upload never lists parts).
    const listParts = entries.find((e) => e.operation === "ListParts" && t(e) >= reloadAt);
    const firstPart = listParts && entries.find((e) => e.operation === "UploadPart" && t(e) >= t(listParts));
    if (!r.resumed || !listParts || !firstPart) {
      throw new Error(`resume did not happen as expected: ${JSON.stringify({ r, listParts, firstPart })}`);
    }
    return {
      mib,
      resumed: r.resumed,
      partsReused: r.partsReused,
      reloadToFirstPartMs: t(firstPart) - reloadAt,
      reloadToReadyMs: readyAt - reloadAt,
      // Where the reload's time goes: until the new document's navigation started (the old
      // page's teardown and the request), its DOMContentLoaded, the library loaded and set up.
      reloadToNavigationStartMs: round(r.navigationStart - reloadAt, 1),
      navigationToDomContentLoadedMs: round(r.domContentLoadedMs, 1),
      navigationToLibraryReadyMs: round(r.readyAtMs, 1),
      harnessFileSetMs: fileSetAt - readyAt,
      uploadCallToFirstPartMs: round(t(firstPart) - r.calledAt, 1),
      uploadCallToListPartsMs: round(t(listParts) - r.calledAt, 1),
      listPartsToFirstPartMs: t(firstPart) - t(listParts),
      listPartsDurationMs: listParts.durationMs,
      // The target: reload → first part byte ≤ one ListParts round trip + 100 ms.
      budgetMs: listParts.durationMs + 100,
    };
  } finally {
    await page.close();
    await devFaults(env.server.url, "DELETE");
  }
}

/// The floor under the resume figure: the same reload of a page that loads no package and
/// uploads nothing (variant A's page), timed the same way, median of 3.
async function reloadFloor(browser, env) {
  const page = await browser.newPage();
  try {
    await page.goto(`${env.origin}/index.html?v=A`);
    const ms = [];
    for (let i = 0; i < 3; i++) {
      const at = Date.now();
      await page.reload();
      await page.eval("window.benchReady");
      ms.push(Date.now() - at);
    }
    return ms.sort((a, b) => a - b)[1];
  } finally {
    await page.close();
  }
}

/// `--only resume`: the reload floor and `resumeTrials` resume trials, alternated, each printed,
/// then the medians of every field.
async function resumeOnly(browser, env) {
  const floors = [];
  const trials = [];
  for (let i = 1; i <= cfg.resumeTrials; i++) {
    floors.push(await reloadFloor(browser, env));
    const r = await resumeBench(browser, env, cfg.mib, i);
    log(`resume ${i}: floor ${floors.at(-1)} ms ${JSON.stringify(r)}`);
    trials.push(r);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const medians = { reloadFloorMs: median(floors) };
  for (const k of Object.keys(trials[0])) {
    if (typeof trials[0][k] === "number") medians[k] = median(trials.map((t) => t[k]));
  }
  process.stdout.write(JSON.stringify({ trials: cfg.resumeTrials, load: loadavg(), medians }, null, 2) + "\n");
}

// ---- package size ----------------------------------------------------------------------------
function sizes() {
  const gz = (buf) => zlib.gzipSync(buf, { level: 9 }).length;
  const wasm = fs.readFileSync(need(path.join(pkg, "oss_resumable_bg.wasm"), "make package builds it"));
  const js = fs.readFileSync(path.join(pkg, "oss_resumable.js"));
  // The glue imports its JS snippets (src/store.js) from pkg/snippets/; the package ships them.
  const snippets = fs.existsSync(path.join(pkg, "snippets"))
    ? fs
        .readdirSync(path.join(pkg, "snippets"), { recursive: true })
        .map((f) => path.join(pkg, "snippets", f))
        .filter((f) => fs.statSync(f).isFile())
        .map((f) => fs.readFileSync(f))
    : [];
  const snippetsRaw = snippets.reduce((n, b) => n + b.length, 0);
  const snippetsGzip = snippets.reduce((n, b) => n + gz(b), 0);
  const ali = fs.readFileSync(path.join(root, "node_modules", "ali-oss", "dist", "aliyun-oss-sdk.min.js"));
  return {
    ossResumable: {
      wasmRaw: wasm.length,
      wasmGzip: gz(wasm),
      jsRaw: js.length,
      jsGzip: gz(js),
      snippetsRaw,
      snippetsGzip,
      totalRaw: wasm.length + js.length + snippetsRaw,
      totalGzip: gz(wasm) + gz(js) + snippetsGzip,
    },
    aliOss: { distMinRaw: ali.length, distMinGzip: gz(ali) },
  };
}

// ---- main ------------------------------------------------------------------------------------
function machine() {
  const cpu = os.cpus();
  return {
    cpu: cpu[0] ? cpu[0].model : "?",
    cores: cpu.length,
    memGiB: round(os.totalmem() / 1024 ** 3, 1),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
  };
}

function aggregate(runs, mib) {
  const out = {};
  for (const v of cfg.variants) {
    const rs = runs.filter((r) => r.variant === v && r.mib === mib);
    if (rs.length === 0) continue;
    const f = (k) => summary(rs.map((r) => r[k]));
    out[v] = {
      label: VARIANTS[v].label,
      mbps: f("mbps"),
      mainThreadCpuSPerGiB: f("mainThreadCpuSPerGiB"),
      rendererCpuSPerGiB: f("rendererCpuSPerGiB"),
      serverCpuSPerGiB: f("serverCpuSPerGiB"),
      longTaskMaxMs: f("longTaskMaxMs"),
      timerLatenessMaxMs: f("timerLatenessMaxMs"),
      heapPeakRiseMiB: f("heapPeakRiseMiB"),
      wasmRiseMiB: f("wasmRiseMiB"),
      memRiseMiB: f("memRiseMiB"),
    };
  }
  // Paired ratios: each round's variant against the same round's other variant.
  const pair = (a, b) => {
    const xs = [];
    for (let r = 1; r <= cfg.rounds; r++) {
      const x = runs.find((e) => e.variant === a && e.mib === mib && e.round === r);
      const y = runs.find((e) => e.variant === b && e.mib === mib && e.round === r);
      if (x && y) xs.push(x.mbps / y.mbps);
    }
    return xs.length ? summary(xs.map((x) => round(x))) : null;
  };
  const ratios = {
    "O/A": pair("O", "A"),
    "B/A": pair("B", "A"),
    "C/A": pair("C", "A"),
    "O/B": pair("O", "B"),
    "O-def/C": pair("O-def", "C"),
    "O-def/A": pair("O-def", "A"),
  };
  return { variants: out, ratios };
}

async function main() {
  fs.mkdirSync(cfg.out, { recursive: true });
  const startedAt = new Date();
  const loadBefore = loadavg();
  log(`config ${JSON.stringify(cfg)}; load ${loadBefore}`);
  // A sink: the server hashes every body as OSS does, but stores nothing.
  const server = await startDevserver({ args: ["--sink"] });
  // Interrupted (Ctrl-C, kill): do not leave the dev server running.
  for (const sig of ["SIGINT", "SIGTERM"]) {
    process.on(sig, () => {
      server.child.kill();
      process.exit(130);
    });
  }
  const { srv, origin } = await startStatic();
  const env = { server, origin };
  const browser = await Browser.launch();
  const runs = [];
  const loadSamples = [];
  const sampler = setInterval(() => loadSamples.push(os.loadavg()[0]), 5000);
  let crc, reloadFloorMs, resume = [];
  const engines = {};
  try {
    if (cfg.only === "resume") return await resumeOnly(browser, env);
    for (const mib of [cfg.mib, cfg.flatMib].filter(Boolean)) {
      ensureFile(mib);
      for (let r = 1; r <= cfg.rounds; r++) {
        for (const v of cfg.variants) {
          const run = await runOne(browser, env, v, mib, r);
          log(`${mib} MiB round ${r} ${v}: ${run.mbps} MB/s, main ${run.mainThreadCpuSPerGiB} s/GiB, ` +
            `renderer ${run.rendererCpuSPerGiB} s/GiB, longtask ${run.longTaskMaxMs} ms (at ${run.longTaskAtMs} ms), lateness ${run.timerLatenessMaxMs} ms, ` +
            `heap +${run.heapPeakRiseMiB} MiB, wasm +${run.wasmRiseMiB} MiB, load ${run.load1}`);
          runs.push(run);
        }
      }
    }
    for (const engine of cfg.engines) {
      engines[engine] = await engineBench(env, engine);
      const e = engines[engine];
      log(`${engine} (${e.product}): O/A ${JSON.stringify(e["O/A"])}`);
    }
    crc = await crcBench(browser, env);
    log(`CRC-64 wasm: ${JSON.stringify(crc.gbps)} GB/s`);
    reloadFloorMs = await reloadFloor(browser, env);
    log(`reload of a page without the package: ${reloadFloorMs} ms`);
    for (let i = 1; i <= cfg.resumeTrials; i++) {
      const r = await resumeBench(browser, env, cfg.mib, i);
      log(`resume ${i}: ${JSON.stringify(r)}`);
      resume.push(r);
    }
  } finally {
    clearInterval(sampler);
    await browser.close();
    await server.stop();
    srv.close();
  }
  const result = {
    startedAt: startedAt.toISOString(),
    durationS: round((Date.now() - startedAt) / 1000, 1),
    command: smoke ? "make bench-smoke" : "make bench",
    config: cfg,
    machine: { ...machine(), chromiumProduct: browser.version },
    load: { before: loadBefore, during: summary(loadSamples.map((x) => round(x, 2))), after: loadavg() },
    headline: aggregate(runs, cfg.mib),
    flat: cfg.flatMib ? aggregate(runs, cfg.flatMib) : null,
    crc64: crc,
    engines,
    resume: {
      trials: resume,
      reloadToFirstPartMs: summary(resume.map((r) => r.reloadToFirstPartMs)),
      budgetMs: summary(resume.map((r) => r.budgetMs)),
      reloadFloorMs,
    },
    size: sizes(),
    runs,
  };
  fs.writeFileSync(path.join(cfg.out, "latest.json"), JSON.stringify(result, null, 2) + "\n");
  fs.writeFileSync(path.join(cfg.out, "latest.md"), renderMarkdown(result));
  fs.writeFileSync(path.join(cfg.out, "chart.svg"), renderSvg(result));
  log(`wrote ${path.relative(root, cfg.out)}/latest.{json,md} and chart.svg in ${result.durationS} s`);
  process.stdout.write(renderMarkdown(result));
  if (smoke) smokeCheck(result);
}

/// The smoke run asserts only that every variant completed and produced figures, never speed.
function smokeCheck(result) {
  const problems = [];
  for (const v of cfg.variants) {
    const a = result.headline.variants[v];
    if (!a) {
      problems.push(`${v}: no result`);
      continue;
    }
    for (const k of ["mbps", "mainThreadCpuSPerGiB", "rendererCpuSPerGiB", "heapPeakRiseMiB", "timerLatenessMaxMs"]) {
      if (!Number.isFinite(a[k].median)) problems.push(`${v}: ${k} missing`);
    }
  }
  if (!(result.crc64 && result.crc64.gbps.median > 0)) problems.push("CRC-64: no figure");
  for (const engine of cfg.engines) {
    const e = result.engines[engine];
    if (!(e && e["O/A"].median > 0)) problems.push(`${engine}: no throughput figure`);
  }
  if (!result.resume.trials.length) problems.push("resume: no figure");
  if (!(result.size.ossResumable.totalGzip > 0)) problems.push("size: no figure");
  if (problems.length) {
    console.error(`bench-smoke FAILED:\n  ${problems.join("\n  ")}`);
    process.exit(1);
  }
  console.error("bench-smoke: every variant completed and produced figures");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
