// The upload widget: pick or drop files, watch them upload, pause, resume, cancel; after a
// reload, resume from the "Resumable uploads" list (one click when the browser kept the file's
// handle, otherwise by picking the same file again). Plain DOM, no framework.
//
// Automation hook (used by e2e/, also handy from the console): `window.ossWidget` —
// `addFiles(files)`, `addFileHandles(handles)`, `refreshPending()`.
import { Uploader, version } from "oss-resumable";
import { formatBytes, formatDate, formatDuration, formatSpeed, formatWhen, percentOf } from "./format.js";
import { deleteHandle, handleKey, loadHandles, saveHandle } from "./handles.js";

const $ = (id) => document.getElementById(id);
const SETTINGS_KEY = "oss-resumable-widget:settings";
const MIB = 1024 * 1024;
/** Files uploaded at the same time; each one already sends `parallel` parts at once. */
const FILES_AT_ONCE = 1;

// `?picker=input` forces the classic file input even where showOpenFilePicker exists.
const params = new URLSearchParams(location.search);
const canPickHandles = typeof window.showOpenFilePicker === "function" && params.get("picker") !== "input";

const state = {
  defaults: null,
  settings: null,
  uploader: null,
  /** Rows of the "Uploads" list, in display order. */
  rows: [],
  /** What pending() answered last, minus entries a row is uploading now. */
  pending: [],
  /** handleKey -> { handle, savedAt }, loaded once and kept in step with IndexedDB. */
  handles: new Map(),
  /** The pending entry a "Resume" click is picking a file for (input fallback). */
  pickingFor: null,
};

// ---------------------------------------------------------------------------------------------
// Settings: defaults from /config.json (what `make demo` serves), overrides in localStorage.

async function loadDefaults() {
  const builtIn = {
    endpoint: "http://127.0.0.1:9000",
    bucket: "demo",
    region: "cn-hangzhou",
    stsUrl: "http://127.0.0.1:9000/__dev/sts",
  };
  let config = {};
  try {
    const res = await fetch("config.json", { cache: "no-store" });
    if (res.ok) config = await res.json();
  } catch {
    // Served without a config.json: the built-in defaults are the dev server's.
  }
  const merged = { ...builtIn, ...config };
  return {
    endpoint: merged.endpoint,
    bucket: merged.bucket,
    region: merged.region || "",
    stsUrl: merged.stsUrl,
    partSize: merged.partSize || 8 * MIB,
    parallel: merged.parallel || 3,
    pathStyle: merged.pathStyle ?? !/\.aliyuncs\.com(?::\d+)?\/?$/.test(merged.endpoint),
  };
}

function readStoredSettings() {
  try {
    return JSON.parse(localStorage.getItem(SETTINGS_KEY) || "null");
  } catch {
    return null;
  }
}

function makeUploader(s) {
  return new Uploader({
    endpoint: s.endpoint,
    bucket: s.bucket,
    region: s.region || undefined,
    pathStyle: s.pathStyle,
    partSize: s.partSize,
    parallel: s.parallel,
    // Credentials are never typed into the page: they come from the STS token service.
    credentials: () => fetchStsCredentials(s.stsUrl),
  });
}

async function fetchStsCredentials(url) {
  let res;
  try {
    res = await fetch(url, { method: "POST" });
  } catch (e) {
    throw new Error(`the STS token URL ${url} cannot be reached (${e.message})`);
  }
  if (!res.ok) throw new Error(`the STS token URL ${url} answered ${res.status}`);
  return res.json();
}

function fillSettingsForm(s) {
  $("setting-endpoint").value = s.endpoint;
  $("setting-bucket").value = s.bucket;
  $("setting-region").value = s.region || "";
  $("setting-part-size").value = String(Math.round((s.partSize / MIB) * 100) / 100);
  $("setting-parallel").value = String(s.parallel);
  $("setting-sts-url").value = s.stsUrl;
  $("setting-path-style").checked = !!s.pathStyle;
  $("settings-summary").textContent = `${s.bucket} at ${s.endpoint.replace(/^https?:\/\//, "")}`;
}

function settingsFromForm() {
  return {
    endpoint: $("setting-endpoint").value.trim(),
    bucket: $("setting-bucket").value.trim(),
    region: $("setting-region").value.trim(),
    partSize: Math.round(Number($("setting-part-size").value) * MIB),
    parallel: Math.round(Number($("setting-parallel").value)),
    stsUrl: $("setting-sts-url").value.trim(),
    pathStyle: $("setting-path-style").checked,
  };
}

/** Makes `s` current if the library accepts it; returns an error message otherwise. */
function applySettings(s) {
  if (!s.stsUrl) return "The STS token URL is needed: credentials come from it.";
  try {
    state.uploader = makeUploader(s);
  } catch (e) {
    return e && e.message ? e.message : String(e);
  }
  state.settings = s;
  fillSettingsForm(s);
  return null;
}

function setupSettingsForm() {
  const form = $("settings-form");
  const error = $("settings-error");
  const saved = $("settings-saved");
  const show = (message) => {
    error.hidden = !message;
    error.textContent = message || "";
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    saved.textContent = "";
    const s = settingsFromForm();
    const message = applySettings(s);
    show(message);
    if (message) return;
    localStorage.setItem(SETTINGS_KEY, JSON.stringify(s));
    saved.textContent = "Saved. New uploads use these settings.";
    await refreshPending();
  });
  $("settings-reset").addEventListener("click", async () => {
    localStorage.removeItem(SETTINGS_KEY);
    show(applySettings(state.defaults));
    saved.textContent = "Back to the defaults.";
    await refreshPending();
  });
}

// ---------------------------------------------------------------------------------------------
// Upload rows.

const STATE_LABELS = {
  queued: "Queued",
  uploading: "Uploading",
  paused: "Paused",
  completing: "Completing",
  done: "Done",
  failed: "Failed",
};

function keyFor(file) {
  return file.name;
}

function identityOf(file, bucket, key) {
  return { bucket, key, fileName: file.name, fileSize: file.size, lastModified: file.lastModified };
}

function sameUpload(a, b) {
  return (
    a.bucket === b.bucket &&
    a.key === b.key &&
    a.fileName === b.fileName &&
    a.fileSize === b.fileSize &&
    a.lastModified === b.lastModified
  );
}

/** Adds a row for `file` and queues it. `resumeFrom` is the pending entry it continues (its key
 *  is kept, whatever the file's name would give). */
function addFile(file, handle = null, resumeFrom = null) {
  if (!state.uploader) return;
  const bucket = state.settings.bucket;
  const key = resumeFrom ? resumeFrom.key : keyFor(file);
  const identity = identityOf(file, bucket, key);
  const existing = state.rows.find((r) => sameUpload(r.identity, identity));
  if (existing && ["queued", "uploading", "completing", "paused"].includes(existing.state)) {
    if (existing.state === "paused") resumeRow(existing);
    existing.el.scrollIntoView({ block: "nearest" });
    return existing;
  }
  if (existing) removeRow(existing);

  const pendingMatch = resumeFrom || state.pending.find((p) => sameUpload(p, identity));
  const el = $("upload-row").content.firstElementChild.cloneNode(true);
  const row = {
    el,
    file,
    key,
    identity,
    handle,
    uploader: state.uploader,
    state: "queued",
    percent: 0,
    controller: null,
    running: null,
    resumable: !!pendingMatch,
  };
  el.dataset.key = key;
  el.dataset.fileName = file.name;
  field(row, "name").textContent = file.name;
  field(row, "name").title = `${bucket}/${key}`;
  field(row, "size").textContent = formatBytes(file.size);
  for (const [action, label] of [["pause", "Pause"], ["cancel", "Cancel"], ["remove", "Remove"]]) {
    el.querySelector(`[data-action="${action}"]`).setAttribute("aria-label", `${label} ${file.name}`);
  }
  el.querySelector('[data-action="pause"]').addEventListener("click", () => pauseRow(row));
  el.querySelector('[data-action="resume"]').addEventListener("click", () => resumeRow(row));
  el.querySelector('[data-action="cancel"]').addEventListener("click", () => cancelRow(row));
  el.querySelector('[data-action="remove"]').addEventListener("click", () => removeRow(row));
  state.rows.push(row);
  $("upload-list").append(el);
  $("uploads").hidden = false;

  if (pendingMatch) {
    row.percent = percentOf(pendingMatch.bytesDone, pendingMatch.fileSize);
    setNote(row, `Resuming: ${formatBytes(pendingMatch.bytesDone)} were already uploaded.`);
  }
  if (handle) saveHandle(handleKey(identity), handle).then(() => state.handles.set(handleKey(identity), { handle }));
  setState(row, "queued");
  renderPending();
  pump();
  return row;
}

function field(row, name) {
  return row.el.querySelector(`[data-field="${name}"]`);
}

function setNote(row, text, kind = "") {
  const note = field(row, "note");
  note.hidden = !text;
  note.textContent = text || "";
  note.className = `note ${kind}`.trim();
}

function setState(row, next) {
  row.state = next;
  const el = row.el;
  el.dataset.state = next;
  const badge = field(row, "state");
  badge.textContent = STATE_LABELS[next];
  badge.className = `badge ${next}`;
  const active = next === "uploading" || next === "completing" || next === "queued";
  el.querySelector('[data-action="pause"]').hidden = !(next === "uploading" || next === "queued");
  el.querySelector('[data-action="resume"]').hidden = !(next === "paused" || next === "failed");
  const resumeLabel = next === "failed" ? "Retry" : "Resume";
  el.querySelector('[data-action="resume"]').textContent = resumeLabel;
  el.querySelector('[data-action="resume"]').setAttribute("aria-label", `${resumeLabel} ${row.file.name}`);
  el.querySelector('[data-action="cancel"]').hidden = next === "done" || next === "completing";
  el.querySelector('[data-action="remove"]').hidden = next !== "done";
  if (!active) {
    field(row, "speed").textContent = "";
    field(row, "eta").textContent = "";
  }
  renderPercent(row);
  updateSummary();
}

function renderPercent(row) {
  field(row, "percent").textContent = `${row.percent} %`;
  field(row, "bar").style.width = `${row.percent}%`;
  const bar = row.el.querySelector('[role="progressbar"]');
  bar.setAttribute("aria-valuenow", String(row.percent));
  bar.setAttribute("aria-label", `${row.file.name}: ${row.percent} %`);
  row.el.dataset.percent = String(row.percent);
}

function onProgress(row, p) {
  if (row.state !== "uploading" && row.state !== "completing") return;
  if (p.phase === "completing" && row.state !== "completing") setState(row, "completing");
  // The bar only moves forward, whatever a retried part does to `loaded`.
  const percent = percentOf(p.loaded, p.total);
  if (percent > row.percent || p.phase === "done") {
    row.percent = Math.max(row.percent, percent);
    renderPercent(row);
  }
  if (p.phase === "uploading") {
    field(row, "speed").textContent = formatSpeed(p.bytesPerSecond);
    const left = p.bytesPerSecond > 0 ? (p.total - p.loaded) / p.bytesPerSecond : NaN;
    field(row, "eta").textContent = Number.isFinite(left) ? `${formatDuration(left)} left` : "";
    row.el.dataset.partsDone = String(p.partsDone);
    row.el.dataset.partsTotal = String(p.partsTotal);
  } else if (p.phase === "preparing") {
    field(row, "speed").textContent = "checking the file…";
  } else if (p.phase === "offline") {
    // The package waits for the network instead of spending its retries (retry.offlineWaitMs).
    field(row, "speed").textContent = "offline, waiting for the network…";
    field(row, "eta").textContent = "";
  } else {
    field(row, "speed").textContent = "";
    field(row, "eta").textContent = p.phase === "completing" ? "asking OSS to assemble the parts…" : "";
  }
  updateSummary();
}

function pump() {
  const running = state.rows.filter((r) => r.running).length;
  let free = FILES_AT_ONCE - running;
  for (const row of state.rows) {
    if (free <= 0) break;
    if (row.state === "queued" && !row.running) {
      startRow(row);
      free -= 1;
    }
  }
}

function startRow(row) {
  const controller = new AbortController();
  row.controller = controller;
  setState(row, "uploading");
  if (!row.resumable) setNote(row, "");
  delete row.el.dataset.errorCode;
  requestPersistentStorage();
  row.running = row.uploader
    .upload(row.file, row.key, {
      signal: controller.signal,
      onProgress: (p) => onProgress(row, p),
      contentType: row.file.type || undefined,
    })
    .then(
      (result) => finished(row, result),
      (error) => stopped(row, error),
    )
    .finally(() => {
      row.running = null;
      row.controller = null;
      pump();
    });
}

function finished(row, result) {
  row.percent = 100;
  row.result = result;
  row.el.dataset.verified = "true";
  row.el.dataset.crc64 = result.crc64;
  row.el.dataset.resumed = String(result.resumed);
  row.el.dataset.partsReused = String(result.partsReused);
  setState(row, "done");
  const note = field(row, "note");
  note.hidden = false;
  note.className = "note ok";
  note.replaceChildren();
  const mark = document.createElement("span");
  mark.className = "verified";
  mark.dataset.verified = "";
  mark.textContent = "✓ CRC-64 verified";
  mark.title = `CRC-64 ${result.crc64}, checked for every part and for the whole object`;
  note.append(mark);
  const reused = result.resumed
    ? ` · resumed, ${result.partsReused} part${result.partsReused === 1 ? "" : "s"} reused`
    : "";
  note.append(` · ${result.bucket}/${result.key}${reused}`);
  announce(`${row.file.name} uploaded and verified.`);
  forgetHandle(row.identity);
  refreshPending();
}

function stopped(row, error) {
  if (error && error.name === "AbortError") {
    if (row.state !== "cancelling") {
      setState(row, "paused");
      setNote(row, "Paused. The parts already sent stay on the server; Resume continues from them.");
    }
    refreshPending();
    return;
  }
  const code = (error && error.code) || "Error";
  const message = (error && error.message) || String(error);
  row.el.dataset.errorCode = code;
  setState(row, "failed");
  const explain =
    code === "UploadInProgress"
      ? "This file is already uploading in another tab or window."
      : message;
  const status = error && error.status ? `HTTP ${error.status}` : "";
  const suffix = explain.includes(code) ? status : [code, status].filter(Boolean).join(", ");
  setNote(row, suffix ? `${explain} (${suffix})` : explain, "error");
  row.el.querySelector('[data-field="note"]').dataset.errorCode = code;
  announce(`${row.file.name} failed: ${explain}`);
  refreshPending();
}

function pauseRow(row) {
  if (row.state === "queued") {
    setState(row, "paused");
    setNote(row, "Paused before it started.");
    return;
  }
  if (row.controller) row.controller.abort();
}

function resumeRow(row) {
  if (row.running) return;
  row.resumable = true;
  setNote(row, "");
  setState(row, "queued");
  pump();
}

/** Cancel = stop, abort the multipart upload on the server, forget the checkpoint. */
async function cancelRow(row) {
  const wasRunning = row.running;
  setState(row, "paused");
  row.state = "cancelling";
  row.el.dataset.state = "cancelling";
  field(row, "state").textContent = "Cancelling";
  row.el.querySelectorAll("button").forEach((b) => (b.disabled = true));
  if (row.controller) row.controller.abort();
  if (wasRunning) await wasRunning;
  try {
    const listed = await row.uploader.pending();
    for (const p of listed.filter((p) => sameUpload(p, row.identity))) await row.uploader.discard(p.id);
    forgetHandle(row.identity);
    removeRow(row);
    announce(`${row.file.name} cancelled.`);
  } catch (e) {
    row.el.querySelectorAll("button").forEach((b) => (b.disabled = false));
    setState(row, "failed");
    setNote(row, `Could not cancel: ${e.message} (${e.code || "Error"})`, "error");
  }
  refreshPending();
}

/** Where keyboard focus goes when the element holding it disappears. */
function keepFocus(el) {
  if (el.contains(document.activeElement)) $("pick-files").focus();
}

function removeRow(row) {
  if (row.running) return;
  keepFocus(row.el);
  row.el.remove();
  state.rows = state.rows.filter((r) => r !== row);
  $("uploads").hidden = state.rows.length === 0;
  renderPending();
  updateSummary();
}

function updateSummary() {
  const active = state.rows.filter((r) => ["uploading", "completing", "queued"].includes(r.state));
  $("clear-finished").hidden = !state.rows.some((r) => r.state === "done");
  if (!active.length) {
    document.title = "Upload to OSS";
    return;
  }
  const total = active.reduce((n, r) => n + r.file.size, 0);
  const done = active.reduce((n, r) => n + (r.file.size * r.percent) / 100, 0);
  document.title = `${percentOf(done, total)} % · Upload to OSS`;
}

// ---------------------------------------------------------------------------------------------
// Resumable uploads: what pending() reports, matched to rows and to stored file handles.

async function refreshPending() {
  if (!state.uploader) return;
  try {
    state.pendingAll = await state.uploader.pending();
  } catch (e) {
    state.pendingAll = [];
    showPendingMessage(`Cannot read the saved uploads: ${e.message}`);
  }
  renderPending();
  $("pending-list").dataset.loaded = "true";
}

function renderPending() {
  const all = state.pendingAll || [];
  // An entry a row is working on (or has just finished) is shown by that row.
  state.pending = all.filter(
    (p) => !state.rows.some((r) => sameUpload(r.identity, p) && r.state !== "cancelling"),
  );
  const list = $("pending-list");
  const keep = new Set(state.pending.map((p) => p.id));
  for (const li of [...list.children]) {
    if (keep.has(li.dataset.pendingId)) continue;
    keepFocus(li);
    li.remove();
  }
  state.pending.forEach((p, index) => {
    let li = list.querySelector(`[data-pending-id="${CSS.escape(p.id)}"]`);
    if (!li) {
      li = $("pending-row").content.firstElementChild.cloneNode(true);
      li.dataset.pendingId = p.id;
      li.querySelector('[data-action="resume-pending"]').addEventListener("click", () => resumePending(li.dataset.pendingId));
      li.querySelector('[data-action="discard-pending"]').addEventListener("click", () => discardPending(li.dataset.pendingId));
    }
    const percent = percentOf(p.bytesDone, p.fileSize);
    const hasHandle = state.handles.has(handleKey(p));
    li.dataset.key = p.key;
    li.dataset.fileName = p.fileName;
    li.dataset.hasHandle = String(hasHandle);
    li.querySelector('[data-field="name"]').textContent = p.fileName;
    li.querySelector('[data-field="name"]').title = `${p.bucket}/${p.key}`;
    li.querySelector('[data-field="size"]').textContent = formatBytes(p.fileSize);
    li.querySelector('[data-field="bar"]').style.width = `${percent}%`;
    const bar = li.querySelector('[role="progressbar"]');
    bar.setAttribute("aria-valuenow", String(percent));
    bar.setAttribute("aria-label", `${p.fileName}: ${percent} % uploaded`);
    li.querySelector('[data-field="percent"]').textContent = `${percent} % uploaded`;
    li.querySelector('[data-field="where"]').textContent = p.key === p.fileName ? p.bucket : `${p.bucket}/${p.key}`;
    li.querySelector('[data-field="when"]').textContent = `stopped ${formatWhen(p.updatedAt)}`;
    li.querySelector('[data-field="when"]').title = `started ${formatDate(Date.parse(p.createdAt))}`;
    const resume = li.querySelector('[data-action="resume-pending"]');
    const elsewhere = p.bucket !== state.settings.bucket;
    resume.disabled = elsewhere;
    resume.textContent = hasHandle ? "Resume" : "Resume…";
    resume.title = elsewhere
      ? `This upload goes to bucket ${p.bucket}: switch the settings to it to resume`
      : hasHandle
        ? "Continue uploading this file"
        : `Pick ${p.fileName} again to continue (the browser does not keep access to files between visits)`;
    resume.setAttribute("aria-label", `${hasHandle ? "Resume" : "Pick the file again and resume"} ${p.fileName}`);
    li.querySelector('[data-action="discard-pending"]').setAttribute("aria-label", `Discard ${p.fileName}`);
    if (list.children[index] !== li) list.insertBefore(li, list.children[index] || null);
  });
  $("pending-empty").hidden = state.pending.length > 0 || !("pendingAll" in state);
  $("pending-hint").hidden = state.pending.length === 0;
}

function showPendingMessage(text, entryId) {
  const target = entryId && $("pending-list").querySelector(`[data-pending-id="${CSS.escape(entryId)}"] [data-field="note"]`);
  const el = target || $("pending-message");
  el.hidden = !text;
  el.textContent = text || "";
  if (target) target.className = "note error";
}

async function resumePending(id) {
  const p = state.pending.find((e) => e.id === id);
  if (!p) return;
  showPendingMessage("", id);
  const stored = state.handles.get(handleKey(p));
  if (stored) {
    try {
      const permission = await readPermission(stored.handle);
      if (permission !== "granted") {
        showPendingMessage(
          permission === "unsupported"
            ? "This browser cannot reopen the saved file. Pick it again to resume."
            : "The browser did not allow reading the file. Pick it again to resume.",
          id,
        );
        forgetHandle(p);
        return;
      }
      const file = await stored.handle.getFile();
      if (!matchesEntry(file, p, id)) return;
      addFile(file, stored.handle, p);
    } catch (e) {
      showPendingMessage(`The saved file cannot be read any more (${e.message}). Pick it again to resume.`, id);
      forgetHandle(p);
    }
    return;
  }
  if (canPickHandles) {
    let handle;
    try {
      [handle] = await window.showOpenFilePicker({ multiple: false, id: "oss-resumable" });
    } catch {
      return; // The person closed the picker.
    }
    const file = await handle.getFile();
    if (matchesEntry(file, p, id)) addFile(file, handle, p);
    return;
  }
  state.pickingFor = p;
  $("file-input").click();
}

// Asked straight from the click, so the browser may show its permission prompt. Only Chromium's
// handles have requestPermission/queryPermission (File System Access,
// https://wicg.github.io/file-system-access/); where neither exists (Firefox, Safari) the handle is
// not trusted to read after a reload, and the person is asked to pick the file again.
async function readPermission(handle) {
  if (typeof handle.requestPermission === "function") return handle.requestPermission({ mode: "read" });
  if (typeof handle.queryPermission === "function") return handle.queryPermission({ mode: "read" });
  return "unsupported";
}

function matchesEntry(file, p, id) {
  if (file.name === p.fileName && file.size === p.fileSize && file.lastModified === p.lastModified) return true;
  const why =
    file.size !== p.fileSize
      ? `it is ${formatBytes(file.size)}, the upload was ${formatBytes(p.fileSize)}`
      : file.name !== p.fileName
        ? `it is called ${file.name}`
        : `it was modified ${formatDate(file.lastModified)}, after the upload started`;
  showPendingMessage(`That is not the file this upload was started with: ${why}. Pick ${p.fileName} (${formatBytes(p.fileSize)}, modified ${formatDate(p.lastModified)}).`, id);
  return false;
}

async function discardPending(id) {
  const li = $("pending-list").querySelector(`[data-pending-id="${CSS.escape(id)}"]`);
  const p = state.pending.find((e) => e.id === id);
  if (li) li.querySelectorAll("button").forEach((b) => (b.disabled = true));
  try {
    await state.uploader.discard(id);
    if (p) forgetHandle(p);
    announce(`${p ? p.fileName : "The upload"} was discarded.`);
  } catch (e) {
    if (li) li.querySelectorAll("button").forEach((b) => (b.disabled = false));
    showPendingMessage(`Could not discard: ${e.message} (${e.code || "Error"})`, id);
    return;
  }
  await refreshPending();
}

function forgetHandle(identity) {
  const key = handleKey(identity);
  state.handles.delete(key);
  deleteHandle(key);
}

/** Drops stored handles no pending upload needs any more (older than a day, so a tab that is
 *  just starting an upload keeps its own). */
async function pruneHandles() {
  const day = 24 * 3600 * 1000;
  const wanted = new Set((state.pendingAll || []).map(handleKey));
  for (const [key, value] of state.handles) {
    if (!wanted.has(key) && Date.now() - (value.savedAt || 0) > day) {
      state.handles.delete(key);
      deleteHandle(key);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Picking and dropping files.

async function addFileHandles(handles) {
  for (const handle of handles) {
    if (!handle || handle.kind !== "file") continue;
    addFile(await handle.getFile(), handle);
  }
}

function addFiles(files) {
  for (const file of files) addFile(file);
}

function setupPicking() {
  const input = $("file-input");
  $("pick-files").addEventListener("click", async () => {
    if (!canPickHandles) {
      state.pickingFor = null;
      input.click();
      return;
    }
    let handles;
    try {
      handles = await window.showOpenFilePicker({ multiple: true, id: "oss-resumable" });
    } catch {
      return; // Closed without choosing.
    }
    await addFileHandles(handles);
  });
  input.addEventListener("change", () => {
    const files = [...input.files];
    input.value = "";
    const p = state.pickingFor;
    state.pickingFor = null;
    if (p && files.length) {
      const [file] = files;
      if (matchesEntry(file, p, p.id)) addFile(file, null, p);
      return;
    }
    addFiles(files);
  });
  input.addEventListener("cancel", () => (state.pickingFor = null));

  let depth = 0;
  const zone = $("drop-zone");
  const isFileDrag = (e) => e.dataTransfer && [...e.dataTransfer.types].includes("Files");
  document.addEventListener("dragenter", (e) => {
    if (!isFileDrag(e)) return;
    depth += 1;
    document.body.classList.add("dragging");
    zone.classList.add("over");
  });
  document.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (!depth) {
      document.body.classList.remove("dragging");
      zone.classList.remove("over");
    }
  });
  document.addEventListener("dragover", (e) => {
    if (!isFileDrag(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "copy";
  });
  document.addEventListener("drop", async (e) => {
    if (!isFileDrag(e)) return;
    e.preventDefault();
    depth = 0;
    document.body.classList.remove("dragging");
    zone.classList.remove("over");
    if (!state.uploader) return;
    const items = [...e.dataTransfer.items].filter((i) => i.kind === "file");
    // Chromium can give a handle for a dropped file; ask for all of them during the event.
    const handlePromises = items.map((i) =>
      typeof i.getAsFileSystemHandle === "function" ? i.getAsFileSystemHandle().catch(() => null) : Promise.resolve(null),
    );
    const files = items.map((i) => i.getAsFile());
    const handles = await Promise.all(handlePromises);
    files.forEach((file, i) => {
      if (!file) return;
      const handle = handles[i] && handles[i].kind === "file" ? handles[i] : null;
      addFile(file, handle);
    });
  });
}

// ---------------------------------------------------------------------------------------------

/** Tells screen readers what happened (a polite live region, not shown on screen). */
function announce(text) {
  $("announcer").textContent = text;
}

let persistAsked = false;
function requestPersistentStorage() {
  if (persistAsked || !navigator.storage || !navigator.storage.persist) return;
  persistAsked = true;
  navigator.storage.persist().catch(() => {});
}

async function main() {
  $("version").textContent = `oss-resumable ${version()} · WebAssembly`;
  state.defaults = await loadDefaults();
  const stored = readStoredSettings();
  let message = applySettings(stored ? { ...state.defaults, ...stored } : state.defaults);
  if (message && stored) message = applySettings(state.defaults);
  setupSettingsForm();
  setupPicking();
  $("clear-finished").addEventListener("click", () => {
    for (const row of state.rows.filter((r) => r.state === "done")) removeRow(row);
  });
  state.handles = await loadHandles();
  await refreshPending();
  pruneHandles();
  const status = $("status");
  if (message) {
    status.textContent = `Check the settings: ${message}`;
    $("settings").open = true;
  } else {
    status.textContent = canPickHandles
      ? "Ready. Files chosen or dropped here resume with one click after a reload."
      : "Ready. Files go to the bucket under their own names.";
    $("pick-files").disabled = false;
  }
  status.dataset.loaded = "true";
  document.body.dataset.ready = "true";
}

window.ossWidget = {
  addFiles,
  addFileHandles,
  refreshPending,
  get settings() {
    return state.settings;
  },
};

main().catch((e) => {
  const status = $("status");
  status.textContent = `The uploader could not start: ${e.message || e}`;
  status.dataset.loaded = "error";
});
