//! The "Refused before any request" table of docs/bad-input.md, executed: each row's call is made
//! in the browser against the dev server, and its `OssError` code and message are checked against
//! the row. Then nothing of it may have reached the server, nor asked the STS provider for
//! credentials. So the table cannot drift from the code (issue 15).
#![cfg(target_arch = "wasm32")]

mod support;

use js_sys::Function;
use support::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const TABLE: &str = include_str!("../docs/bad-input.md");

/// One row: `| Call | Input | Code | The message says |`, code spans unwrapped.
struct Row {
    call: String,
    input: String,
    code: String,
    says: String,
}

/// The rows of the table under "## Refused before any request".
fn rows() -> Vec<Row> {
    let section = TABLE
        .split("\n## ")
        .find(|s| s.starts_with("Refused before any request"))
        .expect("docs/bad-input.md has a section \"Refused before any request\"");
    section
        .lines()
        .filter(|l| l.starts_with("| new Uploader |") || l.starts_with("| upload |"))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
            assert_eq!(cells.len(), 4, "a row has 4 cells: {line}");
            let unwrap = |s: &str| s.trim_matches('`').to_string();
            Row {
                call: cells[0].to_string(),
                input: unwrap(cells[1]),
                code: cells[2].to_string(),
                says: unwrap(cells[3]),
            }
        })
        .collect()
}

/// `JSON.parse` of a row's input, with `{"$repeat": s, "times": n}` made into `s` repeated n times.
fn parse(input: &str) -> JsValue {
    let parse = Function::new_with_args(
        "text",
        "return JSON.parse(text, (k, v) => \
         v && typeof v === 'object' && '$repeat' in v ? v['$repeat'].repeat(v.times) : v)",
    );
    parse
        .call1(&JsValue::NULL, &JsValue::from_str(input))
        .unwrap_or_else(|e| panic!("row input is not JSON: {input}: {e:?}"))
}

#[wasm_bindgen_test]
async fn every_refused_input_in_the_doc_gets_its_code_and_message() {
    let rows = rows();
    assert!(rows.len() >= 60, "the table has {} rows", rows.len());
    let sts = Sts::default();
    let db = unique("db");
    let creds: JsValue = sts.provider(3600).into();
    let up = uploader(&options(&creds, &db, "")).expect("the valid options make an Uploader");
    let file = make_file(10, 1, "x.bin");
    let mut wrong = Vec::new();
    let mut keys = Vec::new();
    for row in &rows {
        let input = parse(&row.input);
        let outcome = match row.call.as_str() {
            "new Uploader" => uploader(&options(&creds, &db, &row.input)).map(|_| JsValue::NULL),
            "upload" => {
                let key = get(&input, "key");
                let key = if key.is_undefined() {
                    unique("bad-input/refused")
                } else {
                    key.as_string().expect("key is a string")
                };
                keys.push(key.clone());
                let opts = get(&input, "options");
                upload(&up, &file, &key, (!opts.is_undefined()).then_some(opts)).await
            }
            other => panic!("unknown call {other:?} in docs/bad-input.md"),
        };
        match outcome {
            Ok(_) => wrong.push(format!("{} {}: succeeded", row.call, row.input)),
            Err(e) => {
                let name = get_str(&e, "name");
                let code = get_str(&e, "code");
                let message = get_str(&e, "message");
                if name != "OssError" || code != row.code || !message.contains(&row.says) {
                    wrong.push(format!(
                        "{} {}: got {name} {code} {message:?}; the doc says {} {:?}",
                        row.call, row.input, row.code, row.says
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "docs/bad-input.md and the code disagree:\n{}",
        wrong.join("\n")
    );
    for key in keys.iter().filter(|k| !k.is_empty()) {
        let log = requests_for(key).await;
        assert!(log.is_empty(), "{key:?} reached the server: {log:?}");
    }
    assert_eq!(sts.calls.get(), 0, "no credentials were asked for");
    // The same Uploader still works: nothing was left in a bad state.
    let key = unique("bad-input/after");
    upload(&up, &file, &key, None).await.expect("upload");
    assert_server_has(&key, &file).await;
}
