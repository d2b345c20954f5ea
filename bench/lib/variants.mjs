// The uploaders compared (each runs in bench/page/bench.js), one measured upload of a variant,
// and the figures per variant over rounds with ratios paired within a round.

import os from "node:os";
import { MiB, ensureFile, procCpuSeconds, round, summary } from "./common.mjs";

export const VARIANTS = {
  A: { label: "A: raw XHR, 8 MiB × 3 (raw ceiling)", explicit: true },
  // A again, on a network profile, but throttled by Chromium's DevTools emulation instead of the
  // link emulator (the check of one against the other).
  "A-dt": { label: "A-dt: A over Chromium's DevTools emulation, no link emulator", explicit: true },
  AV: { label: "AV: raw XHR + CRC-64 in a worker, 8 MiB × 3 (verifying ceiling)", explicit: true },
  O: { label: "O: oss-resumable, 8 MiB × 3", explicit: true },
  B: { label: "B: ali-oss 6.23, 8 MiB × 3", explicit: true },
  C: { label: "C: ali-oss defaults (1 MiB × 5)", explicit: false },
  "O-def": { label: "O-def: oss-resumable defaults (adaptive pace)", explicit: false },
};

/// Paired ratios reported for every set of runs (numerator / denominator, same round).
export const RATIOS = [
  ["O", "A"],
  ["O", "AV"],
  ["O-def", "AV"],
  ["AV", "A"],
  ["B", "A"],
  ["C", "A"],
  ["O", "B"],
  ["O-def", "C"],
  ["O-def", "A"],
  ["A-dt", "A"],
];

/// One upload of `variant` in a fresh tab: time, CPU per process type (and of the dev server),
/// main-thread tasks and memory as the page measured them. `env.server.url` is where the page
/// sends its requests (the dev server, or a link emulator in front of it); `where.beforeGoto`,
/// when given, runs on the new tab before it loads (DevTools network emulation).
export async function runOne(browser, env, cfg, variant, mib, roundNo, where = {}) {
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
    if (where.beforeGoto) await where.beforeGoto(page);
    await page.goto(`${env.origin}/index.html?${q}`);
    await page.setFile(file);
    const key = `bench/${where.profile || "loopback"}/${variant}/${mib}m-r${roundNo}-${Date.now()}`;
    const spec = VARIANTS[variant].explicit ? { key, partSize: cfg.partSize, parallel: cfg.parallel } : { key };
    const load0 = os.loadavg()[0];
    const t0 = await page.taskSeconds();
    const c0 = await browser.cpuByType();
    const s0 = procCpuSeconds(env.server.pid);
    const h0 = process.cpuUsage();
    const r = await page.eval(`window.bench.run(${JSON.stringify(spec)})`);
    const h = process.cpuUsage(h0);
    const s1 = procCpuSeconds(env.server.pid);
    const c1 = await browser.cpuByType();
    const t1 = await page.taskSeconds();
    const gib = (mib * MiB) / 1024 ** 3;
    const cpu = {};
    for (const k of Object.keys(c1)) cpu[k] = round((c1[k] - (c0[k] || 0)) / gib);
    const serverCpu = (s1 - s0) / gib;
    const mbps = (mib * MiB) / 1e6 / (r.ms / 1000);
    return {
      variant,
      profile: where.profile || "loopback",
      mib,
      round: roundNo,
      ms: round(r.ms, 1),
      mbps: round(mbps, 2),
      // Payload bytes over what the link could carry in that time (network profiles only).
      linkFraction: where.upMbit ? round((mbps * 8) / where.upMbit) : null,
      mainThreadCpuSPerGiB: round((t1.task - t0.task) / gib),
      mainThreadScriptSPerGiB: round((t1.script - t0.script) / gib),
      rendererCpuSPerGiB: cpu.renderer,
      chromiumCpuSPerGiB: cpu,
      serverCpuSPerGiB: round(serverCpu),
      // The whole machine's work for this upload: every Chromium process (browser, network
      // service, renderer with its workers, …) and the dev server. The harness (and the link
      // emulator in it) is not counted.
      machineCpuSPerGiB: round(Object.values(cpu).reduce((a, b) => a + b, 0) + serverCpu),
      // The harness's own CPU (node: DevTools messages, and on a network profile the link
      // emulator moving every byte), for reference; not in machineCpuSPerGiB.
      harnessCpuSPerGiB: round((h.user + h.system) / 1e6 / gib),
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

/// One line of the harness's log per upload.
export function describe(run) {
  return (
    `${run.profile} ${run.mib} MiB round ${run.round} ${run.variant}: ${run.mbps} MB/s` +
    (run.linkFraction === null ? "" : ` (${run.linkFraction} of the link)`) +
    `, main ${run.mainThreadCpuSPerGiB} s/GiB, renderer ${run.rendererCpuSPerGiB} s/GiB, ` +
    `machine ${run.machineCpuSPerGiB} s/GiB, longtask ${run.longTaskMaxMs} ms (at ${run.longTaskAtMs} ms), ` +
    `lateness ${run.timerLatenessMaxMs} ms, heap +${run.heapPeakRiseMiB} MiB, wasm +${run.wasmRiseMiB} MiB, load ${run.load1}`
  );
}

/// Median (min–max) of every figure per variant over the runs of one profile and file size, and
/// the paired ratios (each round's variant against the same round's other variant).
export function aggregate(allRuns, { profile = "loopback", mib, variants, rounds }) {
  const runs = allRuns.filter((r) => r.profile === profile && r.mib === mib);
  const out = {};
  for (const v of variants) {
    const rs = runs.filter((r) => r.variant === v);
    if (rs.length === 0) continue;
    const f = (k) => (rs.every((r) => Number.isFinite(r[k])) ? summary(rs.map((r) => r[k])) : null);
    out[v] = {
      label: VARIANTS[v].label,
      mbps: f("mbps"),
      linkFraction: f("linkFraction"),
      mainThreadCpuSPerGiB: f("mainThreadCpuSPerGiB"),
      rendererCpuSPerGiB: f("rendererCpuSPerGiB"),
      serverCpuSPerGiB: f("serverCpuSPerGiB"),
      machineCpuSPerGiB: f("machineCpuSPerGiB"),
      longTaskMaxMs: f("longTaskMaxMs"),
      timerLatenessMaxMs: f("timerLatenessMaxMs"),
      heapPeakRiseMiB: f("heapPeakRiseMiB"),
      wasmRiseMiB: f("wasmRiseMiB"),
      memRiseMiB: f("memRiseMiB"),
    };
  }
  const pair = (a, b) => {
    const xs = [];
    for (let r = 1; r <= rounds; r++) {
      const x = runs.find((e) => e.variant === a && e.round === r);
      const y = runs.find((e) => e.variant === b && e.round === r);
      if (x && y) xs.push(x.mbps / y.mbps);
    }
    return xs.length ? summary(xs.map((x) => round(x))) : null;
  };
  const ratios = {};
  for (const [a, b] of RATIOS) ratios[`${a}/${b}`] = pair(a, b);
  return { profile, mib, variants: out, ratios };
}
