// Sizes, speeds, durations, percents and dates for <oss-uploader>, all through Intl in the
// element's language. Sizes use decimal units (kB, MB, GB: the unit names Intl knows,
// https://tc39.es/ecma402/#table-sanctioned-single-unit-identifiers).

const UNITS = ["byte", "kilobyte", "megabyte", "gigabyte", "terabyte"];

export function formatter(lang) {
  const cache = new Map();
  const nf = (key, options) => {
    if (!cache.has(key)) cache.set(key, new Intl.NumberFormat(lang, options));
    return cache.get(key);
  };
  const scaled = (n) => {
    let i = 0;
    let v = n;
    while (v >= 1000 && i < UNITS.length - 1) {
      v /= 1000;
      i += 1;
    }
    return [v, UNITS[i], i === 0 || v >= 100 ? 0 : 1];
  };
  return {
    bytes(n) {
      if (!Number.isFinite(n) || n < 0) return "–";
      const [v, unit, digits] = scaled(n);
      return nf(`b${unit}${digits}`, { style: "unit", unit, maximumFractionDigits: digits }).format(v);
    },
    speed(bytesPerSecond) {
      if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return "";
      const [v, unit, digits] = scaled(bytesPerSecond);
      return nf(`s${unit}${digits}`, { style: "unit", unit: `${unit}-per-second`, maximumFractionDigits: digits }).format(v);
    },
    duration(seconds) {
      if (!Number.isFinite(seconds) || seconds < 0) return "";
      const s = Math.ceil(seconds);
      const unit = (u) => nf(`d${u}`, { style: "unit", unit: u, unitDisplay: "short" });
      if (s < 60) return unit("second").format(s);
      const m = Math.floor(s / 60);
      if (m < 60) return `${unit("minute").format(m)} ${unit("second").format(s % 60)}`;
      return `${unit("hour").format(Math.floor(m / 60))} ${unit("minute").format(m % 60)}`;
    },
    percent(p) {
      return nf("p", { style: "percent", maximumFractionDigits: 0 }).format(p / 100);
    },
    date(ms) {
      const d = new Date(ms);
      return Number.isNaN(d.getTime()) ? "" : d.toLocaleString(lang);
    },
    /** "3 minutes ago", "yesterday", or a date for anything older than a week. */
    when(iso) {
      const t = new Date(iso).getTime();
      if (Number.isNaN(t)) return "";
      const diff = (t - Date.now()) / 1000;
      const rtf = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
      if (diff > -60) return rtf.format(0, "second");
      if (diff > -3600) return rtf.format(Math.round(diff / 60), "minute");
      if (diff > -86400) return rtf.format(Math.round(diff / 3600), "hour");
      if (diff > -7 * 86400) return rtf.format(Math.round(diff / 86400), "day");
      return new Date(t).toLocaleDateString(lang, { year: "numeric", month: "short", day: "numeric" });
    },
  };
}

/** Whole percent that never says 100 before the last byte. */
export function percentOf(done, total) {
  if (!total) return done > 0 ? 100 : 0;
  const p = Math.floor((done / total) * 100);
  return done < total ? Math.min(p, 99) : 100;
}

/** "10MiB", "5 GB", "1048576" → bytes (binary units for KiB…, decimal for kB…); NaN if unreadable. */
export function parseSize(text) {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?)b?\s*$/i.exec(String(text ?? ""));
  if (!m) return NaN;
  const power = " kmgt".indexOf(m[2].toLowerCase() || " ");
  return Math.round(Number(m[1]) * (m[3] ? 1024 : 1000) ** power);
}
