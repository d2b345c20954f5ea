// The "Resumable uploads" list of <oss-uploader>: what `uploader.pending()` reports for the
// element's bucket, minus what a row is working on. Resume is one click where the library keeps
// a file handle with the upload (`resumeWith: "handle"`: `uploader.resume(id)`), otherwise the
// file is picked again and checked by name, size and date; Discard aborts the multipart upload
// and deletes the checkpoint.
import { percentOf } from "./format.js";

const ROW = `<div class="line"><span class="name" part="name" data-field="name"></span><span class="size" data-field="size"></span></div>
<div class="bar" part="bar" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="0"><div class="fill" part="bar-fill" data-field="bar"></div></div>
<div class="line"><span class="facts"><span class="percent" data-field="percent"></span><span class="meta" data-field="when"></span></span>
<span class="buttons"><button class="btn primary" part="button" type="button" data-action="resume-pending"></button><button class="btn danger" part="button" type="button" data-action="discard-pending"></button></span></div>
<p class="note error" part="note" data-field="note" hidden></p>`;

export function sameUpload(a, b) {
  return (
    a.bucket === b.bucket &&
    a.key === b.key &&
    a.fileName === b.fileName &&
    a.fileSize === b.fileSize &&
    a.lastModified === b.lastModified
  );
}

export class PendingList {
  /** @param {import("./element.js").OssUploader} el */
  constructor(el) {
    this.el = el;
    this.all = [];
    this.entries = [];
    this.generation = 0;
  }

  async refresh() {
    const uploader = this.el.uploader;
    const list = this.el.$("pending-list");
    const generation = ++this.generation;
    let all = [];
    let message = "";
    try {
      all = uploader ? await uploader.pending() : [];
    } catch (e) {
      message = this.el.text("cannotList", { message: e.message });
    }
    // Refreshes overlap (a cancel starts one when its upload stops and another once it has
    // discarded the checkpoint). An older answer that arrives late would list what was since
    // discarded, so only the newest refresh draws.
    if (generation !== this.generation) return;
    this.all = all;
    this.message(message);
    this.render();
    list.dataset.loaded = "true";
  }

  /** Drops an upload just discarded from what the list last read, so that a redraw before the
   *  next refresh (a row removed) does not bring it back. */
  forget(id) {
    this.all = this.all.filter((p) => p.id !== id);
  }

  message(text, entryId) {
    const list = this.el.$("pending-list");
    const target = entryId && list.querySelector(`[data-pending-id="${CSS.escape(entryId)}"] [data-field="note"]`);
    const el = target || this.el.$("pending-message");
    el.hidden = !text;
    el.textContent = text || "";
  }

  render() {
    const { el } = this;
    const bucket = el.config.bucket;
    // An upload with a row in the queue is not listed, whatever its state: a paused or failed row
    // resumes it, and a cancelling one is about to discard it (listing it then would show, for
    // a moment, a "resumable" upload the user has just cancelled).
    this.entries = this.all.filter(
      (p) => p.bucket === bucket && !el.rows.some((r) => r.uploader && sameUpload(r.identity, p)),
    );
    const list = el.$("pending-list");
    const keep = new Set(this.entries.map((p) => p.id));
    const gone = [...list.children].filter((li) => !keep.has(li.dataset.pendingId));
    for (const li of gone) {
      el.keepFocus(li, [...list.children].find((c) => keep.has(c.dataset.pendingId)));
      li.remove();
    }
    const t = (id, v) => el.text(id, v);
    const f = el.format;
    this.entries.forEach((p, index) => {
      let li = list.querySelector(`[data-pending-id="${CSS.escape(p.id)}"]`);
      if (!li) {
        li = document.createElement("li");
        li.className = "row";
        li.setAttribute("part", "row");
        li.dataset.pending = "";
        li.dataset.pendingId = p.id;
        li.innerHTML = ROW;
        li.querySelector('[data-action="resume-pending"]').addEventListener("click", () => this.resume(p.id));
        li.querySelector('[data-action="discard-pending"]').addEventListener("click", () => this.discard(p.id));
      }
      const percent = percentOf(p.bytesDone, p.fileSize);
      const hasHandle = p.resumeWith === "handle";
      const field = (name) => li.querySelector(`[data-field="${name}"]`);
      Object.assign(li.dataset, { key: p.key, fileName: p.fileName, hasHandle: String(hasHandle), percent: String(percent) });
      field("name").textContent = p.key;
      field("name").title = `${p.bucket}/${p.key}`;
      field("size").textContent = f.bytes(p.fileSize);
      field("bar").style.width = `${percent}%`;
      const uploaded = t("uploadedPercent", { percent: f.percent(percent) });
      const bar = li.querySelector('[role="progressbar"]');
      bar.setAttribute("aria-valuenow", String(percent));
      bar.setAttribute("aria-label", t("progressLabel", { name: p.fileName, percent: uploaded }));
      field("percent").textContent = uploaded;
      field("when").textContent = t("stoppedWhen", { when: f.when(p.updatedAt) });
      field("when").title = f.date(Date.parse(p.createdAt));
      const resume = li.querySelector('[data-action="resume-pending"]');
      resume.textContent = t(hasHandle ? "resume" : "resumePick");
      resume.title = hasHandle ? "" : t("pickAgain", { name: p.fileName });
      resume.setAttribute("aria-label", t("actionLabel", { action: resume.textContent, name: p.fileName }));
      const discard = li.querySelector('[data-action="discard-pending"]');
      discard.textContent = t("discard");
      discard.setAttribute("aria-label", t("actionLabel", { action: discard.textContent, name: p.fileName }));
      if (list.children[index] !== li) list.insertBefore(li, list.children[index] || null);
    });
    el.$("resumable").hidden = this.entries.length === 0 && el.$("pending-message").hidden;
  }

  resume(id) {
    const p = this.entries.find((e) => e.id === id);
    if (!p) return;
    this.message("", id);
    if (p.resumeWith === "handle") this.el.resumeStored(p);
    else this.el.pickFileFor(p);
  }

  /** Whether `file` is the one the pending upload `p` started with; says why not on its row. */
  matches(file, p) {
    if (file.name === p.fileName && file.size === p.fileSize && file.lastModified === p.lastModified) return true;
    const f = this.el.format;
    const why =
      file.size !== p.fileSize
        ? this.el.text("whySize", { size: f.bytes(file.size) })
        : file.name !== p.fileName
          ? this.el.text("whyName", { name: file.name })
          : this.el.text("whyDate", { date: f.date(file.lastModified) });
    const values = { why, name: p.fileName, size: f.bytes(p.fileSize), date: f.date(p.lastModified) };
    this.message(this.el.text("notSameFile", values), p.id);
    return false;
  }

  async discard(id) {
    const { el } = this;
    const li = el.$("pending-list").querySelector(`[data-pending-id="${CSS.escape(id)}"]`);
    const p = this.entries.find((e) => e.id === id);
    const buttons = li ? [...li.querySelectorAll("button")] : [];
    buttons.forEach((b) => (b.disabled = true));
    try {
      await el.uploader.discard(id);
      el.announce(el.text("announceDiscarded", { name: p ? p.fileName : id }));
    } catch (e) {
      buttons.forEach((b) => (b.disabled = false));
      this.message(el.text("errorNote", { message: e.message, code: e.code || "Error" }), id);
      return;
    }
    await this.refresh();
  }
}
