// <oss-uploader>: the upload widget as a custom element, built only on the package's public API
// (Uploader: upload, pending, discard, resume). Files and folders are dropped or picked,
// restricted, queued `files-at-once` at a time and shown as rows with progress, speed, time left
// and Pause/Resume/Cancel; the "Resumable uploads" list (pending.js) offers what a reload or a
// closed browser left behind. A file picked or dropped as a FileSystemFileHandle is uploaded as
// one, so the library keeps the handle beside its checkpoint and `resume(id)` needs no picking.
// Configuration comes from attributes (config.js) and properties, texts from strings.js; every
// change a page may care about is a bubbling, composed event.
import { Uploader } from "../index.js";
import { readConfig, CONFIG_ATTRIBUTES } from "./config.js";
import { fill, builtIn, languageOf } from "./strings.js";
import { formatter, percentOf } from "./format.js";
import { accepts, fromInput, readDrop } from "./files.js";
import { PendingList, sameUpload } from "./pending.js";
import { css } from "./styles.js";

const ACTIVE = ["queued", "uploading", "completing"];
const ICON = '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M12 3l-5 5h3v6h4V8h3l-5-5zM5 17v3h14v-3h2v5H3v-5h2z"/></svg>';
const ROW = `<div class="line"><span class="name" part="name" data-field="name"></span><span class="size" data-field="size"></span></div>
<div class="bar" part="bar" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="0"><div class="fill" part="bar-fill" data-field="bar"></div></div>
<div class="line"><span class="facts"><span class="badge" part="state" data-field="state"></span><span class="percent" data-field="percent"></span><span class="meta" data-field="speed"></span><span class="meta" data-field="eta"></span></span>
<span class="buttons"><button class="btn" part="button" type="button" data-action="pause"></button><button class="btn primary" part="button" type="button" data-action="resume"></button><button class="btn danger" part="button" type="button" data-action="cancel"></button><button class="btn link" part="button" type="button" data-action="remove"></button></span></div>
<p class="note" part="note" data-field="note" hidden></p>`;

let nextRowId = 1;

export class OssUploader extends HTMLElement {
  static observedAttributes = [...CONFIG_ATTRIBUTES, "accept", "lang", "picker"];

  #credentials = null;
  #uploadOptions = {};
  #keyFor = null;
  #strings = {};
  #uploader = null;
  #uploaderError = null;
  #started = false;
  #batch = [];
  #picking = null;
  #dragDepth = 0;
  rows = [];

  constructor() {
    super();
    const root = this.attachShadow({ mode: "open" });
    root.innerHTML = `<style>${css}</style><div id="root">
<button class="zone" part="dropzone" id="pick-files" type="button">${ICON}<span class="zone-title" id="drop-title"></span><span class="zone-hint" id="drop-hint"></span></button>
<input id="file-input" class="sr" type="file" multiple tabindex="-1" aria-hidden="true">
<input id="folder-input" class="sr" type="file" multiple webkitdirectory tabindex="-1" aria-hidden="true">
<div class="under"><button class="btn link" part="button" id="pick-folder" type="button"></button><p class="status" part="status" id="status"></p></div>
<section id="uploads" aria-labelledby="uploads-title" hidden><div class="head"><h2 id="uploads-title"></h2><span class="buttons">
<button class="btn" part="button" type="button" id="pause-all"></button><button class="btn" part="button" type="button" id="resume-all"></button><button class="btn link" part="button" type="button" id="clear-finished"></button></span></div>
<ul class="list" part="list" id="upload-list"></ul></section>
<section id="resumable" part="pending" aria-labelledby="pending-title" hidden><h2 id="pending-title"></h2><p class="hint" id="pending-hint"></p>
<ul class="list" part="list" id="pending-list" data-loaded="false"></ul><p class="note error" id="pending-message" role="alert" hidden></p></section>
<div class="sr" role="status" aria-live="polite" id="announcer"></div></div>`;
    this.$ = (id) => root.getElementById(id);
    this.pendingList = new PendingList(this);
    this.$("pick-files").addEventListener("click", () => this.#pickFiles());
    this.$("pick-folder").addEventListener("click", () => this.#openInput(this.$("folder-input"), null));
    this.$("file-input").addEventListener("change", () => this.#inputChanged(this.$("file-input")));
    this.$("folder-input").addEventListener("change", () => this.#inputChanged(this.$("folder-input")));
    this.$("file-input").addEventListener("cancel", () => (this.#picking = null));
    this.$("pause-all").addEventListener("click", () => this.pauseAll());
    this.$("resume-all").addEventListener("click", () => this.resumeAll());
    this.$("clear-finished").addEventListener("click", () => {
      for (const row of this.rows.filter((r) => r.state === "done" || r.state === "refused")) this.#removeRow(row);
    });
    this.addEventListener("dragenter", (e) => this.#drag(e, 1));
    this.addEventListener("dragleave", (e) => this.#drag(e, -1));
    this.addEventListener("dragover", (e) => {
      if (!isFileDrag(e)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = "copy";
    });
    this.addEventListener("drop", (e) => this.#drop(e));
  }

  connectedCallback() {
    this.#renderTexts();
    if (this.#started) return;
    this.#started = true;
    this.#start();
  }

  attributeChangedCallback(name, before, after) {
    if (before === after) return;
    if (name === "lang") return this.#renderTexts();
    if (name === "accept") return void this.$("file-input").setAttribute("accept", after || "");
    if (CONFIG_ATTRIBUTES.includes(name)) this.#configChanged();
  }

  // ---- Properties for what attributes cannot carry.

  /** Credentials object or async provider, as `Uploader` takes them; else `sts-url` is POSTed. */
  get credentials() {
    return this.#credentials;
  }
  set credentials(v) {
    this.#credentials = v || null;
    this.#configChanged();
  }
  /** Passed to every `upload()` (headers, meta, contentType, forbidOverwrite, …). */
  get uploadOptions() {
    return this.#uploadOptions;
  }
  set uploadOptions(v) {
    this.#uploadOptions = v || {};
  }
  /** `(file, relativePath) => key`; default `prefix + relativePath`. */
  get keyFor() {
    return this.#keyFor;
  }
  set keyFor(fn) {
    this.#keyFor = typeof fn === "function" ? fn : null;
  }
  /** Overrides of any text of the current language (strings.js names them). */
  get strings() {
    return this.#strings;
  }
  set strings(v) {
    this.#strings = v || {};
    this.#renderTexts();
  }

  /** The language shown: the `lang` attribute, else the browser's. */
  get language() {
    return languageOf(this.getAttribute("lang") || navigator.language);
  }
  /** `text(id, values)`: a string of the current language with its placeholders filled. */
  text(id, values) {
    return fill(this.#strings[id] ?? builtIn[this.language][id] ?? id, values);
  }
  get format() {
    const lang = this.language;
    if (this._format?.lang !== lang) this._format = { lang, f: formatter(lang) };
    return this._format.f;
  }
  get config() {
    return readConfig(this);
  }

  // ---- Public methods (also what tests and pages script).

  /** Adds `File`s (or `{ file, relativePath, handle }`) to the queue. */
  addFiles(files) {
    const entries = [...files].map((f) => (f instanceof Blob ? { file: f, relativePath: f.name, handle: null } : f));
    for (const entry of entries) this.#addEntry(entry);
    if (entries.length > 1) this.announce(this.text("announceAdded", { count: entries.length }));
  }
  /** Adds FileSystemFileHandles: their files are queued and the handles kept for a resume. */
  async addFileHandles(handles) {
    for (const handle of handles) {
      if (handle?.kind === "file") this.#addEntry({ file: await handle.getFile(), relativePath: handle.name, handle });
    }
  }
  pauseAll() {
    for (const row of this.rows.filter((r) => r.state === "uploading" || r.state === "queued")) this.#pauseRow(row);
  }
  resumeAll() {
    for (const row of this.rows.filter((r) => r.state === "paused" || r.state === "failed")) this.#resumeRow(row);
  }
  /** Reads `pending()` again and redraws the "Resumable uploads" list. */
  refreshPending() {
    return this.pendingList.refresh();
  }

  // ---- Set-up.

  async #start() {
    await this.refreshPending();
    this.#status(this.uploader ? "" : this.#uploaderError);
    this.setAttribute("data-ready", "true");
  }

  /** The Uploader for the current configuration (made on first use), or null with a reason. */
  get uploader() {
    if (this.#uploader) return this.#uploader;
    const c = this.config;
    const credentials = this.#credentials || (c.stsUrl ? () => fetchSts(this, c.stsUrl) : null);
    if (!c.endpoint || !c.bucket || !credentials) {
      this.#uploaderError = this.text("notConfigured");
      return null;
    }
    try {
      this.#uploader = makeUploader({ ...c.uploader, credentials });
      this.#uploaderError = null;
    } catch (e) {
      this.#uploaderError = this.text("setupError", { message: e?.message || e });
    }
    return this.#uploader;
  }

  #configChanged() {
    // Running rows keep the Uploader they started with; new ones get the new configuration.
    this.#uploader = null;
    if (!this.#started || this._configQueued) return;
    this._configQueued = true;
    queueMicrotask(() => {
      this._configQueued = false;
      this.#status(this.uploader ? "" : this.#uploaderError);
      this.refreshPending();
    });
  }

  #renderTexts() {
    const t = (id) => this.text(id);
    this.$("root").lang = this.language;
    this.$("drop-title").textContent = t("dropTitle");
    this.$("drop-hint").textContent = t("dropHint");
    this.$("pick-folder").textContent = t("chooseFolder");
    this.$("uploads-title").textContent = t("uploads");
    this.$("pause-all").textContent = t("pauseAll");
    this.$("resume-all").textContent = t("resumeAll");
    this.$("clear-finished").textContent = t("clearFinished");
    this.$("pending-title").textContent = t("pendingTitle");
    this.$("pending-hint").textContent = t("pendingHint");
    this.$("file-input").setAttribute("aria-label", t("dropTitle"));
    this.$("folder-input").setAttribute("aria-label", t("chooseFolder"));
    for (const row of this.rows) this.#setState(row, row.state);
    this.pendingList.render();
  }

  #status(text) {
    this.$("status").textContent = text || "";
  }

  /** Tells screen readers what happened (a polite live region). */
  announce(text) {
    this.$("announcer").textContent = text;
  }

  event(name, detail) {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  // ---- Picking and dropping.

  async #pickFiles() {
    if (typeof window.showOpenFilePicker !== "function" || this.getAttribute("picker") === "input") {
      return this.#openInput(this.$("file-input"), null);
    }
    let handles;
    try {
      handles = await window.showOpenFilePicker({ multiple: true, id: "oss-resumable" });
    } catch {
      return; // Closed without choosing.
    }
    await this.addFileHandles(handles);
  }

  /** Opens a file input; `forPending` is the entry a Resume… click is picking its file for. */
  #openInput(input, forPending) {
    this.#picking = forPending;
    input.click();
  }
  pickFileFor(entry) {
    this.#openInput(this.$("file-input"), entry);
  }

  #inputChanged(input) {
    const files = [...input.files];
    input.value = "";
    const entry = this.#picking;
    this.#picking = null;
    if (entry && files.length) {
      if (this.pendingList.matches(files[0], entry)) this.resumeEntry(files[0], null, entry);
      return;
    }
    this.addFiles(fromInput(files));
  }

  #drag(e, step) {
    if (step > 0 && !isFileDrag(e)) return;
    this.#dragDepth = Math.max(0, this.#dragDepth + step);
    this.toggleAttribute("dragging", this.#dragDepth > 0);
  }

  async #drop(e) {
    if (!isFileDrag(e)) return;
    e.preventDefault();
    this.#dragDepth = 0;
    this.removeAttribute("dragging");
    this.addFiles(await readDrop(e.dataTransfer));
  }

  // ---- Rows and the queue.

  /** Queues `file` again for the pending upload `entry` (its key is kept). */
  resumeEntry(file, handle, entry) {
    return this.#addEntry({ file, relativePath: file.name, handle }, entry);
  }

  /** Resumes `entry` from the file handle the library keeps with it. Started at once, not
   *  queued: reading the handle may need a permission prompt, which only a click can show. */
  resumeStored(entry) {
    const file = { name: entry.fileName, size: entry.fileSize, lastModified: entry.lastModified };
    const row = this.#addEntry({ file, relativePath: entry.key, handle: null }, entry, entry.id);
    if (row?.state === "queued" && !row.running) this.#startRow(row);
  }

  #addEntry({ file, relativePath, handle }, resumeFrom = null, resumeId = null) {
    const c = this.config;
    let key = resumeFrom?.key;
    let refusal = null;
    if (!key) {
      try {
        key = this.#keyFor ? this.#keyFor(file, relativePath) : c.prefix + relativePath;
        if (typeof key !== "string" || !key) throw new Error(`keyFor returned ${JSON.stringify(key)}`);
      } catch (e) {
        key = undefined;
        refusal = { code: "InvalidArgument", message: e.message };
      }
    }
    refusal ??= this.#restrict(file, c);
    const uploader = refusal ? null : this.uploader;
    if (!refusal && !uploader) refusal = { code: "NotConfigured", message: this.#uploaderError };
    const identity = { bucket: c.bucket, key, fileName: file.name, fileSize: file.size, lastModified: file.lastModified };
    const existing = !refusal && this.rows.find((r) => r.uploader && sameUpload(r.identity, identity));
    if (existing && existing.state !== "done" && existing.state !== "failed") {
      if (existing.state === "paused") this.#resumeRow(existing);
      return existing;
    }
    if (existing) this.#removeRow(existing);

    const el = document.createElement("li");
    el.className = "row";
    el.setAttribute("part", "row");
    el.dataset.upload = "";
    el.innerHTML = ROW;
    const row = { id: `u${nextRowId++}`, el, file, key, identity, handle, resumeId, uploader, state: "queued", percent: 0 };
    el.dataset.id = row.id;
    el.dataset.fileName = file.name;
    if (key) el.dataset.key = key;
    this.#field(row, "name").textContent = key || relativePath;
    this.#field(row, "name").title = key ? `${c.bucket}/${key}` : relativePath;
    this.#field(row, "size").textContent = this.format.bytes(file.size);
    for (const action of ["pause", "resume", "cancel", "remove"]) {
      el.querySelector(`[data-action="${action}"]`).addEventListener("click", () => this.#rowAction(row, action));
    }
    this.rows.push(row);
    this.$("upload-list").append(el);
    this.$("uploads").hidden = false;

    if (refusal) {
      const error = Object.assign(new Error(refusal.message), { name: "RestrictionError", code: refusal.code });
      el.dataset.errorCode = refusal.code;
      this.#setState(row, "refused");
      this.#note(row, refusal.message, "error");
      this.event("oss-upload-error", { key: key ?? null, file, error });
      return row;
    }
    const pending = resumeFrom || this.pendingList.entries.find((p) => sameUpload(p, identity));
    if (pending) {
      row.percent = percentOf(pending.bytesDone, pending.fileSize);
      this.#note(row, this.text("resuming", { size: this.format.bytes(pending.bytesDone) }));
    }
    this.#setState(row, "queued");
    this.pendingList.render();
    this.#pump();
    return row;
  }

  /** The restriction `file` breaks (max-file-size, max-files, accept), or null. */
  #restrict(file, c) {
    if (c.maxFileSize && file.size > c.maxFileSize) {
      return { code: "FileTooLarge", message: this.text("tooLarge", { max: this.format.bytes(c.maxFileSize) }) };
    }
    const counted = this.rows.filter((r) => r.state !== "refused").length;
    if (c.maxFiles && counted >= c.maxFiles) {
      return { code: "TooManyFiles", message: this.text("tooMany", { max: c.maxFiles }) };
    }
    if (!accepts(c.accept, file)) return { code: "FileTypeNotAccepted", message: this.text("wrongType", { accept: c.accept }) };
    return null;
  }

  #rowAction(row, action) {
    if (action === "pause") this.#pauseRow(row);
    else if (action === "resume") this.#resumeRow(row);
    else if (action === "cancel") this.#cancelRow(row);
    else this.#removeRow(row);
  }

  #field(row, name) {
    return row.el.querySelector(`[data-field="${name}"]`);
  }

  #note(row, text, kind = "") {
    const note = this.#field(row, "note");
    note.hidden = !text;
    note.textContent = text || "";
    note.className = `note ${kind}`.trim();
  }

  #setState(row, next) {
    const focused = this.shadowRoot.activeElement;
    row.state = next;
    row.el.dataset.state = next;
    const badge = this.#field(row, "state");
    badge.textContent = this.text(next);
    badge.className = `badge ${next}`;
    const button = (a) => row.el.querySelector(`[data-action="${a}"]`);
    const label = (a, text) => {
      button(a).textContent = text;
      button(a).setAttribute("aria-label", this.text("actionLabel", { action: text, name: row.file.name }));
    };
    label("pause", this.text("pause"));
    label("resume", this.text(next === "failed" ? "retry" : "resume"));
    label("cancel", this.text("cancel"));
    label("remove", this.text("remove"));
    button("pause").hidden = !(next === "uploading" || next === "queued");
    button("resume").hidden = !(next === "paused" || next === "failed");
    button("cancel").hidden = !["queued", "uploading", "paused", "failed"].includes(next);
    button("remove").hidden = !(next === "done" || next === "refused");
    for (const b of row.el.querySelectorAll("button")) b.disabled = next === "cancelling";
    if (!ACTIVE.includes(next)) {
      this.#field(row, "speed").textContent = "";
      this.#field(row, "eta").textContent = "";
    }
    this.#renderPercent(row);
    // A button that disappears under the keyboard's focus hands it to its row's next button.
    if (focused && row.el.contains(focused) && (focused.hidden || focused.disabled)) {
      const other = [...row.el.querySelectorAll("button")].find((b) => !b.hidden && !b.disabled);
      (other || this.$("pick-files")).focus();
    }
    this.#updateHead();
  }

  #renderPercent(row) {
    const percent = this.format.percent(row.percent);
    this.#field(row, "percent").textContent = row.state === "refused" ? "" : percent;
    this.#field(row, "bar").style.width = `${row.percent}%`;
    const bar = row.el.querySelector('[role="progressbar"]');
    bar.setAttribute("aria-valuenow", String(row.percent));
    bar.setAttribute("aria-label", this.text("progressLabel", { name: row.file.name, percent }));
    row.el.dataset.percent = String(row.percent);
  }

  #updateHead() {
    this.$("pause-all").hidden = !this.rows.some((r) => r.state === "uploading" || r.state === "queued");
    this.$("resume-all").hidden = !this.rows.some((r) => r.state === "paused" || r.state === "failed");
    this.$("clear-finished").hidden = !this.rows.some((r) => r.state === "done" || r.state === "refused");
  }

  #pump() {
    let free = this.config.filesAtOnce - this.rows.filter((r) => r.running).length;
    for (const row of this.rows) {
      if (free <= 0) break;
      if (row.state === "queued" && !row.running) {
        this.#startRow(row);
        free -= 1;
      }
    }
    if (this.#batch.length && !this.rows.some((r) => ACTIVE.includes(r.state) || r.running)) {
      const results = this.#batch;
      this.#batch = [];
      const failed = results.filter((r) => r.error).length;
      this.announce(this.text("announceAllDone", { done: results.length - failed, failed }));
      this.event("oss-queue-complete", { results });
    }
  }

  #startRow(row) {
    const controller = new AbortController();
    row.controller = controller;
    this.#setState(row, "uploading");
    delete row.el.dataset.errorCode;
    requestPersistentStorage();
    const extra = this.#uploadOptions;
    this.event("oss-upload-start", { file: row.resumeId ? null : row.file, key: row.key, id: row.id });
    const options = {
      ...extra,
      contentType: extra.contentType ?? (row.file.type || undefined),
      signal: controller.signal,
      onProgress: (p) => {
        this.#progress(row, p);
        extra.onProgress?.(p);
      },
    };
    // A handle is uploaded as a handle, so the library stores it beside the checkpoint.
    const started = row.resumeId
      ? row.uploader.resume(row.resumeId, options)
      : row.uploader.upload(row.handle || row.file, row.key, options);
    row.running = started
      .then(
        (result) => this.#finished(row, result),
        (error) => this.#stopped(row, error),
      )
      .finally(() => {
        row.running = null;
        row.controller = null;
        this.#pump();
      });
  }

  #progress(row, p) {
    if (row.state !== "uploading" && row.state !== "completing") return;
    if (p.phase === "completing" && row.state !== "completing") this.#setState(row, "completing");
    // The bar only moves forward, whatever a retried part does to `loaded`.
    const percent = percentOf(p.loaded, p.total);
    if (percent > row.percent || p.phase === "done") {
      row.percent = Math.max(row.percent, percent);
      this.#renderPercent(row);
    }
    const speed = this.#field(row, "speed");
    const eta = this.#field(row, "eta");
    if (p.phase === "uploading") {
      speed.textContent = this.format.speed(p.bytesPerSecond);
      const left = p.bytesPerSecond > 0 ? (p.total - p.loaded) / p.bytesPerSecond : NaN;
      eta.textContent = Number.isFinite(left) ? this.text("timeLeft", { time: this.format.duration(left) }) : "";
      row.el.dataset.partsDone = String(p.partsDone);
      row.el.dataset.partsTotal = String(p.partsTotal);
    } else {
      speed.textContent = p.phase === "preparing" ? this.text("checking") : "";
      eta.textContent = p.phase === "completing" ? this.text("assembling") : "";
    }
    this.event("oss-upload-progress", { key: row.key, loaded: p.loaded, total: p.total, bytesPerSecond: p.bytesPerSecond });
  }

  #finished(row, result) {
    row.percent = 100;
    row.result = result;
    Object.assign(row.el.dataset, {
      verified: "true",
      crc64: result.crc64,
      resumed: String(result.resumed),
      partsReused: String(result.partsReused),
    });
    this.#setState(row, "done");
    const note = this.#field(row, "note");
    note.hidden = false;
    note.className = "note";
    const mark = document.createElement("span");
    mark.className = "ok";
    mark.textContent = this.text("verified");
    mark.title = this.text("verifiedTitle", { crc: result.crc64 });
    const reused = result.resumed ? ` · ${this.text("reused", { count: result.partsReused })}` : "";
    note.replaceChildren(mark, ` · ${result.bucket}/${result.key}${reused}`);
    this.announce(this.text("announceDone", { name: row.file.name }));
    this.#batch.push({ file: row.file, key: row.key, result });
    this.event("oss-upload-complete", { key: row.key, result });
    this.refreshPending();
  }

  #stopped(row, error) {
    if (error?.name === "AbortError") {
      if (row.state !== "cancelling") {
        this.#setState(row, "paused");
        this.#note(row, this.text("pausedNote"));
      }
      this.refreshPending();
      return;
    }
    const code = error?.code || "Error";
    if (row.resumeId && (code === "FileUnreadable" || code === "FileChanged")) {
      // The kept handle does not give the file: the list asks for it instead.
      this.#removeRow(row, true);
      this.pendingList.refresh().then(() => this.pendingList.message(this.text("cannotReopen"), row.resumeId));
      return;
    }
    const message = code === "UploadInProgress" ? this.text("inProgressElsewhere") : error?.message || String(error);
    const status = error?.status ? `HTTP ${error.status}` : "";
    const suffix = message.includes(code) ? status : [code, status].filter(Boolean).join(", ");
    row.el.dataset.errorCode = code;
    this.#setState(row, "failed");
    this.#note(row, suffix ? this.text("errorNote", { message, code: suffix }) : message, "error");
    this.announce(this.text("announceFailed", { name: row.file.name, message }));
    this.#batch.push({ file: row.file, key: row.key, error });
    this.event("oss-upload-error", { key: row.key, file: row.file, error });
    this.refreshPending();
  }

  #pauseRow(row) {
    if (row.state === "queued") {
      this.#setState(row, "paused");
      return this.#pump();
    }
    row.controller?.abort();
  }

  #resumeRow(row) {
    if (row.running) return;
    this.#note(row, "");
    this.#setState(row, "queued");
    this.#pump();
  }

  /** Cancel = stop, abort the multipart upload on the server, forget the checkpoint. */
  async #cancelRow(row) {
    const running = row.running;
    this.#setState(row, "cancelling");
    row.controller?.abort();
    if (running) await running;
    try {
      const listed = await row.uploader.pending();
      for (const p of listed.filter((p) => sameUpload(p, row.identity))) {
        await row.uploader.discard(p.id);
        this.pendingList.forget(p.id);
      }
      this.#removeRow(row);
      this.announce(this.text("announceCancelled", { name: row.file.name }));
    } catch (e) {
      this.#setState(row, "failed");
      this.#note(row, this.text("errorNote", { message: e.message, code: e.code || "Error" }), "error");
    }
    this.refreshPending();
  }

  #removeRow(row, force = false) {
    if (row.running && !force) return;
    const i = this.rows.indexOf(row);
    this.keepFocus(row.el, this.rows[i + 1]?.el || this.rows[i - 1]?.el);
    row.el.remove();
    this.rows.splice(i, 1);
    this.$("uploads").hidden = this.rows.length === 0;
    this.pendingList.render();
    this.#updateHead();
  }

  /** Before `el` disappears: if it holds the focus, the first button of `next` (or the drop zone) gets it. */
  keepFocus(el, next) {
    if (!el.contains(this.shadowRoot.activeElement)) return;
    const target = next && [...next.querySelectorAll("button")].find((b) => !b.hidden && !b.disabled);
    (target || this.$("pick-files")).focus();
  }
}

/** V4 signing needs the region, which the library derives from an OSS endpoint. For another
 *  endpoint (a local server, a custom domain) without a `region` attribute, the element signs
 *  with V1, which names no region (docs/protocol.md §2); set `region` to sign with V4. */
function makeUploader(options) {
  try {
    return new Uploader(options);
  } catch (e) {
    if (options.region || e?.code !== "InvalidArgument" || !/region/.test(e.message)) throw e;
    return new Uploader({ ...options, signatureVersion: "v1" });
  }
}

function isFileDrag(e) {
  return !!e.dataTransfer && [...e.dataTransfer.types].includes("Files");
}

/** The `sts-url` provider: POST, answer as the STS API gives it (the library reads either case). */
async function fetchSts(el, url) {
  let res;
  try {
    res = await fetch(url, { method: "POST" });
  } catch (e) {
    throw new Error(el.text("stsUnreachable", { message: e.message }));
  }
  if (!res.ok) throw new Error(el.text("stsStatus", { status: res.status }));
  return res.json();
}

let persistAsked = false;
function requestPersistentStorage() {
  if (persistAsked || !navigator.storage?.persist) return;
  persistAsked = true;
  navigator.storage.persist().catch(() => {});
}
