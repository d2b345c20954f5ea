// Profiles one upload variant with Chromium's sampling profiler (DevTools Profiler domain) and
// prints the functions with the most self time. Not part of `make bench`: a tool for finding
// where main-thread time goes.
//
//   node bench/profile.mjs [--variant O] [--mib 256] [--out bench/tmp/O.cpuprofile] [--named]
//
// --named profiles a package built the same way but with the wasm's function names kept
// (bench/tmp/pkg-named: release build with CARGO_PROFILE_RELEASE_STRIP=false, wasm-opt as
// scripts/package.sh runs it, plus -g),
// so the profile says `oss_resumable::api::Inner::upload::{{closure}}` instead of
// `wasm-function[181]`. It is larger than the shipped package; time its work, not its load.
//
// The .cpuprofile it writes opens in Chromium DevTools (Performance panel → Load profile).
// After the self-time table it prints the longest stretches of consecutive busy samples, with the
// call paths they were in: where a long task of `make bench`'s report probably came from.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import { Browser } from "./lib/cdp.mjs";
import { startStatic } from "./lib/servers.mjs";
import { startDevserver } from "../scripts/servers.mjs";
import { writeEntry } from "../scripts/entry.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const tmp = path.join(root, "bench", "tmp");
const argv = process.argv.slice(2);
const opt = (n, d) => (argv.indexOf(`--${n}`) >= 0 ? argv[argv.indexOf(`--${n}`) + 1] : d);
const variant = opt("variant", "O");
const mib = Number(opt("mib", 256));
const out = opt("out", path.join(tmp, `${variant}.cpuprofile`));
const file = path.join(tmp, `data-${mib}m.bin`);
const pkg = argv.includes("--named") ? buildNamed() : path.join(root, "pkg");
if (!fs.existsSync(file)) throw new Error(`${file} missing: run bench/run.mjs once (it writes the data files)`);

const server = await startDevserver({ args: ["--sink"] });
const { srv: web, origin } = await startStatic({ pkgDir: pkg });

const browser = await Browser.launch();
try {
  const page = await browser.newPage();
  const q = new URLSearchParams({
    v: variant,
    server: server.url,
    vhost: server.url.replace("127.0.0.1", "localhost"),
    bucket: server.bucket,
    region: server.region,
  });
  await page.goto(`${origin}/index.html?${q}`);
  await page.setFile(file);
  await page.send("Profiler.enable");
  await page.send("Profiler.setSamplingInterval", { interval: 200 });
  await page.send("Profiler.start");
  const spec = variant === "C" || variant === "O-def" ? {} : { partSize: 8 << 20, parallel: 3 };
  const r = await page.eval(`window.bench.run(${JSON.stringify({ key: `profile/${Date.now()}`, ...spec })})`);
  const { profile } = await page.send("Profiler.stop");
  fs.writeFileSync(out, JSON.stringify(profile));
  const self = new Map();
  const dt = profile.timeDeltas;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  profile.samples.forEach((id, i) => {
    const n = byId.get(id);
    const name = `${n.callFrame.functionName || "(anonymous)"} ${path.basename(n.callFrame.url || "")}:${n.callFrame.lineNumber}`;
    self.set(name, (self.get(name) || 0) + (dt[i] || 0) / 1000);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  console.log(`${variant} ${mib} MiB: ${((mib * 1048576) / 1e6 / (r.ms / 1000)).toFixed(0)} MB/s; profile ${out}`);
  for (const [name, ms] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
    console.log(`${ms.toFixed(1).padStart(9)} ms ${((100 * ms) / total).toFixed(1).padStart(5)} %  ${name}`);
  }
  printBusyStretches(profile, byId);
} finally {
  await browser.close();
  await server.stop();
  web.close();
}

/// The 3 longest runs of samples that are neither idle nor "(program)" (the renderer's own work
/// between tasks) nor the collector, with the 5 call paths most often in them: the task's entry
/// (2nd frame) and the 4 innermost frames.
/// Sampled under the profiler, whose own cost lengthens them.
function printBusyStretches(profile, byId) {
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const frame = (id) => {
    const f = byId.get(id).callFrame;
    return `${f.functionName || "(anonymous)"} ${path.basename(f.url || "")}:${f.lineNumber}`;
  };
  const idle = new Set(["(idle)", "(program)", "(garbage collector)"]);
  let at = profile.startTime;
  const times = profile.timeDeltas.map((d) => (at += d));
  const runs = [];
  let run = null;
  profile.samples.forEach((id, i) => {
    if (idle.has(byId.get(id).callFrame.functionName)) {
      run = null;
      return;
    }
    if (!run) runs.push((run = { from: i, to: i }));
    run.to = i;
  });
  const ms = (r) => (times[r.to] - times[r.from]) / 1000;
  console.log("longest busy stretches (ms from the profile's start; their most frequent call paths):");
  for (const r of runs.sort((a, b) => ms(b) - ms(a)).slice(0, 3)) {
    console.log(`  ${ms(r).toFixed(1)} ms at ${((times[r.from] - profile.startTime) / 1000).toFixed(0)} ms`);
    const paths = new Map();
    for (let i = r.from; i <= r.to; i++) {
      const chain = [];
      for (let id = profile.samples[i]; id; id = parent.get(id)) chain.push(frame(id));
      chain.reverse();
      const inner = chain.slice(Math.max(2, chain.length - 4));
      const key = [chain[1], ...(chain.length > 6 ? ["…"] : []), ...inner].filter(Boolean).join(" > ");
      paths.set(key, (paths.get(key) || 0) + 1);
    }
    for (const [key, n] of [...paths].sort((a, b) => b[1] - a[1]).slice(0, 5)) {
      console.log(`    ${String(n).padStart(4)} samples  ${key}`);
    }
  }
}

/// The package with function names, in bench/tmp/pkg-named (see --named above). Its JS is not
/// minified; the snippets are wasm-pack's own copies.
function buildNamed() {
  const dir = path.join(tmp, "pkg-named");
  const run = (cmd, args, env = {}) =>
    execFileSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
  fs.rmSync(dir, { recursive: true, force: true });
  run("wasm-pack", ["--quiet", "build", "--mode", "no-install", "--release", "--target", "web",
    "--out-dir", dir, "--out-name", "oss_resumable"], {
    CARGO_TARGET_DIR: path.join(root, "target", "named"),
    CARGO_PROFILE_RELEASE_STRIP: "false",
  });
  const wasm = path.join(dir, "oss_resumable_bg.wasm");
  // The options scripts/package.sh uses, plus -g.
  const options = fs.readFileSync(path.join(root, "scripts", "wasm-opt.options"), "utf8").trim().split(/\s+/);
  run("wasm-opt", ["-g", ...options, wasm, "-o", wasm]);
  writeEntry(dir); // the bench page loads the package through its entry, as an app does
  return dir;
}
