// Turns bench/results/latest.json into the Markdown table and the SVG chart.

const fmt = (x, d = 2) => (x === null || x === undefined || Number.isNaN(x) ? "—" : Number(x).toFixed(d));
const range = (s, d = 2) => (s ? `${fmt(s.median, d)} (${fmt(s.min, d)}–${fmt(s.max, d)})` : "—");
const ok = (b) => (b === null ? "—" : b ? "met" : "**missed**");

/// Every target figure from one result, with whether it is met.
export function targets(r) {
  const h = r.headline;
  const O = h.variants.O;
  const B = h.variants.B;
  const oRuns = r.runs.filter((x) => x.variant === "O" || x.variant === "O-def");
  const worst = (k, mib) => {
    const xs = oRuns.filter((x) => mib === undefined || x.mib === mib).map((x) => x[k]);
    return xs.length ? Math.max(...xs) : null;
  };
  const bRuns = r.runs.filter((x) => x.variant === "B");
  const bWorst = (k, mib) => {
    const xs = bRuns.filter((x) => mib === undefined || x.mib === mib).map((x) => x[k]);
    return xs.length ? Math.max(...xs) : null;
  };
  const rows = [];
  const oa = h.ratios["O/A"];
  rows.push(["throughput O / A (paired per round)", "≥ 0.95", range(oa), range(h.ratios["B/A"]), oa ? oa.median >= 0.95 : null]);
  const dc = h.ratios["O-def/C"];
  rows.push(["throughput O-def / C (paired per round)", "≥ 3", range(dc), "—", dc ? dc.median >= 3 : null]);
  rows.push([
    "renderer main-thread CPU per GiB, CRC-64 included (s)",
    "≤ 1.0",
    O ? range(O.mainThreadCpuSPerGiB) : "—",
    B ? range(B.mainThreadCpuSPerGiB) : "—",
    O ? O.mainThreadCpuSPerGiB.median <= 1.0 : null,
  ]);
  rows.push([
    "renderer process CPU per GiB, all threads (s; for reference)",
    "—",
    O ? range(O.rendererCpuSPerGiB) : "—",
    B ? range(B.rendererCpuSPerGiB) : "—",
    null,
  ]);
  const lt = worst("longTaskMaxMs");
  const late = worst("timerLatenessMaxMs");
  rows.push([
    "longest main-thread task (ms): Long Tasks API max / 10 ms timer lateness max, all O runs",
    "≤ 50",
    `${fmt(lt, 0)} / ${fmt(late, 1)}`,
    `${fmt(bWorst("longTaskMaxMs"), 0)} / ${fmt(bWorst("timerLatenessMaxMs"), 1)}`,
    lt === null ? null : lt <= 50 && late <= 50,
  ]);
  for (const mib of [r.config.mib, r.config.flatMib].filter(Boolean)) {
    const m = worst("memRiseMiB", mib);
    rows.push([
      `JS heap peak + wasm memory rise at ${mib} MiB, worst O run (MiB)`,
      "≤ 16",
      fmt(m, 1),
      fmt(bWorst("memRiseMiB", mib), 1),
      m === null ? null : m <= 16,
    ]);
  }
  const crc = r.crc64 && r.crc64.gbps;
  rows.push(["CRC-64 in wasm, Chromium (GB/s)", "≥ 1.5", range(crc), "none", crc ? crc.median >= 1.5 : null]);
  const res = r.resume;
  const resOk = res.trials.length ? res.trials.every((t) => t.reloadToFirstPartMs <= t.budgetMs) : null;
  rows.push([
    "resume: reload → first UploadPart at the server (ms) vs ListParts + 100 ms",
    "≤ budget",
    `${range(res.reloadToFirstPartMs, 0)} vs ${range(res.budgetMs, 0)}`,
    "—",
    resOk,
  ]);
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

export function renderMarkdown(r) {
  const out = [];
  const m = r.machine;
  out.push(`### Benchmark: ${r.config.mib} MiB file, ${r.config.rounds} alternated rounds (${r.startedAt})`);
  out.push("");
  out.push(
    `Machine: ${m.cores} × ${m.cpu}, ${m.memGiB} GiB RAM, ${m.os}; ${m.chromiumProduct}; node ${m.node}. ` +
      `Load average (1 min) before ${r.load.before[0]}, during ${fmt(r.load.during.median)} ` +
      `(${fmt(r.load.during.min)}–${fmt(r.load.during.max)}), after ${r.load.after[0]}. ` +
      `Command: \`${r.command}\` (${r.durationS} s).`,
  );
  out.push("");
  out.push("| Figure | Target | oss-resumable | ali-oss (B: 8 MiB × 3) | |");
  out.push("|---|---|---|---|---|");
  for (const row of targets(r)) out.push(`| ${row[0]} | ${row[1]} | ${row[2]} | ${row[3]} | ${ok(row[4])} |`);
  out.push("");
  for (const [title, agg, mib] of [
    ["headline", r.headline, r.config.mib],
    ["memory flatness", r.flat, r.config.flatMib],
  ]) {
    if (!agg) continue;
    out.push(`Per variant, ${mib} MiB (${title}); median (min–max) over rounds:`);
    out.push("");
    out.push(
      "| Variant | MB/s | main-thread CPU s/GiB | renderer CPU s/GiB | server CPU s/GiB | longest task ms (API / timer) | JS heap peak rise MiB | wasm memory rise MiB |",
    );
    out.push("|---|---|---|---|---|---|---|---|");
    for (const [, v] of Object.entries(agg.variants)) {
      out.push(
        `| ${v.label} | ${range(v.mbps, 0)} | ${range(v.mainThreadCpuSPerGiB)} | ${range(v.rendererCpuSPerGiB)} | ` +
          `${range(v.serverCpuSPerGiB)} | ${fmt(v.longTaskMaxMs.max, 0)} / ${fmt(v.timerLatenessMaxMs.max, 1)} | ` +
          `${range(v.heapPeakRiseMiB, 1)} | ${range(v.wasmRiseMiB, 1)} |`,
      );
    }
    out.push("");
    const ratios = Object.entries(agg.ratios)
      .filter(([, s]) => s)
      .map(([k, s]) => `${k} ${range(s)}`)
      .join("; ");
    out.push(`Paired throughput ratios: ${ratios}.`);
    out.push("");
  }
  const engines = Object.entries(r.engines || {});
  if (engines.length) {
    out.push(
      `Per engine (${engines[0][1].mib} MiB, 8 MiB × 3, A and O alternated in the same browser over WebDriver); ` +
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
      `Resume (${t.length} trials, ${r.config.mib} MiB, reload after 6 parts): reload → first UploadPart ` +
        `${t.map((x) => x.reloadToFirstPartMs).join(", ")} ms; of which page reload + wasm init ` +
        `${t.map((x) => x.reloadToReadyMs).join(", ")} ms; upload() → first UploadPart ` +
        `${t.map((x) => x.uploadCallToFirstPartMs).join(", ")} ms; ListParts took ` +
        `${t.map((x) => x.listPartsDurationMs).join(", ")} ms at the server. For reference, the same ` +
        `reload of the bench page without the package (nothing to load or resume) takes ` +
        `${r.resume.reloadFloorMs} ms.`,
    );
    out.push("");
  }
  return out.join("\n") + "\n";
}

function esc(s) {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;");
}

/// Two panels: throughput per variant (median bar, min–max whisker), and the JS heap + wasm
/// memory rise per variant at both file sizes.
export function renderSvg(r) {
  const W = 960;
  const H = 400;
  const pad = { l: 60, r: 20, t: 50, b: 90 };
  const panelW = (W - 40) / 2;
  const colors = { A: "#888888", O: "#1f77b4", "O-def": "#6baed6", B: "#d62728", C: "#ff9896" };
  const variants = Object.keys(r.headline.variants);
  const parts = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  const m = r.machine;
  parts.push(
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${esc(
      `oss-resumable vs raw XHR and ali-oss: ${r.config.mib} MiB, ${r.config.rounds} rounds, ${m.cores} cores, load ${fmt(r.load.during.median, 1)}`,
    )}</text>`,
  );

  function panel(x0, title, unit, groups, series) {
    // groups: [{name, values: [{key, median, min, max, color}]}]
    const plotW = panelW - pad.l - pad.r;
    const plotH = H - pad.t - pad.b;
    const all = groups.flatMap((g) => g.values.flatMap((v) => [v.max ?? v.median]));
    const top = niceMax(Math.max(1, ...all.filter(Number.isFinite)));
    const y = (v) => pad.t + plotH - (v / top) * plotH;
    parts.push(`<text x="${x0 + pad.l + plotW / 2}" y="40" text-anchor="middle" font-weight="bold">${esc(title)}</text>`);
    for (let i = 0; i <= 4; i++) {
      const v = (top * i) / 4;
      parts.push(`<line x1="${x0 + pad.l}" x2="${x0 + pad.l + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`);
      parts.push(`<text x="${x0 + pad.l - 6}" y="${y(v) + 4}" text-anchor="end">${fmt(v, v < 10 ? 1 : 0)}</text>`);
    }
    parts.push(
      `<text transform="translate(${x0 + 14},${pad.t + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(unit)}</text>`,
    );
    const gw = plotW / groups.length;
    groups.forEach((g, gi) => {
      const n = g.values.length;
      const bw = Math.min(40, (gw * 0.8) / n);
      g.values.forEach((v, vi) => {
        const cx = x0 + pad.l + gi * gw + gw / 2 + (vi - (n - 1) / 2) * bw;
        if (!Number.isFinite(v.median)) return;
        parts.push(
          `<rect x="${cx - bw / 2 + 2}" y="${y(v.median)}" width="${bw - 4}" height="${y(0) - y(v.median)}" fill="${v.color}"/>`,
        );
        if (Number.isFinite(v.min) && Number.isFinite(v.max) && v.max > v.min) {
          parts.push(`<line x1="${cx}" x2="${cx}" y1="${y(v.max)}" y2="${y(v.min)}" stroke="black"/>`);
          parts.push(`<line x1="${cx - 5}" x2="${cx + 5}" y1="${y(v.max)}" y2="${y(v.max)}" stroke="black"/>`);
          parts.push(`<line x1="${cx - 5}" x2="${cx + 5}" y1="${y(v.min)}" y2="${y(v.min)}" stroke="black"/>`);
        }
        parts.push(
          `<text x="${cx}" y="${y(v.max ?? v.median) - 4}" text-anchor="middle" font-size="10">${fmt(v.median, v.median < 10 ? 1 : 0)}</text>`,
        );
      });
      parts.push(`<text x="${x0 + pad.l + gi * gw + gw / 2}" y="${y(0) + 16}" text-anchor="middle">${esc(g.name)}</text>`);
    });
    parts.push(`<line x1="${x0 + pad.l}" x2="${x0 + pad.l + plotW}" y1="${y(0)}" y2="${y(0)}" stroke="black"/>`);
    if (series) {
      series.forEach((s, i) => {
        const lx = x0 + pad.l + i * 130;
        parts.push(`<rect x="${lx}" y="${H - 30}" width="12" height="12" fill="${s.color}"/>`);
        parts.push(`<text x="${lx + 16}" y="${H - 20}">${esc(s.name)}</text>`);
      });
    }
  }

  panel(
    10,
    "Throughput (MB/s; bar = median, whisker = min–max)",
    "MB/s",
    variants.map((v) => {
      const s = r.headline.variants[v].mbps;
      return { name: v, values: [{ ...s, color: colors[v] || "#555" }] };
    }),
    null,
  );
  const sizesMiB = [r.config.flatMib, r.config.mib].filter(Boolean);
  const shades = ["#9ecae1", "#08519c"];
  panel(
    10 + panelW + 20,
    "JS heap peak + wasm memory rise (MiB; worst run)",
    "MiB",
    variants.map((v) => ({
      name: v,
      values: sizesMiB.map((mib, i) => {
        const xs = r.runs.filter((x) => x.variant === v && x.mib === mib).map((x) => x.memRiseMiB);
        return { median: xs.length ? Math.max(...xs) : NaN, color: shades[i] };
      }),
    })),
    sizesMiB.map((mib, i) => ({ name: `${mib} MiB file`, color: shades[i] })),
  );
  // Variant legend under the throughput panel.
  const legend = {
    A: "raw XHR, 8 MiB×3",
    O: "ours, 8 MiB×3",
    B: "ali-oss, 8 MiB×3",
    C: "ali-oss defaults",
    "O-def": "ours, defaults",
  };
  variants.forEach((v, i) => {
    const lx = 14 + (i % 3) * 158;
    const ly = H - 34 + Math.floor(i / 3) * 16;
    parts.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${colors[v]}"/>`);
    parts.push(`<text x="${lx + 16}" y="${ly}">${esc(`${v}: ${legend[v] || v}`)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

function niceMax(v) {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
