//! Every committed corpus input through its target's body and oracle, on stable Rust: the seeds
//! (from the project's test fixtures and the signing vectors) and every input libFuzzer once
//! crashed on, kept as regression tests. Also checks that the seeds reach what they are for:
//! the request heads authenticate, the headers and bodies parse.

use std::fs;
use std::path::Path;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("corpus entry").path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            (
                name.unwrap_or_default(),
                fs::read(&path).expect("corpus file"),
            )
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no corpus for {target}");
    out
}

#[test]
fn xml_responses_corpus() {
    for (_, data) in inputs("xml_responses") {
        oss_resumable_fuzz::xml_responses(&data);
    }
}

#[test]
fn authorization_corpus() {
    for (name, data) in inputs("authorization") {
        oss_resumable_fuzz::authorization(&data);
        if !name.starts_with("crash-") {
            let text = String::from_utf8(data).expect("UTF-8 seed");
            assert!(
                oss_resumable_core::sign::parse_authorization(&text).is_some(),
                "seed {name} does not parse"
            );
        }
    }
}

#[test]
fn devserver_request_corpus() {
    for (name, data) in inputs("devserver_request") {
        oss_resumable_fuzz::devserver_request(&data);
        if !name.starts_with("crash-") {
            let answer = oss_resumable_fuzz::devserver_answer(&data);
            assert!(matches!(answer, Some(Ok(_))), "seed {name}: {answer:?}");
        }
    }
}

#[test]
fn checkpoint_corpus() {
    for (_, data) in inputs("checkpoint") {
        oss_resumable_fuzz::checkpoint(&data);
    }
}

/// The checkpoint seed is a record the current code writes (a multipart upload of a 20 MiB file
/// with two parts recorded, metadata and headers): `UPDATE_SEEDS=1 cargo test` rewrites it after
/// a change of the record's shape.
#[test]
fn checkpoint_seed_is_what_the_store_writes() {
    use oss_resumable_core::checkpoint::{Checkpoint, FileIdentity, ObjectOptions, PartHint};
    use oss_resumable_core::vecmap::VecMap;
    const MIB: u64 = 1 << 20;
    let mut meta = VecMap::new();
    meta.insert("owner".to_string(), "ada\\lovelace".to_string());
    let mut headers = VecMap::new();
    headers.insert("Cache-Control".to_string(), "no-cache".to_string());
    let file = FileIdentity {
        name: "holiday \"video\" 中文\n.mp4".into(),
        size: 20 * MIB + 123,
        last_modified_ms: 1_717_171_717_171,
        mime_type: "video/mp4".into(),
        sample_crc64: 0xFEDC_BA98_7654_3210,
    };
    let options = ObjectOptions {
        content_type: Some("video/mp4".into()),
        meta,
        headers,
        forbid_overwrite: true,
        callback: None,
    };
    let mut cp = Checkpoint::new(
        "https://oss-cn-hangzhou.aliyuncs.com",
        "examplebucket",
        "dir/video.mp4",
        "0004B9895DBBB6EC98E36FB3A9C8A1B2",
        8 * MIB,
        file,
        options,
        1_000,
    )
    .expect("a valid record");
    for (n, etag, crc64) in [
        (1, "\"3349DC700140D7F86A0784842780ABCD\"", 7),
        (2, "\"8EFDA8BE206636A695359836FE0AEF01\"", u64::MAX),
    ] {
        let hint = PartHint {
            part_number: n,
            size: 8 * MIB,
            etag: etag.into(),
            crc64,
        };
        cp.record_part(hint, 2_000).expect("a part within the plan");
    }
    let written = serde_json::to_string_pretty(&cp).expect("the record encodes");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/checkpoint/record.json");
    if std::env::var_os("UPDATE_SEEDS").is_some() {
        fs::write(&path, &written).expect("seed written");
    }
    let seed = fs::read_to_string(&path).expect("corpus/checkpoint/record.json");
    assert_eq!(seed, written, "UPDATE_SEEDS=1 cargo test rewrites the seed");
    let value: serde_json::Value = serde_json::from_str(&seed).expect("JSON");
    assert_eq!(Checkpoint::decode(|| &value), Ok(cp));
}
