// `make demo`: starts oss-devserver, serves www/dist on another origin, prints both URLs and
// stays in the foreground until Ctrl-C. Ports: DEMO_OSS_PORT (9000), DEMO_WEB_PORT (8080).
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "www", "dist");
const ossPort = process.env.DEMO_OSS_PORT || "9000";
const webPort = Number(process.env.DEMO_WEB_PORT || "8080");
const targetDir = process.env.CARGO_TARGET_DIR || path.join(root, "target");
const webOrigin = `http://127.0.0.1:${webPort}`;

const server = spawn(
  path.join(targetDir, "release", "oss-devserver"),
  ["--listen", `127.0.0.1:${ossPort}`],
  { stdio: ["ignore", "pipe", "inherit"] },
);
server.on("exit", (code) => {
  console.error(`oss-devserver exited (${code}); is port ${ossPort} in use? Set DEMO_OSS_PORT.`);
  process.exit(1);
});
const first = await new Promise((resolve) => {
  createInterface({ input: server.stdout }).once("line", resolve);
});
const info = JSON.parse(first);
const config = {
  endpoint: info.url,
  bucket: (info.buckets && info.buckets[0]) || "demo",
  region: info.region || "cn-hangzhou",
  stsUrl: `${info.url}/__dev/sts`,
};

const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};
const web = createServer(async (req, res) => {
  const url = new URL(req.url, webOrigin);
  if (url.pathname === "/config.json") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(config));
    return;
  }
  const rel = url.pathname === "/" ? "index.html" : decodeURIComponent(url.pathname).replace(/^\/+/, "");
  const file = path.resolve(dist, rel);
  if (!file.startsWith(dist + path.sep)) {
    res.writeHead(403).end();
    return;
  }
  try {
    const body = await readFile(file);
    res.writeHead(200, { "content-type": types[path.extname(file)] || "application/octet-stream" });
    res.end(body);
  } catch {
    res.writeHead(404, { "content-type": "text/plain" }).end("not found");
  }
});
web.listen(webPort, "127.0.0.1", () => {
  console.log(`oss-devserver:  ${config.endpoint}  (bucket "${config.bucket}", STS at ${config.stsUrl})`);
  console.log(`upload widget:  ${webOrigin}/   <- open this`);
  console.log("Ctrl-C stops both.");
});
const stop = () => {
  server.removeAllListeners("exit");
  server.kill();
  web.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
