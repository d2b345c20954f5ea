//! The checkpoint store: IndexedDB (through store.js) in the database the `checkpointStore` option
//! names, or memory when it is `null` or IndexedDB cannot be opened (private modes, blocked
//! storage). A record holds the checkpoint (never a secret) under its id as a structured-clone
//! object: written from the core's serde model as JSON text (`Checkpoint::to_json`), which
//! store.js parses, and read back by `read.rs` straight from the object; other fields of a record
//! (such as a `FileSystemFileHandle` the widget keeps with it) are preserved on writes.
//!
//! The store hands out only checkpoints that decode: a stored value that does not (bytes, a
//! truncated record, a record of another version) can never be resumed, so it is deleted and
//! said once on the console, and the next upload of that file writes its own record in its place.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::Array;
use oss_resumable_core::checkpoint::{Checkpoint, CheckpointError};
use oss_resumable_core::vecmap::VecMap;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

mod read;

// The IndexedDB work itself is in store.js: it is far smaller there than any wrapper compiled
// into the .wasm, and each read-write transaction runs without coming back to Rust. Every
// rejection is a string describing the DOMException.
#[wasm_bindgen(module = "/src/store.js")]
extern "C" {
    #[wasm_bindgen(js_name = openDb, catch)]
    async fn open_db(name: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = getCheckpoint, catch)]
    async fn get_checkpoint(db: &JsValue, id: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = putCheckpoint, catch)]
    async fn put_checkpoint(db: &JsValue, id: &str, checkpoint: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = deleteCheckpoint, catch)]
    async fn delete_checkpoint(db: &JsValue, id: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = allCheckpoints, catch)]
    async fn all_checkpoints(db: &JsValue) -> Result<JsValue, JsValue>;
    /// The credentials provider, asked ahead when the database holds an upload to resume.
    #[wasm_bindgen(js_name = askedAhead)]
    pub fn asked_ahead(name: &str, provider: &js_sys::Function) -> js_sys::Function;
}

thread_local! {
    static WARNED: Cell<bool> = const { Cell::new(false) };
}

#[derive(Clone)]
pub enum Store {
    /// An open `IDBDatabase`.
    IndexedDb(JsValue),
    Memory(Rc<RefCell<VecMap<String, Checkpoint>>>),
}

/// The text of a store.js rejection.
fn reason(e: JsValue) -> String {
    e.as_string()
        .unwrap_or_else(|| "IndexedDB failed".to_string())
}

impl Store {
    /// Opens the named database, or memory for `None`. IndexedDB failing to open is not an
    /// error: uploads still work, they just cannot resume after a reload (warned once).
    pub async fn open(name: Option<&str>) -> Store {
        let Some(name) = name else {
            return Store::memory();
        };
        match open_db(name).await {
            Ok(db) => Store::IndexedDb(db),
            Err(e) => {
                warn_once(&format!(
                    "oss-resumable: IndexedDB database {name:?} cannot be opened ({}); \
                     checkpoints are kept in memory only, so uploads will not resume after a reload",
                    reason(e)
                ));
                Store::memory()
            }
        }
    }

    pub fn memory() -> Store {
        Store::Memory(Rc::new(RefCell::new(VecMap::new())))
    }

    /// The checkpoint stored under `id`. What is stored there and does not decode is deleted.
    pub async fn get(&self, id: &str) -> Result<Option<Checkpoint>, String> {
        match self {
            Store::Memory(map) => Ok(map.borrow().get(id).cloned()),
            Store::IndexedDb(db) => {
                let stored = get_checkpoint(db, id).await.map_err(reason)?;
                if stored.is_undefined() {
                    return Ok(None);
                }
                match decode(stored) {
                    Ok(checkpoint) => Ok(Some(checkpoint)),
                    Err(e) => {
                        self.forget_damaged(id, &e).await;
                        Ok(None)
                    }
                }
            }
        }
    }

    /// Writes `checkpoint` under its id in one read-write transaction, keeping any other field
    /// of an existing record, and replacing whole a stored value that is no record of ours.
    pub async fn put(&self, checkpoint: &Checkpoint) -> Result<(), String> {
        match self {
            Store::Memory(map) => {
                map.borrow_mut().insert(checkpoint.id(), checkpoint.clone());
                Ok(())
            }
            Store::IndexedDb(db) => put_checkpoint(db, &checkpoint.id(), &encode(checkpoint)?)
                .await
                .map(drop)
                .map_err(reason),
        }
    }

    pub async fn delete(&self, id: &str) -> Result<(), String> {
        match self {
            Store::Memory(map) => {
                map.borrow_mut().remove(id);
                Ok(())
            }
            Store::IndexedDb(db) => delete_checkpoint(db, id).await.map(drop).map_err(reason),
        }
    }

    /// Every checkpoint in the store. What is stored and does not decode is deleted.
    pub async fn all(&self) -> Result<Vec<Checkpoint>, String> {
        match self {
            Store::Memory(map) => Ok(map.borrow().values().cloned().collect()),
            Store::IndexedDb(db) => {
                let pairs: Array = all_checkpoints(db)
                    .await
                    .map_err(reason)?
                    .dyn_into()
                    .map_err(|_| "IndexedDB gave no list of records".to_string())?;
                let mut checkpoints = Vec::new();
                // store.js gives `[id, checkpoint or null]` pairs with string ids only.
                for pair in pairs.iter() {
                    let pair: Array = pair.unchecked_into();
                    let Some(id) = pair.get(0).as_string() else {
                        continue;
                    };
                    match decode(pair.get(1)) {
                        Ok(checkpoint) => checkpoints.push(checkpoint),
                        Err(e) => self.forget_damaged(&id, &e).await,
                    }
                }
                Ok(checkpoints)
            }
        }
    }

    /// Deletes a stored value that is not a checkpoint, and says so. Left in place it would be
    /// neither resumed nor listed by `pending()`, and every upload of that file would start
    /// over again.
    async fn forget_damaged(&self, id: &str, error: &CheckpointError) {
        // The reason only, never the record's content (damage could have put anything there).
        let why = match error {
            CheckpointError::Inconsistent(_) | CheckpointError::Json(_) => {
                "damaged or incomplete".to_string()
            }
            other => other.to_string(),
        };
        web_sys::console::warn_1(&JsValue::from_str(&format!(
            "oss-resumable: the checkpoint stored under {id} cannot be resumed ({why}); \
             it was deleted, and the next upload of that file starts over and replaces it"
        )));
        if let Err(e) = self.delete(id).await {
            warn_once(&format!("oss-resumable: cannot delete a checkpoint ({e})"));
        }
    }
}

/// The JSON text of `checkpoint`, which store.js parses into the object it stores (JSON-compatible:
/// maps as plain objects, `None` as `null`, so it has exactly the shape of the text v0.1 stored).
/// One string crossing to JS per write: the record is written after every part, and building
/// the object property by property from the .wasm cost a few hundred calls across per write.
fn encode(checkpoint: &Checkpoint) -> Result<String, String> {
    checkpoint
        .to_json()
        .map_err(|e| format!("the checkpoint cannot be stored: {e}"))
}

/// Reads what store.js found under an id: the object this version writes, or the JSON text of
/// one that v0.1 wrote (the integrity does not depend on the form, so it loads as it is). Any
/// other value is refused with the core's typed error.
fn decode(stored: JsValue) -> Result<Checkpoint, CheckpointError> {
    let stored = match stored.as_string() {
        // The parser's message is not kept: it may quote the text.
        Some(text) => js_sys::JSON::parse(&text)
            .map_err(|_| CheckpointError::Json("JSON.parse refused it".to_string()))?,
        None => stored,
    };
    Checkpoint::decode(|| read::Stored(stored.clone()))
}

/// Logs a warning to the console once per page.
pub fn warn_once(message: &str) {
    if !WARNED.with(|w| w.replace(true)) {
        web_sys::console::warn_1(&JsValue::from_str(message));
    }
}
