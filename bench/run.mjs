// `make bench` (and `make bench-smoke`): what users feel, in one run, against the raw-XHR
// ceiling, the verifying ceiling and ali-oss, over loopback and over emulated network links. The
// method is in the README's "Performance" section; results go to bench/results/.
//
//   node bench/run.mjs [--mib 1024] [--flat-mib 256] [--rounds 3] [--variants A,AV,O,B,C,O-def]
//                      [--profiles home,lfn] [--net-mib 48,256] [--net-rounds 3]
//                      [--net-variants A,AV,O,O-def,B,C] [--devtools-check home] [--fill-mib 1024]
//                      [--engines firefox,webkit] [--engine-mib 256] [--smoke] [--out bench/results]
//   node bench/run.mjs --only resume [--resume-trials 5] [--mib 64] [--resume-link lfn] [--resume-pick-ms 0]
//                      (the resume figure alone; over loopback, or over a profile's emulated link)
//
// An empty list disables its part (`--profiles ""`: no network profiles; `--mib 0`: no loopback
// rounds). Needs (make bench-build makes them): target/server/oss-devserver, pkg/ (the package as
// it ships, from make package), node_modules/ali-oss.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { Browser } from "./lib/cdp.mjs";
import { webdriverEngines } from "../scripts/webdriver.mjs";
import { renderMarkdown, renderSvg } from "./lib/report.mjs";
import { startDevserver } from "../scripts/servers.mjs";
import { loadavg, log, median, need, pkg, root, round, summary, tmp, ensureFile } from "./lib/common.mjs";
import { startStatic } from "./lib/servers.mjs";
import { aggregate, describe, runOne } from "./lib/variants.mjs";
import { PROFILES, profileBench } from "./lib/profiles.mjs";
import { startLink } from "./lib/link.mjs";
import { engineBench } from "./lib/engines.mjs";
import { reloadFloor, resumeBench } from "./lib/resume.mjs";

// ---- options ---------------------------------------------------------------------------------
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const list = (s) => (s || "").split(",").filter(Boolean);
const smoke = argv.includes("--smoke");
const profiles = list(opt("profiles", Object.keys(PROFILES).join(",")));
// --net-mib: one size for every profile, or one per profile in --profiles order.
const netMib = list(opt("net-mib", "")).map(Number);
const netVariants = list(opt("net-variants", "A,AV,O,O-def,B,C"));
const devtoolsCheck = list(opt("devtools-check", "home"));
// --fill-mib: the file of a profile's `fill` rotation (bench/lib/profiles.mjs); 0: none.
const fillMib = opt("fill-mib", null);
/// One profile's rotations: its own, and its `fill` rotation on a larger file when it has one.
function profileRuns(name, i) {
  const p = PROFILES[name];
  const mib = netMib.length ? (netMib[i] ?? netMib[0]) : p && (smoke ? p.smokeMib : p.mib);
  const own = { name, mib, variants: netVariants, devtools: devtoolsCheck.includes(name), fill: false };
  const fill = p?.fill && {
    mib: fillMib === null ? (smoke ? p.fill.smokeMib : p.fill.mib) : Number(fillMib),
    variants: p.fill.variants.filter((v) => netVariants.includes(v)),
  };
  // Runs are told apart by profile and file size: a fill on the same size would mix with them.
  if (!fill || !fill.mib || fill.mib === mib || !fill.variants.length) return [own];
  return [own, { name, mib: fill.mib, variants: fill.variants, devtools: false, fill: true }];
}
const cfg = {
  mib: Number(opt("mib", smoke ? 64 : 1024)),
  flatMib: smoke ? 0 : Number(opt("flat-mib", Number(opt("mib", 1024)) ? 256 : 0)),
  rounds: Number(opt("rounds", smoke ? 1 : 3)),
  partSize: 8 * 1024 * 1024,
  parallel: 3,
  out: path.resolve(opt("out", smoke ? path.join(tmp, "smoke") : path.join(root, "bench", "results"))),
  // In the rotation, in this order, every round.
  variants: list(opt("variants", "A,AV,O,B,C,O-def")),
  // The network profiles (bench/lib/profiles.mjs), each with its own rotations and file sizes.
  profiles: profiles.flatMap(profileRuns),
  netRounds: Number(opt("net-rounds", smoke ? 1 : 3)),
  netVariants,
  // Profiles on which A also runs over Chromium's DevTools emulation (A-dt), once per round.
  devtoolsCheck,
  // Firefox and WebKit (over WebDriver): A and O paired per round on a smaller file.
  engines: list(opt("engines", webdriverEngines().join(","))),
  engineMib: Number(opt("engine-mib", smoke ? 64 : 256)),
  // `--only resume`: the reload floor and the resume trials alone (printed, no report written).
  only: opt("only", null),
  resumeTrials: Number(opt("resume-trials", smoke ? 1 : 5)),
  // `--only resume --resume-link lfn`: the trials' page talks to the dev server over that
  // profile's emulated link (its faults and request log are still read straight).
  resumeLink: opt("resume-link", null),
  // `--resume-pick-ms 1000`: the trials pick the file again that long after the page is ready.
  resumePickMs: Number(opt("resume-pick-ms", 0)),
};

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

// ---- the machine ------------------------------------------------------------------------------
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

// ---- main ------------------------------------------------------------------------------------
/// `--only resume`: the reload floor and `resumeTrials` resume trials, alternated, each printed,
/// then the medians of every field.
async function resumeOnly(browser, direct) {
  let env = direct;
  let link = null;
  if (cfg.resumeLink) {
    const p = PROFILES[cfg.resumeLink];
    if (!p) throw new Error(`unknown network profile "${cfg.resumeLink}" (${Object.keys(PROFILES).join(", ")})`);
    link = await startLink({ target: direct.server.url, upMbit: p.upMbit, downMbit: p.downMbit, rttMs: p.rttMs });
    env = { ...direct, server: { ...direct.server, url: link.url, devUrl: direct.server.url } };
  }
  try {
    await resumeTrials(browser, env);
  } finally {
    await link?.stop();
  }
}

async function resumeTrials(browser, env) {
  const floors = [];
  const trials = [];
  const mib = cfg.mib || 64;
  for (let i = 1; i <= cfg.resumeTrials; i++) {
    floors.push(await reloadFloor(browser, env, mib));
    const r = await resumeBench(browser, env, cfg, mib, i, floors.at(-1));
    log(`resume ${i}: floor ${JSON.stringify(floors.at(-1))} ${JSON.stringify(r)}`);
    trials.push(r);
  }
  const medians = {};
  for (const k of Object.keys(trials[0])) {
    if (typeof trials[0][k] === "number") medians[k] = median(trials.map((t) => t[k]));
  }
  const link = cfg.resumeLink;
  process.stdout.write(JSON.stringify({ trials: cfg.resumeTrials, link, load: loadavg(), medians }, null, 2) + "\n");
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
  let crc;
  const resume = [];
  const engines = {};
  try {
    if (cfg.only === "resume") return await resumeOnly(browser, env);
    for (const mib of [cfg.mib, cfg.flatMib].filter(Boolean)) {
      ensureFile(mib);
      for (let r = 1; r <= cfg.rounds; r++) {
        for (const v of cfg.variants) {
          const run = await runOne(browser, env, cfg, v, mib, r);
          log(describe(run));
          runs.push(run);
        }
      }
    }
    for (const p of cfg.profiles) {
      runs.push(...(await profileBench(browser, env, cfg, p)));
    }
    for (const engine of cfg.engines) {
      engines[engine] = await engineBench(env, cfg, engine);
      const e = engines[engine];
      log(`${engine} (${e.product}): O/A ${JSON.stringify(e["O/A"])}`);
    }
    crc = await crcBench(browser, env);
    log(`CRC-64 wasm: ${JSON.stringify(crc.gbps)} GB/s`);
    const resumeMib = cfg.mib || 64;
    // Each trial is paired with a floor measured just before it: the machine's state drifts
    // more between minutes than between a floor and its trial.
    for (let i = 1; i <= cfg.resumeTrials; i++) {
      const floor = await reloadFloor(browser, env, resumeMib);
      const r = await resumeBench(browser, env, cfg, resumeMib, i, floor);
      log(`resume ${i}: floor ${JSON.stringify(floor)} ${JSON.stringify(r)}`);
      resume.push(r);
    }
  } finally {
    clearInterval(sampler);
    await browser.close();
    await server.stop();
    srv.close();
  }
  const agg = (profile, mib, variants, rounds) => aggregate(runs, { profile, mib, variants, rounds });
  const result = {
    startedAt: startedAt.toISOString(),
    durationS: round((Date.now() - startedAt) / 1000, 1),
    // What produced it: `make bench` only when run with no options (bench/report-readme.mjs
    // puts only those in the README).
    command: smoke ? "make bench-smoke" : argv.length ? `node bench/run.mjs ${argv.join(" ")}` : "make bench",
    config: cfg,
    machine: { ...machine(), chromiumProduct: browser.version },
    load: { before: loadBefore, during: summary(loadSamples.map((x) => round(x, 2))), after: loadavg() },
    headline: cfg.mib ? agg("loopback", cfg.mib, cfg.variants, cfg.rounds) : null,
    flat: cfg.flatMib ? agg("loopback", cfg.flatMib, cfg.variants, cfg.rounds) : null,
    profiles: cfg.profiles.map(({ name, mib, variants, fill }) => ({
      ...agg(name, mib, [...variants, "A-dt"], cfg.netRounds),
      ...PROFILES[name],
      mib,
      fill,
    })),
    crc64: crc,
    engines,
    resume: {
      trials: resume,
      reloadToFirstPartMs: summary(resume.map((r) => r.reloadToFirstPartMs)),
      budgetMs: summary(resume.map((r) => r.budgetMs)),
      budgetPickedMs: summary(resume.map((r) => r.budgetPickedMs)),
      listPartsPageMs: summary(resume.map((r) => r.listPartsPageMs).filter((ms) => ms !== null)),
      budgetRoundTripMs: summary(resume.map((r) => r.budgetRoundTripMs).filter((ms) => ms !== null)),
      budgetRoundTripPickedMs: summary(resume.map((r) => r.budgetRoundTripPickedMs).filter((ms) => ms !== null)),
      reloadFloorMs: summary(resume.map((r) => r.reloadFloorMs)),
      reloadPickFloorMs: summary(resume.map((r) => r.reloadPickFloorMs)),
      budgetBusyMs: summary(resume.map((r) => r.budgetBusyMs).filter((ms) => ms !== null)),
      reloadBusyFloorMs: summary(resume.map((r) => r.reloadBusyFloorMs).filter((ms) => ms !== null)),
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
  const check = (where, agg, variants, keys) => {
    for (const v of variants) {
      const a = agg && agg.variants[v];
      if (!a) {
        problems.push(`${where} ${v}: no result`);
        continue;
      }
      for (const k of keys) if (!Number.isFinite(a[k]?.median)) problems.push(`${where} ${v}: ${k} missing`);
    }
  };
  const perUpload = ["mbps", "mainThreadCpuSPerGiB", "rendererCpuSPerGiB", "machineCpuSPerGiB", "heapPeakRiseMiB", "timerLatenessMaxMs"];
  if (cfg.mib) check("loopback", result.headline, cfg.variants, perUpload);
  for (const [i, p] of result.profiles.entries()) {
    const { variants: own, devtools } = cfg.profiles[i];
    const variants = [...own, ...(devtools ? ["A-dt"] : [])];
    check(p.profile, p, variants, [...perUpload, "linkFraction"]);
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
