// The shared shape of the "interrupted at about 40 %, then resumed" tests: start a 64 MiB upload
// through the widget with every UploadPart slowed down on the server (so the interruption lands
// mid-upload whatever the machine's speed), interrupt it, resume, and check the server's object
// and request log.
import assert from "node:assert/strict";
import { MIB, openWidget, setSettings, row, pendingRow, uploadPartBytes, waitForPercent, waitForState } from "./harness.mjs";

export const PART_MIB = 4;
export const PARALLEL = 2;
export const FILE_SIZE = 64 * MIB;

/** Slows every UploadPart down so that 64 MiB take a few seconds on any machine. */
export async function slowParts(env, delayMs = 250) {
  await env.dev.faults({ operation: "UploadPart", count: 0, kind: "delay", delayMs });
}

/** Opens the widget, sets 4 MiB parts × 2, chooses `file`, waits until ~40 % is uploaded. */
export async function startAndReachFortyPercent(page, env, file, query = "") {
  await openWidget(page, env.url, query);
  await setSettings(page, { partSizeMiB: PART_MIB, parallel: PARALLEL });
  await slowParts(env);
  await page.setInputFiles("#file-input", file.path);
  await waitForState(page, file.name, "uploading", 20000);
  await waitForPercent(page, file.name, 40, 60000);
  // The checkpoint must know about the parts the server confirmed (saved after each part).
  const percent = Number(await row(page, file.name).getAttribute("data-percent"));
  assert.ok(percent < 100, `interrupted mid-upload (at ${percent} %)`);
  return percent;
}

/** After the interruption: the "Resumable uploads" list shows the file at a sensible percent. */
export async function expectPendingEntry(page, file) {
  const entry = pendingRow(page, file.name);
  await entry.waitFor({ timeout: 20000 });
  const text = await entry.innerText();
  const percent = Number(await entry.getAttribute("data-percent"));
  assert.match(text, new RegExp(`${percent}\\s?% uploaded`), "the entry shows its percent");
  assert.ok(percent >= 20 && percent < 100, `the pending entry says ${percent} %: ${text}`);
  return entry;
}

/** Waits for done, then checks the row, the object on the server and the request log. */
export async function expectResumedAndVerified(page, env, file) {
  await waitForState(page, file.name, ["done", "failed"], 90000);
  const r = row(page, file.name);
  assert.equal(await r.getAttribute("data-state"), "done", await r.innerText());
  assert.equal(await r.getAttribute("data-verified"), "true");
  assert.equal(await r.getAttribute("data-resumed"), "true", "the upload was resumed, not restarted");
  assert.match(await r.innerText(), /CRC-64 verified/);
  const partsReused = Number(await r.getAttribute("data-parts-reused"));
  assert.ok(partsReused >= 5, `partsReused = ${partsReused}`);

  const info = await env.dev.objectInfo(env.config.bucket, file.name);
  assert.ok(info, "the object exists");
  assert.equal(info.size, file.size, "size on the server");
  assert.equal(info.crc64, file.crc64, "CRC-64 on the server (byte-identical)");

  const log = await env.dev.requests(file.name);
  const count = (op) => log.filter((l) => l.operation === op).length;
  assert.equal(count("InitiateMultipartUpload"), 1, "resuming did not start a new upload");
  assert.ok(count("ListParts") >= 1, "resuming asked the server which parts it has");
  assert.equal(log.filter((l) => l.operation === "CompleteMultipartUpload" && l.status === 200).length, 1);
  const sent = uploadPartBytes(log);
  const twice = sent - file.size;
  assert.ok(sent >= file.size, `the server received every byte (${sent})`);
  assert.ok(
    twice <= PARALLEL * PART_MIB * MIB,
    `${twice} bytes were sent twice; at most parallel × partSize = ${PARALLEL * PART_MIB * MIB}`,
  );
  // Nothing is left to resume.
  await page.waitForFunction(() => document.querySelector("oss-uploader").shadowRoot.querySelectorAll("li[data-pending]").length === 0);
  return { partsReused, twice };
}
