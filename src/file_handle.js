// Reading a file through a FileSystemFileHandle (src/file_handle.rs binds it). A handle from a
// picker or a drop needs read permission again after a reload in Chromium, asked for with
// requestPermission (https://wicg.github.io/file-system-access/#api-filesystemhandle-requestpermission;
// it shows a prompt only within a user gesture). Browsers without queryPermission (Firefox,
// Safari: handles of the origin private file system) read without asking. Every rejection is a
// string, "<DOMException name>: <message>".

/** Whether `v` is a FileSystemFileHandle (by shape, so a handle of any realm counts). */
export const isFileHandle = (v) => !!v && typeof v === "object" && v.kind === "file" && typeof v.getFile === "function";

/** The handle's File, after read permission where the browser asks for it. */
export async function fileOf(handle) {
  try {
    if (typeof handle.queryPermission === "function") {
      let state = await handle.queryPermission({ mode: "read" });
      if (state !== "granted" && typeof handle.requestPermission === "function") {
        state = await handle.requestPermission({ mode: "read" });
      }
      if (state !== "granted") throw new DOMException(`read permission is ${state}`, "NotAllowedError");
    }
    return await handle.getFile();
  } catch (e) {
    throw `${e?.name || "Error"}: ${e?.message || e}`;
  }
}
