// <oss-uploader> as an app uses it: `import "oss-resumable/widget"` plus the element with
// endpoint, bucket, sts-url, path-style and prefix="in/" and nothing else set, in a plain
// <script type="module"> page with an import map and in a webpack 5 app that installed the
// package (node_modules/oss-resumable → pkg/, resolved through its `exports`). Each uploads to
// oss-devserver; the object's bytes (size, CRC-64) are checked on the server, and the five events
// with their details as the page received them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import webpack from "webpack";
import { MIB, launch, startEnv, tempProfile, watchErrors, writeTestFile } from "./lib/harness.mjs";
import { events, openElementPage, rowState, serverAttributes, waitForRows, writeElementPage } from "./lib/element.mjs";
import { root } from "../scripts/servers.mjs";

let env;
let browser;
before(async () => {
  env = await startEnv();
  browser = await launch(tempProfile());
});
after(async () => {
  await browser?.close();
  await env?.close();
});

async function assertObject(key, file) {
  const info = await env.dev.objectInfo(env.config.bucket, key);
  assert.ok(info, `${key} is on the server`);
  assert.equal(info.size, file.size, `${key}: size on the server`);
  assert.equal(info.crc64, file.crc64, `${key}: CRC-64 on the server`);
}

/** Chooses `file` in the element's file input, waits for its row to end, checks the events. */
async function uploadAndCheckEvents(page, file, key) {
  await page.setInputFiles("#file-input", file.path);
  await waitForRows(page, [key], ["done", "failed"]);
  const row = await rowState(page, key);
  assert.equal(row.state, "done", row.text);
  assert.equal(row.crc64, file.crc64);
  assert.match(row.text, /CRC-64 verified/);
  await assertObject(key, file);
  await page.waitForFunction(() => window.events.some((e) => e.type === "oss-queue-complete"));

  const all = await events(page);
  assert.ok(all.every((e) => e.bubbles && e.composed), "every event bubbles and leaves the shadow root");
  const [start] = all.filter((e) => e.type === "oss-upload-start");
  assert.deepEqual(start.detail.file, { name: file.name, size: file.size });
  assert.equal(start.detail.key, key);
  assert.equal(typeof start.detail.id, "string");
  const progress = all.filter((e) => e.type === "oss-upload-progress");
  assert.ok(progress.length >= 2, `progress events: ${progress.length}`);
  for (const p of progress) {
    assert.equal(p.detail.key, key);
    assert.equal(p.detail.total, file.size);
    assert.ok(p.detail.loaded >= 0 && p.detail.loaded <= file.size);
    assert.equal(typeof p.detail.bytesPerSecond, "number");
  }
  assert.equal(progress.at(-1).detail.loaded, file.size, "the last progress event says every byte is there");
  const complete = all.filter((e) => e.type === "oss-upload-complete");
  assert.equal(complete.length, 1);
  assert.equal(complete[0].detail.key, key);
  assert.equal(complete[0].detail.result.crc64, file.crc64);
  assert.equal(complete[0].detail.result.size, file.size);
  const queue = all.filter((e) => e.type === "oss-queue-complete");
  assert.equal(queue.length, 1);
  assert.deepEqual(queue[0].detail.results.map((r) => [r.key, r.result.crc64]), [[key, file.crc64]]);
  const order = all.map((e) => e.type).filter((t) => t !== "oss-upload-progress");
  assert.deepEqual(order, ["oss-upload-start", "oss-upload-complete", "oss-queue-complete"]);
}

test("plain module page with an import map: attributes only, prefix in/; the five events and their details", async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  const url = writeElementPage(env, "plain-element", { ...serverAttributes(env), prefix: "in/" });
  await openElementPage(page, url);
  const file = writeTestFile(env.tmp, "plain-element.bin", 9 * MIB + 77);
  await uploadAndCheckEvents(page, file, `in/${file.name}`);

  // A refused upload: oss-upload-error carries OSS's code, the row shows the message.
  await page.evaluate(() => (window.events.length = 0));
  await env.dev.faults({ operation: "InitiateMultipartUpload", count: 1, kind: "error", status: 403, code: "AccessDenied" });
  const refused = writeTestFile(env.tmp, "refused-element.bin", 300 * 1024);
  await page.setInputFiles("#file-input", refused.path);
  const key = `in/${refused.name}`;
  await waitForRows(page, [key], ["failed", "done"]);
  const row = await rowState(page, key);
  assert.equal(row.state, "failed");
  assert.equal(row.errorCode, "AccessDenied");
  assert.match(row.text, /AccessDenied/);
  await page.waitForFunction(() => window.events.some((e) => e.type === "oss-queue-complete"));
  const [error] = await events(page, "oss-upload-error");
  assert.equal(error.detail.key, key);
  assert.equal(error.detail.error.name, "OssError");
  assert.equal(error.detail.error.code, "AccessDenied");
  assert.equal(error.detail.error.status, 403);
  const [queue] = await events(page, "oss-queue-complete");
  assert.equal(queue.detail.results[0].error.code, "AccessDenied");
  assert.equal(await env.dev.objectInfo(env.config.bucket, key), null);
  assert.deepEqual(errors, []);
  await page.close();
});

test("webpack 5 app that installed the package: import \"oss-resumable/widget\" and the element", async () => {
  // The app: one entry line, the package in its node_modules, built by webpack 5 (production).
  const app = path.join(env.tmp, "webpack-app");
  mkdirSync(path.join(app, "node_modules"), { recursive: true });
  symlinkSync(path.join(root, "pkg"), path.join(app, "node_modules", "oss-resumable"), "dir");
  writeFileSync(path.join(app, "index.js"), 'import "oss-resumable/widget";\n');
  const stats = await new Promise((resolve, reject) =>
    webpack(
      {
        mode: "production",
        context: app,
        entry: "./index.js",
        output: { path: path.join(app, "dist"), filename: "main.js", publicPath: "auto" },
        resolve: { modules: [path.join(app, "node_modules")] },
        performance: { hints: false },
      },
      (err, s) => (err ? reject(err) : resolve(s)),
    ),
  );
  assert.ok(!stats.hasErrors(), stats.toString("errors-only"));
  const attrs = Object.entries({ ...serverAttributes(env), prefix: "in/" })
    .map(([k, v]) => (v === "" ? k : `${k}="${v}"`))
    .join(" ");
  writeFileSync(
    path.join(app, "dist", "index.html"),
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>webpack app</title><link rel="icon" href="data:,">
<script>window.events = []; for (const t of ["oss-upload-start","oss-upload-progress","oss-upload-complete","oss-upload-error","oss-queue-complete"])
document.addEventListener(t, (e) => window.events.push({ type: t, bubbles: e.bubbles, composed: e.composed,
  detail: JSON.parse(JSON.stringify(e.detail, (k, v) => v instanceof File ? { name: v.name, size: v.size } : v)) }));</script>
<script defer src="main.js"></script></head><body><main><oss-uploader ${attrs}></oss-uploader></main></body></html>`,
  );
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await openElementPage(page, `${env.url}/files/webpack-app/dist/index.html`);
  const file = writeTestFile(env.tmp, "webpack-element.bin", 9 * MIB + 3);
  await uploadAndCheckEvents(page, file, `in/${file.name}`);
  assert.deepEqual(errors, []);
  await page.close();
});
