//! `uploader.resume(id, options)`: continues a pending upload from the file handle stored beside
//! its checkpoint (`crate::file_handle`), without asking the person for the file again. It
//! rejects with `FileUnreadable` when no handle is kept or the handle does not read the file (a
//! handle whose file is gone, or whose permission was denied, is then forgotten, so `pending()`
//! says `resumeWith: "file"`), and with
//! `FileChanged` when the file is no longer the one the upload started with; the page then asks
//! for the file and calls `upload(file, key)`.

use oss_resumable_core::error::{ClientCode, OssError};
use wasm_bindgen::prelude::*;

use super::{invalid_argument, to_js_error, Inner};
use crate::file::Source;
use crate::file_handle;

fn unreadable(message: String) -> JsValue {
    to_js_error(&OssError::client(ClientCode::FileUnreadable, message))
}

impl Inner {
    pub(super) async fn resume(&self, id: String, options: JsValue) -> Result<JsValue, JsValue> {
        let store = self.store().await;
        // The store hands out only records that decode (a damaged one it deleted, and said so).
        let stored = store.get(&id).await.map_err(|e| {
            to_js_error(&OssError::client(
                ClientCode::CheckpointInvalid,
                format!("cannot read checkpoints: {e}"),
            ))
        })?;
        let Some(cp) = stored else {
            return Err(to_js_error(&invalid_argument(&format!(
                "no pending upload has the id {id:?}; pending() lists them"
            ))));
        };
        let s = &self.settings;
        if cp.bucket != s.bucket || cp.endpoint != s.endpoint_text {
            return Err(to_js_error(&invalid_argument(&format!(
                "this upload goes to bucket {:?} at {}: resume it with an Uploader for that bucket",
                cp.bucket, cp.endpoint
            ))));
        }
        let Some(handle) = file_handle::stored(&store, &id).await else {
            return Err(unreadable(format!(
                "no file handle is kept for {:?} (it was uploaded from a File): pick the file again and call upload(file, key)",
                cp.file.name
            )));
        };
        let file = match file_handle::read(&handle).await {
            Ok(file) => file,
            Err(file_handle::Unreadable(why)) => {
                // Forgotten only when the file is gone or reading it was denied; a prompt that
                // could not be shown (no user gesture) or was dismissed may succeed next time.
                let gone = why.starts_with("NotFoundError")
                    || why.starts_with("NotReadableError")
                    || why.ends_with("permission is denied");
                if gone {
                    file_handle::drop_stored(&store, &id).await;
                }
                return Err(unreadable(format!(
                    "{:?} cannot be read through its stored handle ({why}): pick the file again and call upload(file, key)",
                    cp.file.name
                )));
            }
        };
        // The same file as when the upload started? (Its sampled bytes are checked by upload().)
        let source = Source::new(file).map_err(|e| to_js_error(&e))?;
        if source.name() != cp.file.name
            || source.size() != cp.file.size
            || source.last_modified_ms() != cp.file.last_modified_ms
        {
            return Err(to_js_error(&OssError::client(
                ClientCode::FileChanged,
                format!(
                    "{:?} changed since the upload started (now {} bytes, modified at {} ms): upload(file, key) starts it again",
                    cp.file.name,
                    source.size(),
                    source.last_modified_ms()
                ),
            )));
        }
        // The handle again, so that it stays stored beside the checkpoint while this runs.
        self.upload(handle, cp.key.clone(), options).await
    }
}
