//! The checkpoint store: IndexedDB (through rexie) in the database the `checkpointStore` option
//! names, or memory when it is `null` or IndexedDB cannot be opened (private modes, blocked
//! storage). Records hold the checkpoint's JSON (never a secret) under its id; other fields of a
//! record (such as a `FileSystemFileHandle` the widget keeps with it) are preserved on writes.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use js_sys::{Object, Reflect};
use rexie::{ObjectStore, Rexie, TransactionMode};
use wasm_bindgen::JsValue;

const STORE: &str = "checkpoints";
const FIELD: &str = "checkpoint";

thread_local! {
    static WARNED: Cell<bool> = const { Cell::new(false) };
}

#[derive(Clone)]
pub enum Store {
    IndexedDb(Rc<Rexie>),
    Memory(Rc<RefCell<BTreeMap<String, String>>>),
}

impl Store {
    /// Opens the named database, or memory for `None`. IndexedDB failing to open is not an
    /// error: uploads still work, they just cannot resume after a reload (warned once).
    pub async fn open(name: Option<&str>) -> Store {
        let Some(name) = name else {
            return Store::memory();
        };
        let built = Rexie::builder(name)
            .version(1)
            .add_object_store(ObjectStore::new(STORE))
            .build()
            .await;
        match built {
            Ok(db) => Store::IndexedDb(Rc::new(db)),
            Err(e) => {
                warn_once(&format!(
                    "oss-resumable: IndexedDB database {name:?} cannot be opened ({e}); \
                     checkpoints are kept in memory only, so uploads will not resume after a reload"
                ));
                Store::memory()
            }
        }
    }

    pub fn memory() -> Store {
        Store::Memory(Rc::new(RefCell::new(BTreeMap::new())))
    }

    /// The checkpoint JSON stored under `id`.
    pub async fn get(&self, id: &str) -> Result<Option<String>, String> {
        match self {
            Store::Memory(map) => Ok(map.borrow().get(id).cloned()),
            Store::IndexedDb(db) => {
                let tx = db
                    .transaction(&[STORE], TransactionMode::ReadOnly)
                    .map_err(|e| e.to_string())?;
                let store = tx.store(STORE).map_err(|e| e.to_string())?;
                let record = store
                    .get(JsValue::from_str(id))
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(record.as_ref().and_then(checkpoint_of))
            }
        }
    }

    /// Writes the checkpoint JSON under `id` in one short read-write transaction, keeping any
    /// other field of an existing record. Nothing but IndexedDB requests is awaited inside it:
    /// awaiting anything else lets the transaction auto-commit and `done()` then never resolves.
    pub async fn put(&self, id: &str, json: &str) -> Result<(), String> {
        match self {
            Store::Memory(map) => {
                map.borrow_mut().insert(id.to_string(), json.to_string());
                Ok(())
            }
            Store::IndexedDb(db) => {
                let tx = db
                    .transaction(&[STORE], TransactionMode::ReadWrite)
                    .map_err(|e| e.to_string())?;
                let store = tx.store(STORE).map_err(|e| e.to_string())?;
                let key = JsValue::from_str(id);
                let record = match store.get(key.clone()).await.map_err(|e| e.to_string())? {
                    Some(existing) if existing.is_object() => existing,
                    _ => Object::new().into(),
                };
                Reflect::set(&record, &JsValue::from_str(FIELD), &JsValue::from_str(json))
                    .map_err(|_| "cannot build the record".to_string())?;
                store
                    .put(&record, Some(&key))
                    .await
                    .map_err(|e| e.to_string())?;
                tx.done().await.map_err(|e| e.to_string())?;
                Ok(())
            }
        }
    }

    pub async fn delete(&self, id: &str) -> Result<(), String> {
        match self {
            Store::Memory(map) => {
                map.borrow_mut().remove(id);
                Ok(())
            }
            Store::IndexedDb(db) => {
                let tx = db
                    .transaction(&[STORE], TransactionMode::ReadWrite)
                    .map_err(|e| e.to_string())?;
                let store = tx.store(STORE).map_err(|e| e.to_string())?;
                store
                    .delete(JsValue::from_str(id))
                    .await
                    .map_err(|e| e.to_string())?;
                tx.done().await.map_err(|e| e.to_string())?;
                Ok(())
            }
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
                let tx = db
                    .transaction(&[STORE], TransactionMode::ReadOnly)
                    .map_err(|e| e.to_string())?;
                let store = tx.store(STORE).map_err(|e| e.to_string())?;
                let keys = store
                    .get_all_keys(None, None)
                    .await
                    .map_err(|e| e.to_string())?;
                let values = store.get_all(None, None).await.map_err(|e| e.to_string())?;
                // getAllKeys and getAll return the same records in the same (key) order.
                Ok(keys
                    .iter()
                    .zip(values.iter())
                    .filter_map(|(k, v)| Some((k.as_string()?, checkpoint_of(v)?)))
                    .collect())
            }
        }
    }
}

fn checkpoint_of(record: &JsValue) -> Option<String> {
    Reflect::get(record, &JsValue::from_str(FIELD))
        .ok()
        .and_then(|v| v.as_string())
}

/// Logs a warning to the console once per page.
pub fn warn_once(message: &str) {
    if !WARNED.with(|w| w.replace(true)) {
        web_sys::console::warn_1(&JsValue::from_str(message));
    }
}
