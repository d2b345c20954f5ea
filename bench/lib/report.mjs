// Turns bench/results/latest.json into the Markdown tables (latest.md) and the SVG chart: the
// targets, a loopback table with both ceilings (raw: A; verifying: AV), one table per network
// profile with the fraction of the link each variant reached, the per-engine rows and resume.

const fmt = (x, d = 2) => (x === null || x === undefined || Number.isNaN(x) ? "—" : Number(x).toFixed(d));
const range = (s, d = 2) => (s ? `${fmt(s.median, d)} (${fmt(s.min, d)}–${fmt(s.max, d)})` : "—");
const ok = (b) => (b === null || b === undefined ? "—" : b ? "met" : "**missed**");
const med = (s) => (s ? s.median : null);

/// Every target figure from one result, with whether it is met: [figure, target, ours, ali-oss
/// (B or C, as the row says), met].
export function targets(r) {
  const rows = [];
  const h = r.headline;
  const runsOf = (vs, profile = "loopback") => r.runs.filter((x) => vs.includes(x.variant) && (x.profile ?? "loopback") === profile);
  const worst = (runs, k, mib) => {
    const xs = runs.filter((x) => mib === undefined || x.mib === mib).map((x) => x[k]).filter(Number.isFinite);
    return xs.length ? Math.max(...xs) : null;
  };
  const oRuns = runsOf(["O", "O-def"]);
  const bRuns = runsOf(["B"]);
  if (h) {
    const O = h.variants.O;
    const B = h.variants.B;
    const rt = h.ratios;
    const ratioRow = (name, key, target, min, other) =>
      rows.push([`loopback: throughput ${name} (paired per round)`, target, range(rt[key]), other ? range(rt[other]) : "—", rt[key] ? rt[key].median >= min : null]);
    ratioRow("O / A (raw ceiling)", "O/A", "≥ 0.95", 0.95, "B/A");
    ratioRow("O / AV (verifying ceiling)", "O/AV", "≥ 1.0", 1.0, null);
    ratioRow("O-def / AV", "O-def/AV", "≥ 1.0", 1.0, null);
    ratioRow("O-def / C", "O-def/C", "≥ 3", 3, null);
    rows.push([
      "loopback: renderer main-thread CPU per GiB, CRC-64 included (s)",
      "≤ 1.0",
      range(O?.mainThreadCpuSPerGiB),
      range(B?.mainThreadCpuSPerGiB),
      O ? O.mainThreadCpuSPerGiB.median <= 1.0 : null,
    ]);
    const AV = h.variants.AV;
    const over = O?.machineCpuSPerGiB && AV?.machineCpuSPerGiB ? O.machineCpuSPerGiB.median - AV.machineCpuSPerGiB.median : null;
    rows.push([
      "loopback: whole-machine CPU per GiB (s), O's beyond AV's (medians)",
      "≤ 0",
      O?.machineCpuSPerGiB ? `${fmt(med(O.machineCpuSPerGiB))} − ${fmt(med(AV?.machineCpuSPerGiB))} = ${fmt(over)}` : "—",
      range(B?.machineCpuSPerGiB),
      over === null ? null : over <= 0,
    ]);
    const lt = worst(oRuns, "longTaskMaxMs");
    const late = worst(oRuns, "timerLatenessMaxMs");
    rows.push([
      "loopback: longest main-thread task (ms): Long Tasks API max / 10 ms timer lateness max, all O runs",
      "≤ 50",
      `${fmt(lt, 0)} / ${fmt(late, 1)}`,
      `${fmt(worst(bRuns, "longTaskMaxMs"), 0)} / ${fmt(worst(bRuns, "timerLatenessMaxMs"), 1)}`,
      lt === null ? null : lt <= 50 && late <= 50,
    ]);
    for (const mib of [r.config.mib, r.config.flatMib].filter(Boolean)) {
      const m = worst(oRuns, "memRiseMiB", mib);
      rows.push([
        `loopback: JS heap peak + wasm memory rise at ${mib} MiB, worst O run (MiB)`,
        "≤ 16",
        fmt(m, 1),
        fmt(worst(bRuns, "memRiseMiB", mib), 1),
        m === null ? null : m <= 16,
      ]);
    }
  }
  for (const p of r.profiles || []) {
    const where = `${p.profile}, ${p.mib} MiB`;
    const f = p.variants["O-def"]?.linkFraction;
    if (p.fill) {
      // The fill rotation (bench/lib/profiles.mjs): O-def beside the raw ceiling A, no ali-oss.
      rows.push([
        `${where} (the link's steady state): O-def's fraction of the link's capacity; A's beside it`,
        "≥ 0.9",
        range(f),
        `A: ${range(p.variants.A?.linkFraction)}`,
        f ? f.median >= 0.9 : null,
      ]);
      continue;
    }
    const dc = p.ratios["O-def/C"];
    rows.push([`${where}: throughput O-def / C (paired per round)`, "≥ 1.3", range(dc), "—", dc ? dc.median >= 1.3 : null]);
    rows.push([
      `${where}: O-def's fraction of the link's capacity`,
      "≥ 0.9",
      range(f),
      range(p.variants.C?.linkFraction),
      f ? f.median >= 0.9 : null,
    ]);
  }
  const crc = r.crc64 && r.crc64.gbps;
  rows.push(["CRC-64 in wasm, Chromium (GB/s)", "≥ 1.5", range(crc), "none", crc ? crc.median >= 1.5 : null]);
  const res = r.resume;
  // No rows without trials (`--resume-trials 0`).
  if (res.trials.length) {
    const resOk = res.trials.every((t) => t.reloadToFirstPartMs <= t.budgetMs);
    rows.push([
      "resume: reload → first UploadPart at the server (ms) vs bare reload + ListParts round trip + 50 ms",
      "≤ budget",
      `${range(res.reloadToFirstPartMs, 0)} vs ${range(res.budgetMs, 0)}`,
      "—",
      resOk,
    ]);
    if (res.budgetPickedMs) {
      rows.push([
        "resume, the same with the floor's reload also picking the file again (both include the pick)",
        "≤ budget",
        `${range(res.reloadToFirstPartMs, 0)} vs ${range(res.budgetPickedMs, 0)}`,
        "—",
        res.trials.every((t) => t.reloadToFirstPartMs <= t.budgetPickedMs),
      ]);
    }
    if (res.budgetRoundTripMs && res.budgetRoundTripMs.n) {
      // The issue's budget with ListParts' round trip as the page saw it: the rows above take its
      // time at the server, which leaves out what the browser's network stack adds both ways.
      const fit = (key) => res.trials.every((t) => t[key] !== null && t.reloadToFirstPartMs <= t[key]);
      rows.push([
        "resume, the budget's round trip as the page saw ListParts (Resource Timing, its CORS preflight included)",
        "≤ budget",
        `${range(res.reloadToFirstPartMs, 0)} vs ${range(res.budgetRoundTripMs, 0)}`,
        "—",
        fit("budgetRoundTripMs"),
      ]);
      rows.push([
        "resume, the same with the floor's reload also picking the file again",
        "≤ budget",
        `${range(res.reloadToFirstPartMs, 0)} vs ${range(res.budgetRoundTripPickedMs, 0)}`,
        "—",
        fit("budgetRoundTripPickedMs"),
      ]);
    }
    if (res.budgetBusyMs && res.budgetBusyMs.n) {
      // Context, not the issue's target: the trial reloads a page with uploads in flight, and the
      // browser's teardown of such a page costs every uploader the same (measured with raw XHR).
      const fit = res.trials.filter((t) => t.budgetBusyMs !== null && t.reloadToFirstPartMs <= t.budgetBusyMs).length;
      rows.push([
        `resume (context), the floor's reload made under a raw XHR upload in flight, as the trial's is, with the pick: trials within`,
        "—",
        `${range(res.reloadToFirstPartMs, 0)} vs ${range(res.budgetBusyMs, 0)}; ${fit} of ${res.trials.length}`,
        "—",
        null,
      ]);
    }
  }
  const s = r.size;
  rows.push([
    "package wasm + JS glue + snippets, gzip -9 (bytes)",
    "≤ 80,000",
    `${s.ossResumable.totalGzip.toLocaleString("en")} (raw ${s.ossResumable.totalRaw.toLocaleString("en")})`,
    `${s.aliOss.distMinGzip.toLocaleString("en")} (raw ${s.aliOss.distMinRaw.toLocaleString("en")})`,
    s.ossResumable.totalGzip <= 80000,
  ]);
  return rows;
}

function ratioLine(agg) {
  const ratios = Object.entries(agg.ratios)
    .filter(([, s]) => s)
    .map(([k, s]) => `${k} ${range(s)}`)
    .join("; ");
  return `Paired throughput ratios: ${ratios}.`;
}

function loopbackTable(out, title, agg, mib) {
  out.push(`Loopback, ${mib} MiB (${title}); median (min–max) over rounds. Machine CPU = every Chromium process + the dev server:`);
  out.push("");
  out.push(
    "| Variant | MB/s | main-thread CPU s/GiB | renderer CPU s/GiB | server CPU s/GiB | machine CPU s/GiB | longest task ms (API / timer) | JS heap peak rise MiB | wasm memory rise MiB |",
  );
  out.push("|---|---|---|---|---|---|---|---|---|");
  for (const v of Object.values(agg.variants)) {
    out.push(
      `| ${v.label} | ${range(v.mbps, 0)} | ${range(v.mainThreadCpuSPerGiB)} | ${range(v.rendererCpuSPerGiB)} | ` +
        `${range(v.serverCpuSPerGiB)} | ${range(v.machineCpuSPerGiB)} | ${fmt(v.longTaskMaxMs?.max, 0)} / ${fmt(v.timerLatenessMaxMs?.max, 1)} | ` +
        `${range(v.heapPeakRiseMiB, 1)} | ${range(v.wasmRiseMiB, 1)} |`,
    );
  }
  out.push("");
  out.push(ratioLine(agg));
  out.push("");
}

function profileTable(out, p, rounds) {
  out.push(
    `${p.label} (${p.upMbit} Mbit/s up, ${p.downMbit} Mbit/s down, ${p.rttMs} ms RTT; bench/lib/link.mjs), ` +
      `${p.mib} MiB${p.fill ? " (the link's steady state: only O-def and the raw ceiling)" : ""}, ${rounds} alternated rounds; ` +
      "median (min–max). Fraction = payload bytes / (nominal upload bandwidth × time):",
  );
  out.push("");
  out.push("| Variant | MB/s | fraction of the link | main-thread CPU s/GiB | machine CPU s/GiB | longest task ms (API / timer) | JS heap peak rise MiB |");
  out.push("|---|---|---|---|---|---|---|");
  for (const v of Object.values(p.variants)) {
    out.push(
      `| ${v.label} | ${range(v.mbps, 2)} | ${range(v.linkFraction)} | ${range(v.mainThreadCpuSPerGiB)} | ${range(v.machineCpuSPerGiB)} | ` +
        `${fmt(v.longTaskMaxMs?.max, 0)} / ${fmt(v.timerLatenessMaxMs?.max, 1)} | ${range(v.heapPeakRiseMiB, 1)} |`,
    );
  }
  out.push("");
  out.push(ratioLine(p));
  out.push("");
}

export function renderMarkdown(r) {
  const out = [];
  const m = r.machine;
  const c = r.config;
  const parts = [];
  if (c.mib) parts.push(`loopback ${c.mib} MiB × ${c.rounds} rounds`);
  for (const p of r.profiles || []) parts.push(`${p.profile} ${p.mib} MiB × ${c.netRounds} rounds`);
  out.push(`### Benchmark: ${parts.join("; ")} (${r.startedAt})`);
  out.push("");
  out.push(
    `Machine: ${m.cores} × ${m.cpu}, ${m.memGiB} GiB RAM, ${m.os}; ${m.chromiumProduct}; node ${m.node}. ` +
      `Load average (1 min) before ${r.load.before[0]}, during ${fmt(r.load.during.median)} ` +
      `(${fmt(r.load.during.min)}–${fmt(r.load.during.max)}), after ${r.load.after[0]}. ` +
      `Command: \`${r.command}\` (${r.durationS} s).`,
  );
  out.push("");
  out.push("| Figure | Target | oss-resumable | ali-oss (B: 8 MiB × 3; C: defaults) | |");
  out.push("|---|---|---|---|---|");
  for (const row of targets(r)) out.push(`| ${row[0]} | ${row[1]} | ${row[2]} | ${row[3]} | ${ok(row[4])} |`);
  out.push("");
  if (r.headline) loopbackTable(out, "headline", r.headline, c.mib);
  if (r.flat) loopbackTable(out, "memory flatness", r.flat, c.flatMib);
  for (const p of r.profiles || []) profileTable(out, p, c.netRounds);
  const engines = Object.entries(r.engines || {});
  if (engines.length) {
    out.push(
      `Per engine (${engines[0][1].mib} MiB, 8 MiB × 3, A and O alternated in the same browser over WebDriver, loopback); ` +
        "median (min–max) over rounds. Chromium's row is the headline above.",
    );
    out.push("");
    out.push("| Engine | A: raw XHR MB/s | O: oss-resumable MB/s | O / A (paired) | worst timer lateness ms (A / O) | progress events per upload (O) |");
    out.push("|---|---|---|---|---|---|");
    for (const [, e] of engines) {
      out.push(
        `| ${e.product} | ${range(e.A.mbps, 0)} | ${range(e.O.mbps, 0)} | ${range(e["O/A"])} | ` +
          `${fmt(e.A.timerLatenessMaxMs.max, 0)} / ${fmt(e.O.timerLatenessMaxMs.max, 0)} | ${range(e.O.progressEvents, 0)} |`,
      );
    }
    out.push("");
  }
  if (r.resume.trials.length) {
    const t = r.resume.trials;
    out.push(
      `Resume (${t.length} trials, ${t[0].mib} MiB, loopback, reload after 6 parts): reload → first UploadPart ` +
        `${t.map((x) => x.reloadToFirstPartMs).join(", ")} ms; of which page reload + wasm init ` +
        `${t.map((x) => x.reloadToReadyMs).join(", ")} ms; upload() → first UploadPart ` +
        `${t.map((x) => x.uploadCallToFirstPartMs).join(", ")} ms; ListParts took ` +
        `${t.map((x) => x.listPartsDurationMs).join(", ")} ms at the server. The same reload of the bench ` +
        `page without the package (nothing to load or resume), the floor, measured before each trial: ` +
        `${t.map((x) => x.reloadFloorMs).join(", ")} ms; budget = floor + ListParts + 50 ms = ` +
        `${t.map((x) => x.budgetMs).join(", ")} ms. The same reload with the same file picked again ` +
        `(the harness's pick, which the trials include): ${t.map((x) => x.reloadPickFloorMs ?? "–").join(", ")} ms; ` +
        `budget with it ${t.map((x) => x.budgetPickedMs ?? "–").join(", ")} ms. The same bare reload of a page ` +
        `with a raw XHR upload in flight (8 MiB × 3, reloaded after its 6th part, as the trial's page is): ` +
        `${t.map((x) => x.reloadBusyFloorMs ?? "–").join(", ")} ms; budget with it and the pick ` +
        `${t.map((x) => x.budgetBusyMs ?? "–").join(", ")} ms. ListParts' round trip as the page saw it ` +
        `(Resource Timing, its CORS preflight included): ${t.map((x) => x.listPartsPageMs ?? "–").join(", ")} ms; ` +
        `budget with it ${t.map((x) => x.budgetRoundTripMs ?? "–").join(", ")} ms, and with the pick too ` +
        `${t.map((x) => x.budgetRoundTripPickedMs ?? "–").join(", ")} ms. Package load (import of the ` +
        `entry, wasm instantiated): ${t.map((x) => x.libraryLoadMs ?? "–").join(", ")} ms.`,
    );
    out.push("");
  }
  return out.join("\n") + "\n";
}

function esc(s) {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;");
}

const COLORS = { A: "#888888", AV: "#444444", "A-dt": "#bbbbbb", O: "#1f77b4", "O-def": "#6baed6", B: "#d62728", C: "#ff9896" };
const LEGEND = {
  A: "raw XHR (ceiling)",
  AV: "raw XHR + CRC-64 (verifying ceiling)",
  "A-dt": "raw XHR, DevTools-throttled",
  O: "ours, 8 MiB×3",
  "O-def": "ours, defaults",
  B: "ali-oss, 8 MiB×3",
  C: "ali-oss defaults",
};

/// Top row: throughput per profile (loopback, then each network profile), one panel each with
/// its own scale (a bar per variant: median, whisker min–max; under each network panel, the
/// link's nominal rate as a dashed line). Bottom row: the JS heap + wasm memory rise per variant
/// at both loopback file sizes.
export function renderSvg(r) {
  const groups = [];
  if (r.headline) groups.push({ name: `loopback, ${r.config.mib} MiB`, agg: r.headline, nominal: null });
  for (const p of r.profiles || []) {
    groups.push({ name: `${p.profile}: ${p.upMbit} Mbit/s, ${p.rttMs} ms, ${p.mib} MiB`, agg: p, nominal: (p.upMbit * 1e6) / 8 / 1e6 });
  }
  const W = 980;
  const rowH = 300;
  const H = 40 + rowH * 2 + 40;
  const parts = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  const m = r.machine;
  parts.push(
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${esc(
      `oss-resumable vs raw XHR and ali-oss: ${m.cores} cores, load ${fmt(r.load.during.median, 1)} (${r.startedAt.slice(0, 10)})`,
    )}</text>`,
  );

  function panel({ x0, y0, w, h, title, unit, bars, nominal }) {
    // bars: [{name, values: [{median, min, max, color}]}]
    const pad = { l: 50, r: 10, t: 24, b: 24 };
    const plotW = w - pad.l - pad.r;
    const plotH = h - pad.t - pad.b;
    const all = bars.flatMap((g) => g.values.map((v) => v.max ?? v.median));
    const top = niceMax(Math.max(1e-3, nominal ?? 0, ...all.filter(Number.isFinite)));
    const y = (v) => y0 + pad.t + plotH - (v / top) * plotH;
    parts.push(`<text x="${x0 + pad.l + plotW / 2}" y="${y0 + 14}" text-anchor="middle" font-weight="bold">${esc(title)}</text>`);
    for (let i = 0; i <= 4; i++) {
      const v = (top * i) / 4;
      parts.push(`<line x1="${x0 + pad.l}" x2="${x0 + pad.l + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`);
      parts.push(`<text x="${x0 + pad.l - 6}" y="${y(v) + 4}" text-anchor="end">${fmt(v, v < 10 ? 1 : 0)}</text>`);
    }
    parts.push(`<text transform="translate(${x0 + 12},${y0 + pad.t + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(unit)}</text>`);
    if (nominal) {
      parts.push(`<line x1="${x0 + pad.l}" x2="${x0 + pad.l + plotW}" y1="${y(nominal)}" y2="${y(nominal)}" stroke="black" stroke-dasharray="4 3"/>`);
      parts.push(`<text x="${x0 + pad.l + plotW}" y="${y(nominal) - 3}" text-anchor="end" font-size="10">link ${fmt(nominal, 1)}</text>`);
    }
    const gw = plotW / Math.max(1, bars.length);
    bars.forEach((g, gi) => {
      const n = g.values.length;
      const bw = Math.min(36, (gw * 0.85) / n);
      g.values.forEach((v, vi) => {
        const cx = x0 + pad.l + gi * gw + gw / 2 + (vi - (n - 1) / 2) * bw;
        if (!Number.isFinite(v.median)) return;
        parts.push(`<rect x="${cx - bw / 2 + 1}" y="${y(v.median)}" width="${bw - 2}" height="${y(0) - y(v.median)}" fill="${v.color}"/>`);
        if (Number.isFinite(v.min) && Number.isFinite(v.max) && v.max > v.min) {
          parts.push(`<line x1="${cx}" x2="${cx}" y1="${y(v.max)}" y2="${y(v.min)}" stroke="black"/>`);
        }
        parts.push(
          `<text x="${cx}" y="${y(v.max ?? v.median) - 3}" text-anchor="middle" font-size="9">${fmt(v.median, v.median < 10 ? 1 : 0)}</text>`,
        );
      });
      parts.push(`<text x="${x0 + pad.l + gi * gw + gw / 2}" y="${y(0) + 14}" text-anchor="middle" font-size="10">${esc(g.name)}</text>`);
    });
    parts.push(`<line x1="${x0 + pad.l}" x2="${x0 + pad.l + plotW}" y1="${y(0)}" y2="${y(0)}" stroke="black"/>`);
  }

  // Throughput, one panel per profile.
  const pw = (W - 20) / Math.max(1, groups.length);
  groups.forEach((g, i) => {
    panel({
      x0: 10 + i * pw,
      y0: 30,
      w: pw,
      h: rowH,
      title: g.name,
      unit: "MB/s (median, min–max)",
      nominal: g.nominal,
      bars: Object.keys(g.agg.variants).map((v) => ({ name: v, values: [{ ...g.agg.variants[v].mbps, color: COLORS[v] || "#555" }] })),
    });
  });
  // Memory at both loopback sizes.
  const sizesMiB = [r.config.flatMib, r.config.mib].filter(Boolean);
  const shades = ["#9ecae1", "#08519c"];
  const memVariants = r.headline ? Object.keys(r.headline.variants) : [];
  panel({
    x0: 10,
    y0: 30 + rowH,
    w: (W - 20) / 2,
    h: rowH - 20,
    title: "JS heap peak + wasm memory rise, loopback (MiB; worst run)",
    unit: "MiB",
    bars: memVariants.map((v) => ({
      name: v,
      values: sizesMiB.map((mib, i) => {
        const xs = r.runs.filter((x) => x.variant === v && x.mib === mib && (x.profile ?? "loopback") === "loopback").map((x) => x.memRiseMiB);
        return { median: xs.length ? Math.max(...xs) : NaN, color: shades[i] };
      }),
    })),
  });
  // Legends: memory shades and variants, right of the memory panel.
  const lx0 = 10 + (W - 20) / 2 + 30;
  let ly = 30 + rowH + 30;
  sizesMiB.forEach((mib, i) => {
    parts.push(`<rect x="${lx0}" y="${ly - 10}" width="12" height="12" fill="${shades[i]}"/>`);
    parts.push(`<text x="${lx0 + 16}" y="${ly}">${esc(`memory: ${mib} MiB file`)}</text>`);
    ly += 18;
  });
  ly += 8;
  const seen = new Set(groups.flatMap((g) => Object.keys(g.agg.variants)));
  for (const v of Object.keys(COLORS).filter((k) => seen.has(k))) {
    parts.push(`<rect x="${lx0}" y="${ly - 10}" width="12" height="12" fill="${COLORS[v]}"/>`);
    parts.push(`<text x="${lx0 + 16}" y="${ly}">${esc(`${v}: ${LEGEND[v]}`)}</text>`);
    ly += 18;
  }
  parts.push(`<text x="${lx0}" y="${ly + 8}" font-size="10">${esc("dashed: the link's nominal upload rate")}</text>`);
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

function niceMax(v) {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
