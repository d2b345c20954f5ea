// Upload callbacks end to end (docs/protocol.md §10.1): the package in a plain module page
// (Chromium through Playwright) uploads with a `callback` whose URL is a callback server run here,
// in node, on a loopback port; oss-devserver performs the callback. The test checks what an
// application's server would: the exact substituted body, and the RSA-MD5 signature verified with
// node's crypto against the public key at the Base64 URL in `x-oss-pub-key-url`. Then a callback
// server that answers 500: the upload rejects with `CallbackFailed` and the stored object's
// key, ETag and CRC-64, and the object is on the server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { verify } from "node:crypto";
import { KIB, launch, startEnv, tempProfile, watchErrors, writeTestFile } from "./lib/harness.mjs";

let env;
let browser;
let receiver;
const received = [];

before(async () => {
  env = await startEnv();
  browser = await launch(tempProfile());
  receiver = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      received.push({ url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      if (req.url.startsWith("/fail")) {
        res.writeHead(500).end("no");
      } else {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, n: received.length }));
      }
    });
  });
  await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve));
});
after(async () => {
  await new Promise((resolve) => receiver?.close(resolve));
  await browser?.close();
  await env?.close();
});

/** Uploads `/files/<name>` from the plain page with `options`; the result, or the error's fields. */
async function uploadInPage(page, file, key, options) {
  return page.evaluate(
    async ({ fileUrl, key, options }) => {
      const { Uploader } = await import("oss-resumable");
      const config = await (await fetch("/config.json")).json();
      const uploader = new Uploader({
        endpoint: config.endpoint,
        bucket: config.bucket,
        region: config.region,
        pathStyle: true,
        partSize: 100 * 1024,
        checkpointStore: null,
        credentials: async () => (await fetch(config.stsUrl, { method: "POST" })).json(),
      });
      const blob = await (await fetch(fileUrl)).blob();
      try {
        return { ok: await uploader.upload(blob, key, options) };
      } catch (e) {
        return { err: { name: e.name, code: e.code, status: e.status, key: e.key, etag: e.etag, crc64: e.crc64 } };
      }
    },
    { fileUrl: `/files/${file.name}`, key, options },
  );
}

/** What an application's callback handler checks: the signature over path + query + body. */
async function verifySignature(got) {
  const keyUrl = Buffer.from(got.headers["x-oss-pub-key-url"], "base64").toString("utf8");
  assert.equal(keyUrl, `${env.devserver.url}/__dev/callback-public-key`);
  const pem = await (await fetch(keyUrl)).text();
  const [path, query] = got.url.split("?");
  const message = `${decodeURIComponent(path)}${query === undefined ? "" : `?${query}`}\n${got.body}`;
  const signature = Buffer.from(got.headers.authorization, "base64");
  assert.ok(verify("md5", Buffer.from(message), pem, signature), "the callback's RSA-MD5 signature verifies");
  assert.ok(!verify("md5", Buffer.from(`${message} `), pem, signature), "and only over that body");
}

test("a multipart upload calls back, signed, with the substituted body; the answer is returned", async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(`${env.url}/pages/plain.html`);
  await page.waitForSelector('#out[data-state="ready"]');
  const file = writeTestFile(env.tmp, "callback.bin", 3 * 100 * KIB + 17);
  const key = "e2e/callback ok.bin";
  const base = `http://127.0.0.1:${receiver.address().port}`;
  const { ok, err } = await uploadInPage(page, file, key, {
    callback: {
      url: `${base}/oss%20cb?from=e2e`,
      body: '{"object":${object},"size":${size},"crc64":${crc64},"user":${x:user}}',
      contentType: "application/json",
      customValues: { user: "ann" },
    },
  });
  assert.equal(err, undefined, JSON.stringify(err));
  assert.deepEqual(ok.callback, { ok: true, n: 1 });
  assert.equal(ok.crc64, file.crc64);
  const info = await env.dev.objectInfo(env.config.bucket, key);
  assert.equal(info.size, file.size);
  assert.equal(info.crc64, file.crc64);
  assert.equal(received.length, 1);
  const got = received[0];
  assert.equal(got.url, "/oss%20cb?from=e2e");
  assert.equal(got.body, `{"object":"${key}","size":${file.size},"crc64":"${file.crc64}","user":"ann"}`);
  assert.equal(got.headers["content-type"], "application/json");
  await verifySignature(got);
  const log = await env.dev.requests(key);
  assert.deepEqual(
    log.filter((r) => r.callback).map((r) => r.operation),
    ["CompleteMultipartUpload"],
    "the callback went on Complete only",
  );
  assert.deepEqual(errors, []);
  await page.close();
});

test("a callback server that fails: CallbackFailed with the stored object", async () => {
  const page = await browser.newPage();
  await page.goto(`${env.url}/pages/plain.html`);
  await page.waitForSelector('#out[data-state="ready"]');
  const file = writeTestFile(env.tmp, "callback-fail.bin", 2 * 100 * KIB + 3);
  const key = "e2e/callback-fail.bin";
  const { ok, err } = await uploadInPage(page, file, key, {
    callback: { url: `http://127.0.0.1:${receiver.address().port}/fail`, body: "k=${object}" },
  });
  assert.equal(ok, undefined);
  assert.equal(err.name, "OssError");
  assert.equal(err.code, "CallbackFailed");
  assert.equal(err.status, 203);
  assert.equal(err.key, key);
  assert.equal(err.crc64, file.crc64);
  const info = await env.dev.objectInfo(env.config.bucket, key);
  assert.equal(info.crc64, file.crc64, "stored all the same");
  assert.equal(err.etag, info.etag);
  assert.equal(received.at(-1).body, `k=${encodeURIComponent(key)}`);
  await page.close();
});
