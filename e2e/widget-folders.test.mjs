// Folders in <oss-uploader>: a dropped folder with nested directories is walked and each file's
// key is prefix + its path from the dropped folder; "Choose folder…" (<input webkitdirectory>)
// gives the same keys from webkitRelativePath. Every object's size and CRC-64 are checked on the
// server.
//
// A test cannot make the OS drag a folder, so the drop hands the element what Chromium's drop
// gives it: a DataTransfer item whose getAsFileSystemHandle() answers a real
// FileSystemDirectoryHandle — here a folder tree in the origin private file system — which the
// element walks as it walks a dropped folder.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { KIB, MIB, launch, startEnv, tempProfile, watchErrors, writeTestFile } from "./lib/harness.mjs";
import { events, openElementPage, rowState, serverAttributes, waitForRows, writeElementPage } from "./lib/element.mjs";

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

async function assertObjects(expected) {
  for (const [key, file] of Object.entries(expected)) {
    const info = await env.dev.objectInfo(env.config.bucket, key);
    assert.ok(info, `${key} is on the server`);
    assert.equal(info.size, file.size, `${key}: size`);
    assert.equal(info.crc64, file.crc64, `${key}: CRC-64`);
  }
}

test("a dropped folder with nested directories: keys carry the relative paths; bytes and CRC-64 identical", async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await openElementPage(page, writeElementPage(env, "drop-folder", { ...serverAttributes(env), prefix: "in/", "part-size": "256KiB" }));
  // photos/a.bin, photos/2026/b.bin, photos/2026/march/c.bin (c spans several parts).
  const tree = {
    "photos/a.bin": writeTestFile(env.tmp, "drop-a.bin", 100 * KIB + 1),
    "photos/2026/b.bin": writeTestFile(env.tmp, "drop-b.bin", 10),
    "photos/2026/march/c.bin": writeTestFile(env.tmp, "drop-c.bin", MIB + 513),
  };
  await page.evaluate(async (tree) => {
    const opfs = await navigator.storage.getDirectory();
    for (const [rel, served] of Object.entries(tree)) {
      const parts = rel.split("/");
      let dir = opfs;
      for (const name of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(name, { create: true });
      const handle = await dir.getFileHandle(parts.at(-1), { create: true });
      await (await fetch(`/files/${served}`)).body.pipeTo(await handle.createWritable());
    }
    const folder = await opfs.getDirectoryHandle("photos");
    const item = { kind: "file", getAsFileSystemHandle: async () => folder, webkitGetAsEntry: () => null, getAsFile: () => null };
    const dataTransfer = { types: ["Files"], items: [item], dropEffect: "none" };
    const el = document.querySelector("oss-uploader");
    for (const type of ["dragenter", "dragover", "drop"]) {
      const e = new Event(type, { bubbles: true, cancelable: true });
      Object.defineProperty(e, "dataTransfer", { value: dataTransfer });
      el.dispatchEvent(e);
    }
  }, Object.fromEntries(Object.entries(tree).map(([rel, f]) => [rel, f.name])));

  const keys = Object.keys(tree).map((rel) => `in/${rel}`);
  await waitForRows(page, keys, ["done", "failed"]);
  for (const key of keys) assert.equal((await rowState(page, key)).state, "done", (await rowState(page, key)).text);
  await assertObjects(Object.fromEntries(Object.entries(tree).map(([rel, f]) => [`in/${rel}`, f])));
  const started = (await events(page, "oss-upload-start")).map((e) => e.detail.key).sort();
  assert.deepEqual(started, [...keys].sort(), "one upload per file, under its relative path");
  const log = await env.dev.requests();
  assert.ok(!log.some((r) => r.key === "in/photos" || r.key === "in/photos/"), "no object for the folder itself");
  assert.deepEqual(errors, []);
  await page.close();
});

test("Choose folder… (webkitdirectory): keys are prefix + the path inside the chosen folder", async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await openElementPage(page, writeElementPage(env, "pick-folder", { ...serverAttributes(env), prefix: "picked/" }));
  const dir = path.join(env.tmp, "album");
  mkdirSync(path.join(dir, "day-1", "raw"), { recursive: true });
  const files = {
    "album/cover.bin": writeTestFile(dir, "cover.bin", 2 * KIB),
    "album/day-1/x.bin": writeTestFile(path.join(dir, "day-1"), "x.bin", 300 * KIB + 7),
    "album/day-1/raw/y.bin": writeTestFile(path.join(dir, "day-1", "raw"), "y.bin", 5),
  };
  await page.setInputFiles("#folder-input", dir);
  const keys = Object.keys(files).map((rel) => `picked/${rel}`);
  await waitForRows(page, keys, ["done", "failed"]);
  for (const key of keys) assert.equal((await rowState(page, key)).state, "done");
  await assertObjects(Object.fromEntries(Object.entries(files).map(([rel, f]) => [`picked/${rel}`, f])));
  assert.deepEqual(errors, []);
  await page.close();
});
