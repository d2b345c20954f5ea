// What a drop or a picker gives <oss-uploader>, as a flat list of `{ file, relativePath, handle }`:
// dropped folders are walked (File System Access handles where the browser offers them, so a
// file's handle can be kept for a one-click resume; `webkitGetAsEntry` otherwise), and a folder
// chosen with `<input webkitdirectory>` carries each file's `webkitRelativePath`. Also the
// `accept` rule, read as `<input accept>` reads it
// (https://html.spec.whatwg.org/multipage/input.html#attr-input-accept).

/** The entries of a DataTransfer, read during the drop event (its items die after it). */
export function readDrop(dataTransfer) {
  const items = [...dataTransfer.items].filter((i) => i.kind === "file");
  // Both calls must happen before the event handler returns; the promises resolve later.
  const jobs = items.map((item) => {
    const handle = typeof item.getAsFileSystemHandle === "function" ? item.getAsFileSystemHandle().catch(() => null) : null;
    const entry = typeof item.webkitGetAsEntry === "function" ? item.webkitGetAsEntry() : null;
    const file = item.getAsFile();
    return { handle, entry, file };
  });
  return Promise.all(
    jobs.map(async ({ handle, entry, file }) => {
      const h = handle && (await handle);
      if (h && h.kind === "directory") return walkHandle(h, `${h.name}/`);
      if (h && h.kind === "file") return [{ file: file || (await h.getFile()), relativePath: file?.name || h.name, handle: h }];
      if (entry && entry.isDirectory) return walkEntry(entry, `${entry.name}/`);
      return file ? [{ file, relativePath: file.name, handle: null }] : [];
    }),
  ).then((lists) => lists.flat());
}

/** Every file under a FileSystemDirectoryHandle, depth first, with its path from the drop. */
async function walkHandle(dir, prefix) {
  const out = [];
  for await (const child of dir.values()) {
    if (child.kind === "directory") out.push(...(await walkHandle(child, `${prefix}${child.name}/`)));
    else out.push({ file: await child.getFile(), relativePath: prefix + child.name, handle: child });
  }
  return out;
}

/** The same through the older FileSystemEntry API (Firefox, Safari). readEntries answers in
 *  batches (100 in Chromium), so it is called until it answers none. */
async function walkEntry(dir, prefix) {
  const reader = dir.createReader();
  const children = [];
  for (;;) {
    const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) break;
    children.push(...batch);
  }
  const out = [];
  for (const child of children) {
    if (child.isDirectory) out.push(...(await walkEntry(child, `${prefix}${child.name}/`)));
    else out.push({ file: await new Promise((resolve, reject) => child.file(resolve, reject)), relativePath: prefix + child.name, handle: null });
  }
  return out;
}

/** Files chosen in an `<input type=file>` (with `webkitdirectory`: their path in the folder). */
export function fromInput(files) {
  return [...files].map((file) => ({ file, relativePath: file.webkitRelativePath || file.name, handle: null }));
}

/** Whether `file` is what an `accept` list ("image/*,.pdf,application/zip") allows. */
export function accepts(accept, file) {
  const rules = String(accept || "")
    .split(",")
    .map((r) => r.trim().toLowerCase())
    .filter(Boolean);
  if (!rules.length) return true;
  const name = file.name.toLowerCase();
  const type = (file.type || "").toLowerCase();
  return rules.some((r) =>
    r.startsWith(".") ? name.endsWith(r) : r.endsWith("/*") ? type.startsWith(r.slice(0, -1)) : type === r,
  );
}
