// Profiles one upload variant with Chromium's sampling profiler (DevTools Profiler domain) and
// prints the functions with the most self time. Not part of `make bench`: a tool for finding
// where main-thread time goes.
//
//   node bench/profile.mjs [--variant O] [--mib 256] [--out bench/tmp/O.cpuprofile]
//
// The .cpuprofile it writes opens in Chromium DevTools (Performance panel → Load profile).

import { createServer } from "node:http";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Browser } from "./lib/cdp.mjs";
import { startDevserver } from "../scripts/servers.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const tmp = path.join(root, "bench", "tmp");
const argv = process.argv.slice(2);
const opt = (n, d) => (argv.indexOf(`--${n}`) >= 0 ? argv[argv.indexOf(`--${n}`) + 1] : d);
const variant = opt("variant", "O");
const mib = Number(opt("mib", 256));
const out = opt("out", path.join(tmp, `${variant}.cpuprofile`));
const file = path.join(tmp, `data-${mib}m.bin`);
if (!fs.existsSync(file)) throw new Error(`${file} missing: run bench/run.mjs once (it writes the data files)`);

const server = await startDevserver({ args: ["--sink"] });
const routes = [
  ["/pkg/", path.join(root, "pkg")],
  ["/vendor/aliyun-oss-sdk.min.js", path.join(root, "node_modules/ali-oss/dist/aliyun-oss-sdk.min.js")],
  ["/", path.join(root, "bench/page")],
];
const web = createServer((req, res) => {
  const p = new URL(req.url, "http://x").pathname;
  for (const [prefix, target] of routes) {
    if (!p.startsWith(prefix)) continue;
    const f = prefix.endsWith("/") ? path.join(target, p.slice(prefix.length)) : target;
    const type = f.endsWith(".wasm") ? "application/wasm" : f.endsWith(".js") ? "text/javascript" : "text/html";
    fs.readFile(f, (e, d) => (e ? res.writeHead(404).end() : res.writeHead(200, { "content-type": type }).end(d)));
    return;
  }
  res.writeHead(404).end();
});
await new Promise((r) => web.listen(0, "127.0.0.1", r));
const origin = `http://127.0.0.1:${web.address().port}`;

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
} finally {
  await browser.close();
  await server.stop();
  web.close();
}
