// The opt-in test against a real OSS bucket (make test-live; README "Testing against real OSS"):
// the key browser flows through the package (pkg/) in headless Chromium — a V4 multipart upload
// checked by CRC-64 and read back, a resume after a reload, an upload callback when one is
// configured — under a unique prefix that is cleaned up afterwards (objects deleted, leftover
// multipart uploads aborted).
//
// Credentials never reach the page as values: the page fetches them from a provider this
// process serves on 127.0.0.1 (a random path, CORS only for the page's origin), which passes
// through the STS token URL's answer or hands out the long-term keys. Nothing here prints them.
import { chromium } from "playwright-core";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { root, serveStatic } from "../../scripts/servers.mjs";
import { crc64 } from "../lib/crc64.mjs";
import { ossClient } from "../lib/oss-node.mjs";

const KIB = 1024;
const MIB = 1024 * KIB;
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"];

/** The page's port when OSS_LIVE_PAGE_PORT is not set: the origin the bucket's CORS rule names. */
export const DEFAULT_PAGE_PORT = 8765;

/**
 * The configuration from the environment, or { skip } saying what is missing.
 * OSS_LIVE_ENDPOINT, OSS_LIVE_BUCKET, OSS_LIVE_REGION, and OSS_LIVE_STS_URL (its method:
 * OSS_LIVE_STS_METHOD, default GET) or OSS_LIVE_ACCESS_KEY_ID + OSS_LIVE_ACCESS_KEY_SECRET;
 * optional OSS_LIVE_CALLBACK_URL, OSS_LIVE_PAGE_PORT, OSS_LIVE_PATH_STYLE=1 (a local server).
 */
export function liveConfig(env = process.env) {
  const missing = ["OSS_LIVE_ENDPOINT", "OSS_LIVE_BUCKET", "OSS_LIVE_REGION"].filter((n) => !env[n]);
  const keys = env.OSS_LIVE_ACCESS_KEY_ID && env.OSS_LIVE_ACCESS_KEY_SECRET;
  if (!env.OSS_LIVE_STS_URL && !keys) missing.push("OSS_LIVE_STS_URL or OSS_LIVE_ACCESS_KEY_ID/OSS_LIVE_ACCESS_KEY_SECRET");
  if (missing.length) return { skip: `set ${missing.join(", ")} to run it (README: "Testing against real OSS")` };
  return {
    endpoint: env.OSS_LIVE_ENDPOINT.replace(/\/+$/, ""),
    bucket: env.OSS_LIVE_BUCKET,
    region: env.OSS_LIVE_REGION,
    pathStyle: env.OSS_LIVE_PATH_STYLE === "1",
    callbackUrl: env.OSS_LIVE_CALLBACK_URL || null,
    pagePort: env.OSS_LIVE_PAGE_PORT === undefined ? DEFAULT_PAGE_PORT : Number(env.OSS_LIVE_PAGE_PORT),
    // Kept in a closure, out of the returned fields, so that printing the config prints no secret.
    credentials: env.OSS_LIVE_STS_URL
      ? stsSource(env.OSS_LIVE_STS_URL, env.OSS_LIVE_STS_METHOD || "GET")
      : keySource(env.OSS_LIVE_ACCESS_KEY_ID, env.OSS_LIVE_ACCESS_KEY_SECRET),
    credentialsKind: env.OSS_LIVE_STS_URL ? "STS token URL" : "long-term keys",
  };
}

function keySource(accessKeyId, accessKeySecret) {
  return async () => ({ accessKeyId, accessKeySecret });
}

function stsSource(url, method) {
  return async () => {
    const res = await fetch(url, { method });
    if (!res.ok) throw new Error(`the STS token URL answered HTTP ${res.status}`);
    return res.json();
  };
}

/** Serves `credentials()` at a random path on 127.0.0.1, to the page's origin only. */
async function credentialsProvider(credentials, pageOrigin) {
  const route = `/credentials/${randomBytes(16).toString("hex")}`;
  const server = createServer(async (req, res) => {
    const cors = { "access-control-allow-origin": pageOrigin, vary: "origin", "cache-control": "no-store" };
    if (req.method === "OPTIONS") return res.writeHead(204, { ...cors, "access-control-allow-methods": "GET" }).end();
    if (req.url !== route || req.headers.origin !== pageOrigin) return res.writeHead(404, cors).end();
    try {
      const body = JSON.stringify(await credentials());
      res.writeHead(200, { ...cors, "content-type": "application/json" }).end(body);
    } catch (e) {
      res.writeHead(502, { ...cors, "content-type": "text/plain" }).end(String(e.message));
    }
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}${route}`,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}

/**
 * Runs the flows; `say` gets one line per flow. Resolves to { passed, failed, cleanup }, never
 * rejecting for a failed flow (each is reported), and always cleans up under its prefix.
 */
export async function runLive(config, say = () => {}) {
  const prefix = `oss-resumable-live/${new Date().toISOString().replace(/[:.]/g, "-")}-${randomBytes(4).toString("hex")}/`;
  const tmp = mkdtempSync(path.join(tmpdir(), "oss-live-"));
  const oss = ossClient({ endpoint: config.endpoint, bucket: config.bucket, pathStyle: config.pathStyle, credentials: config.credentials });
  const web = await serveStatic({
    mounts: { "/pkg/": path.join(root, "pkg"), "/pages/": path.join(root, "e2e", "pages"), "/files/": tmp },
    port: config.pagePort,
  });
  const provider = await credentialsProvider(config.credentials, web.url);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
  const context = await browser.newContext();
  let progress = () => {};
  await context.exposeFunction("onDriveProgress", (p) => progress(p));
  const keys = [];
  const outcome = { prefix, passed: [], failed: [], cleanup: null };

  const open = async (page) => {
    page = page || (await context.newPage());
    await page.goto(`${web.url}/pages/drive.html`);
    await page.waitForFunction(() => document.getElementById("out").dataset.state === "ready", null, { timeout: 30000 });
    return page;
  };
  /** A random file under /files/ with its CRC-64, and its key under the prefix. */
  const file = (name, size) => {
    const bytes = randomBytes(size);
    writeFileSync(path.join(tmp, name), bytes);
    const key = `${prefix}${name}`;
    keys.push(key);
    return { name, size, bytes, key, crc64: crc64(bytes).toString() };
  };
  const spec = (f, extra) => ({
    endpoint: config.endpoint,
    bucket: config.bucket,
    region: config.region,
    pathStyle: config.pathStyle,
    signatureVersion: "v4",
    checkpointStore: "oss-resumable-live",
    credentialsUrl: provider.url,
    credentialsMethod: "GET",
    fileUrl: `/files/${f.name}`,
    fileName: f.name,
    lastModified: Date.UTC(2026, 0, 1),
    key: f.key,
    ...extra,
  });
  const upload = async (page, s) => {
    const r = await page.evaluate((x) => window.drive.upload(x), s);
    if (!r.ok) throw new Error(`upload() rejected: ${r.error.name} ${r.error.code ?? ""} (HTTP ${r.error.status ?? "-"}, request ${r.error.requestId ?? "-"}): ${r.error.message}`);
    return r.result;
  };
  /** The object on the server: HEAD's size and CRC-64, and every byte read back. */
  const verify = async (f, result) => {
    if (result.size !== f.size || result.crc64 !== f.crc64) throw new Error(`upload() resolved with size ${result.size}, CRC-64 ${result.crc64}; the file has ${f.size}, ${f.crc64}`);
    const head = await oss.head(f.key);
    if (!head || head.size !== f.size || head.crc64 !== f.crc64) throw new Error(`HEAD says size ${head?.size}, x-oss-hash-crc64ecma ${head?.crc64}; expected ${f.size}, ${f.crc64}`);
    const back = await oss.get(f.key);
    if (!back || !back.equals(f.bytes)) throw new Error("the object read back differs from the file");
  };
  const flow = async (name, body) => {
    const t0 = Date.now();
    try {
      const detail = await body();
      outcome.passed.push(name);
      say(`live: ok    ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)${detail ? `: ${detail}` : ""}`);
    } catch (e) {
      outcome.failed.push({ name, message: e.message });
      say(`live: FAIL  ${name}: ${e.message}`);
    }
  };
  /** Starts an upload and reloads the page from outside once `parts` parts are done. */
  const reloadAfter = async (page, s, parts) => {
    let reached;
    const done = new Promise((resolve) => (reached = resolve));
    progress = (p) => p.partsDone >= parts && reached(true);
    const run = page.evaluate((x) => window.drive.upload(x), s).then((r) => ({ r }), () => ({ gone: true }));
    const first = await Promise.race([done, run]);
    progress = () => {};
    if (first !== true) return first.r;
    await page.reload();
    await open(page);
    return null;
  };

  try {
    const page = await open();
    await flow("V4 multipart upload, CRC-64 and bytes checked on the server", async () => {
      const f = file("multipart.bin", 3 * MIB + 12345);
      const result = await upload(page, spec(f, { partSize: MIB, parallel: 3 }));
      await verify(f, result);
      return `${f.size} bytes in 4 parts, CRC-64 ${f.crc64}`;
    });
    await flow("resume after a reload", async () => {
      const f = file("resume.bin", 16 * MIB + 777);
      const s = spec(f, { partSize: 256 * KIB, parallel: 2 });
      const early = await reloadAfter(page, s, 3);
      if (early) throw new Error("the upload ended before the reload (nothing to resume); the network is faster than this test assumes");
      const result = await upload(page, s);
      if (!result.resumed || result.partsReused < 3) throw new Error(`resumed ${result.resumed}, partsReused ${result.partsReused}: expected a resume reusing at least 3 parts`);
      await verify(f, result);
      return `${result.partsReused} of ${Math.ceil(f.size / (256 * KIB))} parts reused`;
    });
    if (config.callbackUrl) {
      await flow("upload callback", async () => {
        const f = file("callback.bin", 600 * KIB + 1);
        const callback = { url: config.callbackUrl, body: "bucket=${bucket}&object=${object}&size=${size}&crc64=${crc64}" };
        const result = await upload(page, spec(f, { partSize: 256 * KIB, parallel: 2, callback }));
        if (result.callback === undefined) throw new Error("upload() resolved without the callback server's answer (UploadResult.callback): does this package have the callback option?");
        await verify(f, result);
        return `the callback server answered ${JSON.stringify(result.callback).slice(0, 120)}`;
      });
    } else {
      say("live: skip  upload callback (set OSS_LIVE_CALLBACK_URL to a server OSS can reach)");
    }
    // An upload interrupted and never resumed, as users leave them: the cleanup must abort it.
    await flow("an upload left unfinished (for the cleanup to abort)", async () => {
      const f = file("left-unfinished.bin", 4 * MIB);
      const early = await reloadAfter(page, spec(f, { partSize: 256 * KIB, parallel: 1 }), 2);
      return early ? "it finished before the reload" : "reloaded after 2 parts";
    });
  } finally {
    await context.close().catch(() => {});
    await browser.close().catch(() => {});
    outcome.cleanup = await cleanUp(oss, prefix, keys).catch((e) => ({ error: e.message }));
    say(
      outcome.cleanup.error
        ? `live: FAIL  cleanup under ${prefix}: ${outcome.cleanup.error}`
        : `live: ok    cleanup under ${prefix}: ${outcome.cleanup.deleted} objects deleted, ${outcome.cleanup.aborted} unfinished uploads aborted, nothing left`,
    );
    await provider.close();
    await web.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  return outcome;
}

/** Deletes `keys`, aborts every multipart upload under `prefix`, then checks nothing is left. */
async function cleanUp(oss, prefix, keys) {
  for (const key of keys) await oss.del(key);
  const uploads = await oss.listUploads(prefix);
  for (const u of uploads) await oss.abort(u.key, u.uploadId);
  const left = await oss.listUploads(prefix);
  if (left.length) throw new Error(`${left.length} multipart uploads are still listed`);
  for (const key of keys) if (await oss.head(key)) throw new Error(`${key} still exists`);
  return { deleted: keys.length, aborted: uploads.length };
}
