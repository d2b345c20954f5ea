// What every part of the harness shares: its paths, its log line, the input files, the
// statistics (median and range over rounds) and CPU time read from /proc.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const tmp = path.join(root, "bench", "tmp");
export const pkg = path.join(root, "pkg");
export const MiB = 1024 * 1024;

export const log = (...a) => console.error("bench:", ...a);

/// A file of `mib` MiB under bench/tmp/ (kept between runs). Content: a random 16 MiB block
/// repeated; neither the uploaders nor the server compress, so its entropy does not matter.
export function ensureFile(mib) {
  const file = path.join(tmp, `data-${mib}m.bin`);
  if (fs.existsSync(file) && fs.statSync(file).size === mib * MiB) return file;
  fs.mkdirSync(tmp, { recursive: true });
  log(`writing ${file}`);
  const block = Buffer.alloc(Math.min(16, mib) * MiB);
  for (let at = 0; at < block.length; at += 65536) {
    block.set(globalThis.crypto.getRandomValues(new Uint8Array(65536)), at);
  }
  const fd = fs.openSync(file, "w");
  for (let done = 0; done < mib * MiB; done += block.length) {
    fs.writeSync(fd, block, 0, Math.min(block.length, mib * MiB - done));
  }
  fs.closeSync(fd);
  return file;
}

export function need(p, hint) {
  if (!fs.existsSync(p)) throw new Error(`${p} is missing: ${hint}`);
  return p;
}

/// CPU seconds (user + system) a process has used so far.
export function procCpuSeconds(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = f.slice(f.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, USER_HZ = 100
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? null : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
export const summary = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length });
export const round = (x, d = 3) => (x === null || x === undefined ? x : Number(x.toFixed(d)));

export function loadavg() {
  return os.loadavg().map((x) => round(x, 2));
}
