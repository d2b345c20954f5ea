//! The checkpoint store: IndexedDB (through store.js) in the database the `checkpointStore` option
//! names, or memory when it is `null` or IndexedDB cannot be opened (private modes, blocked
//! storage). Records hold the checkpoint's JSON (never a secret) under its id; other fields of a
//! record (such as a `FileSystemFileHandle` the widget keeps with it) are preserved on writes.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::Array;
use oss_resumable_core::vecmap::VecMap;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

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
    async fn put_checkpoint(db: &JsValue, id: &str, json: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = deleteCheckpoint, catch)]
    async fn delete_checkpoint(db: &JsValue, id: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = allCheckpoints, catch)]
    async fn all_checkpoints(db: &JsValue) -> Result<JsValue, JsValue>;
}

thread_local! {
    static WARNED: Cell<bool> = const { Cell::new(false) };
}

#[derive(Clone)]
pub enum Store {
    /// An open `IDBDatabase`.
    IndexedDb(JsValue),
    Memory(Rc<RefCell<VecMap<String, String>>>),
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

    /// The checkpoint JSON stored under `id`.
    pub async fn get(&self, id: &str) -> Result<Option<String>, String> {
        match self {
            Store::Memory(map) => Ok(map.borrow().get(id).cloned()),
            Store::IndexedDb(db) => Ok(get_checkpoint(db, id).await.map_err(reason)?.as_string()),
        }
    }

    /// Writes the checkpoint JSON under `id` in one read-write transaction, keeping any other
    /// field of an existing record.
    pub async fn put(&self, id: &str, json: &str) -> Result<(), String> {
        match self {
            Store::Memory(map) => {
                map.borrow_mut().insert(id.to_string(), json.to_string());
                Ok(())
            }
            Store::IndexedDb(db) => put_checkpoint(db, id, json).await.map(drop).map_err(reason),
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

    /// Every `(id, checkpoint JSON)` in the store.
    pub async fn all(&self) -> Result<Vec<(String, String)>, String> {
        match self {
            Store::Memory(map) => Ok(map
                .borrow()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()),
            Store::IndexedDb(db) => {
                let pairs: Array = all_checkpoints(db)
                    .await
                    .map_err(reason)?
                    .dyn_into()
                    .map_err(|_| "IndexedDB gave no list of records".to_string())?;
                // store.js gives `[id, json]` string pairs only.
                Ok(pairs
                    .iter()
                    .filter_map(|pair| {
                        let pair: Array = pair.dyn_into().ok()?;
                        Some((pair.get(0).as_string()?, pair.get(1).as_string()?))
                    })
                    .collect())
            }
        }
    }
}

/// Logs a warning to the console once per page.
pub fn warn_once(message: &str) {
    if !WARNED.with(|w| w.replace(true)) {
        web_sys::console::warn_1(&JsValue::from_str(message));
    }
}
