// The two origins of every measurement: the page's (a static server for bench/page/, pkg/, the
// ali-oss dist and the package's read routine) and the dev server's fault rules and request log.

import { createHash } from "node:crypto";
import { createServer } from "node:http";
import fs from "node:fs";
import path from "node:path";
import { pkg, root } from "./common.mjs";

/// `POST` (add) or `DELETE` (clear) the dev server's fault rules.
export async function devFaults(url, method, rules) {
  const res = await fetch(`${url}/__dev/faults`, {
    method,
    headers: { "content-type": "application/json" },
    body: rules === undefined ? undefined : JSON.stringify(rules),
  });
  if (!res.ok) throw new Error(`${method} /__dev/faults -> ${res.status}`);
}

export async function serverLog(url) {
  const res = await fetch(`${url}/__dev/requests`);
  const body = await res.json();
  return Array.isArray(body) ? body : body.requests || body.entries || [];
}

/// The page's origin, on another loopback port than the dev server's (CORS preflights are real).
/// `pkgDir`: the package served as /pkg/ (bench/profile.mjs --named serves a build with names).
export function startStatic({ pkgDir = pkg } = {}) {
  const routes = [
    ["/pkg/", pkgDir],
    ["/vendor/aliyun-oss-sdk.min.js", path.join(root, "node_modules", "ali-oss", "dist", "aliyun-oss-sdk.min.js")],
    // The package's read routine, for variant AV's worker (bench/page/av_worker.js).
    ["/src/hash_worker.js", path.join(root, "src", "hash_worker.js")],
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
