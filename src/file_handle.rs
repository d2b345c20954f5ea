//! File handles beside checkpoints: `upload()` also takes a `FileSystemFileHandle`, whose file it
//! reads (after read permission where the browser asks, `file_handle.js`), and the handle is
//! stored in the checkpoint's IndexedDB record (field "fileHandle", a structured clone written
//! with the checkpoint by `store.js`; not a secret, not in the checkpoint's JSON or integrity).
//! `pending()` says which uploads keep one, and `resume(id)` (`api/resume.rs`) reads the file
//! through it, so a page resumes after a reload or a browser restart without asking for the file.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Blob;

use crate::store::Store;

#[wasm_bindgen(module = "/src/file_handle.js")]
extern "C" {
    #[wasm_bindgen(js_name = isFileHandle)]
    fn is_file_handle(value: &JsValue) -> bool;
    #[wasm_bindgen(js_name = fileOf, catch)]
    async fn file_of(handle: &JsValue) -> Result<JsValue, JsValue>;
}

#[wasm_bindgen(module = "/src/store.js")]
extern "C" {
    #[wasm_bindgen(js_name = rememberHandle)]
    fn remember_handle(id: &str, handle: &JsValue);
    #[wasm_bindgen(js_name = forgetHandle)]
    fn forget_handle(id: &str);
    #[wasm_bindgen(js_name = getFileHandle, catch)]
    async fn get_file_handle(db: &JsValue, id: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = dropFileHandle, catch)]
    async fn drop_file_handle(db: &JsValue, id: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = handleIds, catch)]
    async fn handle_ids(db: &JsValue) -> Result<JsValue, JsValue>;
}

/// Why a handle's file could not be read ("NotAllowedError: …", "NotFoundError: …").
pub struct Unreadable(pub String);

/// What `upload()` was given: the `Blob` to upload and, when it was a handle, the handle.
pub enum Given {
    Blob(Blob),
    Handle(Blob, JsValue),
    /// Neither a Blob nor a FileSystemFileHandle.
    Other,
}

/// Reads `value`: a `Blob`/`File` as it is, a `FileSystemFileHandle` through `getFile()`.
pub async fn given(value: JsValue) -> Result<Given, Unreadable> {
    if is_file_handle(&value) {
        let file = read(&value).await?;
        return Ok(Given::Handle(file, value));
    }
    Ok(match value.dyn_into::<Blob>() {
        Ok(blob) => Given::Blob(blob),
        Err(_) => Given::Other,
    })
}

/// The file behind `handle`, asking for read permission where the browser does.
pub async fn read(handle: &JsValue) -> Result<Blob, Unreadable> {
    let file = file_of(handle).await.map_err(|e| {
        Unreadable(
            e.as_string()
                .unwrap_or_else(|| "the file cannot be read".into()),
        )
    })?;
    file.dyn_into::<Blob>()
        .map_err(|_| Unreadable("getFile() gave no File".into()))
}

/// While alive, checkpoint writes for `id` store `handle` beside the checkpoint.
pub struct Kept(String);

impl Kept {
    pub fn new(id: &str, handle: &JsValue) -> Kept {
        remember_handle(id, handle);
        Kept(id.to_string())
    }
}

impl Drop for Kept {
    fn drop(&mut self) {
        forget_handle(&self.0);
    }
}

/// The handle stored beside checkpoint `id` (IndexedDB only; memory keeps none).
pub async fn stored(store: &Store, id: &str) -> Option<JsValue> {
    let Store::IndexedDb(db) = store else {
        return None;
    };
    let handle = get_file_handle(db, id).await.ok()?;
    is_file_handle(&handle).then_some(handle)
}

/// Forgets the handle stored beside `id` (it no longer reads the file).
pub async fn drop_stored(store: &Store, id: &str) {
    if let Store::IndexedDb(db) = store {
        // Best effort: a handle left behind is only tried, and refused, again.
        let _ = drop_file_handle(db, id).await;
    }
}

/// The ids of the checkpoints stored with a handle.
pub async fn ids(store: &Store) -> Vec<String> {
    let Store::IndexedDb(db) = store else {
        return Vec::new();
    };
    match handle_ids(db).await.map(|v| v.dyn_into::<js_sys::Array>()) {
        Ok(Ok(list)) => list.iter().filter_map(|v| v.as_string()).collect(),
        _ => Vec::new(),
    }
}
