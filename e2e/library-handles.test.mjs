// File handles in the library (issue 14), through the package's API in a plain module page:
// upload(FileSystemFileHandle, key) keeps the handle beside the checkpoint in IndexedDB (not in
// the checkpoint's JSON, and nothing secret), pending() says resumeWith "handle" (or "file" for an
// upload started from a File), and after a reload resume(id) continues from the parts on the
// server without the file being given again. It rejects with FileUnreadable when the handle no
// longer reads the file (the handle is then forgotten) or none is kept, and with FileChanged when
// the file is not the one the upload started with. The handles come from the origin private file
// system, which Chromium keeps readable across reloads (the pickers need a person).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { MIB, launch, startEnv, tempProfile, until, watchErrors, writeTestFile } from "./lib/harness.mjs";

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

/** Opens plain.html and defines `window.t`: an Uploader on the dev server and helpers. */
async function openPage(page) {
  await page.goto(`${env.url}/pages/plain.html`);
  await page.waitForSelector('#out[data-state="ready"]', { timeout: 20000 });
  await page.evaluate(async () => {
    const { Uploader } = await import("oss-resumable");
    const config = await (await fetch("/config.json")).json();
    const uploader = new Uploader({
      endpoint: config.endpoint,
      bucket: config.bucket,
      region: config.region,
      pathStyle: true,
      partSize: 1024 * 1024,
      parallel: 2,
      checkpointStore: "handles-test",
      credentials: async () => (await fetch(config.stsUrl, { method: "POST" })).json(),
    });
    /** A file of the origin private file system with the bytes of `/files/<name>`. */
    const opfsFile = async (name, served = name) => {
      const handle = await (await navigator.storage.getDirectory()).getFileHandle(name, { create: true });
      await (await fetch(`/files/${served}`)).body.pipeTo(await handle.createWritable());
      return handle;
    };
    const handleOf = async (name) => (await navigator.storage.getDirectory()).getFileHandle(name);
    /** The raw IndexedDB record of checkpoint `id`. */
    const record = (id) =>
      new Promise((resolve, reject) => {
        const req = indexedDB.open("handles-test");
        req.onsuccess = () => {
          const get = req.result.transaction("checkpoints").objectStore("checkpoints").get(id);
          get.onsuccess = () => resolve(get.result && { fields: Object.keys(get.result).sort(), checkpoint: get.result.checkpoint, handleKind: get.result.fileHandle?.kind, handleName: get.result.fileHandle?.name });
        };
        req.onerror = () => reject(req.error);
      });
    const failure = (p) => p.then(() => null, (e) => ({ name: e.name, code: e.code, message: e.message }));
    window.t = { uploader, opfsFile, handleOf, record, failure };
  });
}

test("upload(handle) keeps the handle beside the checkpoint; after a reload resume(id) finishes it", async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await openPage(page);
  const file = writeTestFile(env.tmp, "lib-handle.bin", 12 * MIB + 5);
  const key = "handles/lib-handle.bin";
  await env.dev.faults({ operation: "UploadPart", count: 0, kind: "delay", delayMs: 300 });
  // Not awaited: the page is reloaded under it.
  await page.evaluate(async ([name, key]) => {
    const handle = await window.t.opfsFile(name);
    window.t.uploader.upload(handle, key).catch(() => {});
  }, [file.name, key]);
  await until(async () => (await env.dev.requests(key)).filter((r) => r.operation === "UploadPart" && r.status === 200).length >= 4, {
    timeout: 60000,
    what: "4 parts on the server",
  });
  await page.reload();
  await env.dev.clearFaults();
  await openPage(page);

  const [pending] = await page.evaluate(() => window.t.uploader.pending());
  assert.equal(pending.key, key);
  assert.equal(pending.resumeWith, "handle");
  const record = await page.evaluate((id) => window.t.record(id), pending.id);
  assert.deepEqual(record.fields, ["checkpoint", "fileHandle"], "the handle is a field of its own");
  assert.equal(record.handleKind, "file");
  assert.equal(record.handleName, file.name);
  // The checkpoint is a stored object (src/store/write.rs); its JSON form shows every field.
  assert.equal(typeof record.checkpoint, "object");
  const checkpointText = JSON.stringify(record.checkpoint);
  assert.ok(!checkpointText.includes("fileHandle"), "the checkpoint does not name the handle");
  assert.ok(!/securityToken|accessKeySecret|Signature/i.test(checkpointText), "nothing secret in the record");

  const result = await page.evaluate((id) => window.t.uploader.resume(id), pending.id);
  assert.equal(result.key, key);
  assert.equal(result.resumed, true);
  assert.ok(result.partsReused >= 1, `parts reused: ${result.partsReused}`);
  assert.equal(result.crc64, file.crc64);
  const info = await env.dev.objectInfo(env.config.bucket, key);
  assert.equal(info?.size, file.size);
  assert.equal(info?.crc64, file.crc64);
  const log = await env.dev.requests(key);
  assert.equal(log.filter((r) => r.operation === "InitiateMultipartUpload").length, 1, "resumed, not restarted");
  assert.deepEqual(await page.evaluate(() => window.t.uploader.pending()), [], "nothing left to resume");
  assert.deepEqual(errors, []);
  await page.close();
});

test("resume(id) rejects: FileUnreadable when the file is gone (the handle is forgotten) or none is kept; FileChanged for another file", async () => {
  const page = await browser.newPage();
  await openPage(page);
  // Three interrupted uploads: an InitiateMultipartUpload then every part fails, so each leaves
  // a checkpoint (its first write is the upload id).
  await env.dev.faults({ operation: "UploadPart", count: 0, kind: "error", status: 403, code: "AccessDenied" });
  const gone = writeTestFile(env.tmp, "gone.bin", 3 * MIB);
  const changed = writeTestFile(env.tmp, "changed.bin", 3 * MIB);
  const plain = writeTestFile(env.tmp, "plain.bin", 3 * MIB);
  const codes = await page.evaluate(async ([gone, changed, plain]) => {
    const { uploader, opfsFile, failure } = window.t;
    const out = [];
    out.push(await failure(uploader.upload(await opfsFile(gone), "handles/gone.bin")));
    out.push(await failure(uploader.upload(await opfsFile(changed), "handles/changed.bin")));
    const blob = await (await fetch(`/files/${plain}`)).blob();
    out.push(await failure(uploader.upload(new File([blob], plain, { lastModified: 1767225600000 }), "handles/plain.bin")));
    return out.map((e) => e?.code);
  }, [gone.name, changed.name, plain.name]);
  assert.deepEqual(codes, ["AccessDenied", "AccessDenied", "AccessDenied"]);
  await env.dev.clearFaults();

  const byKey = async () => Object.fromEntries((await page.evaluate(() => window.t.uploader.pending())).map((p) => [p.key, p]));
  let pending = await byKey();
  assert.equal(pending["handles/gone.bin"].resumeWith, "handle");
  assert.equal(pending["handles/changed.bin"].resumeWith, "handle");
  assert.equal(pending["handles/plain.bin"].resumeWith, "file");

  // The file behind a handle is deleted: FileUnreadable, and the handle is forgotten.
  const goneError = await page.evaluate(async ([id, name]) => {
    await (await navigator.storage.getDirectory()).removeEntry(name);
    return window.t.failure(window.t.uploader.resume(id));
  }, [pending["handles/gone.bin"].id, gone.name]);
  assert.equal(goneError.name, "OssError");
  assert.equal(goneError.code, "FileUnreadable", goneError.message);
  assert.match(goneError.message, /NotFoundError/);
  // The file behind a handle was rewritten (other size): FileChanged; the handle stays.
  const changedError = await page.evaluate(async ([id, name]) => {
    const writable = await (await window.t.handleOf(name)).createWritable();
    await writable.write(new Uint8Array(10));
    await writable.close();
    return window.t.failure(window.t.uploader.resume(id));
  }, [pending["handles/changed.bin"].id, changed.name]);
  assert.equal(changedError.code, "FileChanged", changedError.message);
  // Started from a File: no handle to resume from.
  const plainError = await page.evaluate((id) => window.t.failure(window.t.uploader.resume(id)), pending["handles/plain.bin"].id);
  assert.equal(plainError.code, "FileUnreadable", plainError.message);
  // An unknown id.
  const unknown = await page.evaluate(() => window.t.failure(window.t.uploader.resume("cp-nope")));
  assert.equal(unknown.code, "InvalidArgument");

  pending = await byKey();
  assert.equal(pending["handles/gone.bin"].resumeWith, "file", "a handle whose file is gone is forgotten");
  assert.equal(pending["handles/changed.bin"].resumeWith, "handle");
  // None of these sent a request: nothing more than the three failed uploads reached the server.
  for (const key of ["handles/gone.bin", "handles/changed.bin", "handles/plain.bin"]) {
    const log = await env.dev.requests(key);
    assert.ok(!log.some((r) => r.operation === "ListParts"), `${key}: resume() stopped before asking the server`);
  }
  await page.close();
});
