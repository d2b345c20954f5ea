// Helpers shared by `make demo` (scripts/demo.mjs), the end-to-end tests (e2e/), the browser
// tests (scripts/with-devserver.mjs) and the benchmark (bench/): start an oss-devserver and read the
// JSON line it prints first (the one launcher of the dev server), and serve static directories
// over HTTP on another origin, with a `/config.json` the widget reads its defaults from.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const targetDir = process.env.CARGO_TARGET_DIR || path.join(root, "target");
/** The dev server built for speed (`make devserver`: the `server` profile in Cargo.toml). */
export const devserverBinary = path.join(targetDir, "server", "oss-devserver");
const builds = {
  server: [devserverBinary, "make devserver"],
  debug: [path.join(targetDir, "debug", "oss-devserver"), "cargo build -p oss-devserver"],
};

/**
 * Starts `oss-devserver --listen <listen> [args]`, built with `profile` ("server", or "debug"
 * for the browser tests, which build it themselves), and resolves once it printed its first line
 * (JSON: url, buckets, region, …; it may hold a generated secret, so it is never printed).
 * `pid` is the server's process, for CPU accounting; `stop()` ends it and resolves when it exited.
 */
export async function startDevserver({ listen = "127.0.0.1:0", args = [], profile = "server" } = {}) {
  const [binary, build] = builds[profile] || [];
  if (!binary) throw new Error(`no oss-devserver build profile "${profile}" (server, debug)`);
  if (!existsSync(binary)) throw new Error(`${binary} is missing: ${build} builds it`);
  const child = spawn(binary, ["--listen", listen, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  // A caller that throws before `stop()` (a crashed probe or test) must not leave the server
  // running: its port and CPU would skew the next measurement. Node runs "exit" listeners on an
  // uncaught exception and on process.exit(), not on a signal; a terminal's Ctrl-C reaches the
  // server itself, which is in the same process group.
  const killOnExit = () => child.kill("SIGTERM");
  process.once("exit", killOnExit);
  child.once("exit", () => process.removeListener("exit", killOnExit));
  // Read every line it prints (only the first matters), so it never blocks on a full pipe.
  const lines = createInterface({ input: child.stdout });
  const first = await Promise.race([
    new Promise((resolve) => lines.once("line", resolve)),
    exited.then((code) => {
      throw new Error(`oss-devserver exited (${code}) before printing its address; is ${listen} in use?`);
    }),
    new Promise((_, reject) => {
      setTimeout(() => reject(new Error("oss-devserver printed no address within 30 s")), 30000).unref();
    }),
  ]).catch((e) => {
    child.kill("SIGTERM");
    throw e;
  });
  const info = JSON.parse(first);
  return {
    child,
    pid: child.pid,
    exited,
    info,
    url: info.url,
    bucket: (info.buckets && info.buckets[0]) || "demo",
    region: info.region || "cn-hangzhou",
    /** Ends the server (SIGTERM, SIGKILL after `graceMs`) and resolves once it exited. Waits on
     *  a listener of its own, so it works even after a caller removed the child's listeners. */
    async stop(graceMs = 5000) {
      const gone = () => child.exitCode !== null || child.signalCode !== null;
      if (gone()) return;
      const exit = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => gone() || child.kill("SIGKILL"), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** The widget's defaults for a dev server: what `/config.json` answers. */
export function widgetConfig(devserver) {
  return {
    endpoint: devserver.url,
    bucket: devserver.bucket,
    region: devserver.region,
    stsUrl: `${devserver.url}/__dev/sts`,
  };
}

const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ts": "text/plain; charset=utf-8",
  ".map": "application/json",
};

/**
 * Serves directories on 127.0.0.1:`port` (0 = any free port). `mounts` maps URL prefixes
 * ("/" or "/pkg/") to directories; the longest matching prefix wins. `config` (if given) is
 * answered at `/config.json`. Resolves to `{ url, close() }`.
 */
export async function serveStatic({ mounts, config, port = 0 }) {
  const entries = Object.entries(mounts)
    .map(([prefix, dir]) => [prefix, path.resolve(dir)])
    .sort((a, b) => b[0].length - a[0].length);
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://localhost");
    if (config && url.pathname === "/config.json") {
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify(config));
      return;
    }
    const mount = entries.find(([prefix]) => url.pathname.startsWith(prefix));
    if (!mount) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    const [prefix, dir] = mount;
    let rel = decodeURIComponent(url.pathname.slice(prefix.length));
    if (rel === "" || rel.endsWith("/")) rel += "index.html";
    const file = path.resolve(dir, rel);
    if (!file.startsWith(dir + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        "content-type": types[path.extname(file)] || "application/octet-stream",
        "cache-control": "no-cache",
      });
      res.end(body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    }
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const { port: actual } = server.address();
  return {
    url: `http://127.0.0.1:${actual}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
