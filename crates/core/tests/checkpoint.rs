//! Checkpoint record: round trip through serde formats, v0.1's JSON text still read, every field
//! under the integrity, every one-character damage detected, foreign/unknown/inconsistent records
//! refused, no secret field, file sampling.
//!
//! serde_json stands for the browser's store here: `serde_json::Value` is the same tree of named
//! fields as the structured-clone object serde-wasm-bindgen writes, and v0.1's JSON text is read
//! the way the browser reads it (parsed to that tree, then decoded).

use oss_resumable_core::checkpoint::{
    sample_crc, sample_ranges, Checkpoint, CheckpointError, FileIdentity, ObjectOptions, PartHint,
    CHECKPOINT_MAGIC, SAMPLE_LEN,
};
use oss_resumable_core::crc64::crc64;
use oss_resumable_core::plan::{PartRun, MIN_PART_SIZE};
use oss_resumable_core::vecmap::VecMap;
use proptest::prelude::*;

const ENDPOINT: &str = "https://oss-cn-hangzhou.aliyuncs.com";
const MIB: u64 = 1 << 20;

/// `sample()` as v0.1 stored it: JSON text written by its own JSON writer.
const V0_1_SAMPLE: &str = r#"{"version":1,"magic":"oss-resumable-checkpoint-8F3A61D2","endpoint":"https://oss-cn-hangzhou.aliyuncs.com","bucket":"examplebucket","key":"dir/video.mp4","upload_id":"0004B9895DBBB6EC98E36FB3A9C8A1B2","part_size":8388608,"file":{"name":"holiday \"video\" 中文\n.mp4","size":20971643,"last_modified_ms":1717171717171,"mime_type":"video/mp4","sample_crc64":"18364758544493064720"},"object":{"content_type":"video/mp4","meta":{"owner":"ada\\lovelace","token-count":"3"},"headers":{"Cache-Control":"no-cache"},"forbid_overwrite":true},"parts":[{"part_number":1,"size":8388608,"etag":"\"3349DC700140D7F86A0784842780ABCD\"","crc64":"7"},{"part_number":2,"size":8388608,"etag":"\"8EFDA8BE206636A695359836FE0AEF01\"","crc64":"18446744073709551615"}],"created_at_ms":1000,"updated_at_ms":3000,"integrity":"b2230db8b6b1fa244899b907230923c2262dc1cbcd05aa6d4eefd3d06f91bc09"}"#;

/// The record as a driver stores it (a tree of named fields).
fn stored(cp: &Checkpoint) -> serde_json::Value {
    serde_json::to_value(cp).expect("a checkpoint serializes")
}

fn decode(value: &serde_json::Value) -> Result<Checkpoint, CheckpointError> {
    Checkpoint::decode(|| value)
}

/// A record stored as JSON text, as v0.1 did: parsed (the browser's `JSON.parse`), then decoded.
fn decode_text(text: &str) -> Result<Checkpoint, CheckpointError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| CheckpointError::Json(e.to_string()))?;
    decode(&value)
}

fn file() -> FileIdentity {
    FileIdentity {
        name: "holiday \"video\" 中文\n.mp4".into(),
        size: 20 * MIB + 123,
        last_modified_ms: 1_717_171_717_171,
        mime_type: "video/mp4".into(),
        sample_crc64: 0xFEDC_BA98_7654_3210,
    }
}

fn options() -> ObjectOptions {
    let mut meta = VecMap::new();
    meta.insert("owner".to_string(), "ada\\lovelace".to_string());
    meta.insert("token-count".to_string(), "3".to_string());
    let mut headers = VecMap::new();
    headers.insert("Cache-Control".to_string(), "no-cache".to_string());
    ObjectOptions {
        content_type: Some("video/mp4".into()),
        meta,
        headers,
        forbid_overwrite: true,
        callback: None,
    }
}

/// The record of `file()` uploaded to dir/video.mp4 in 8 MiB parts, before any part is done.
fn fresh() -> Checkpoint {
    Checkpoint::new(
        ENDPOINT,
        "examplebucket",
        "dir/video.mp4",
        "0004B9895DBBB6EC98E36FB3A9C8A1B2",
        8 * MIB,
        file(),
        options(),
        1_000,
    )
    .unwrap()
}

fn sample() -> Checkpoint {
    let mut cp = fresh();
    cp.record_part(
        PartHint {
            part_number: 2,
            size: 8 * MIB,
            etag: "\"8EFDA8BE206636A695359836FE0AEF01\"".into(),
            crc64: u64::MAX,
        },
        2_000,
    )
    .unwrap();
    cp.record_part(
        PartHint {
            part_number: 1,
            size: 8 * MIB,
            etag: "\"3349DC700140D7F86A0784842780ABCD\"".into(),
            crc64: 7,
        },
        3_000,
    )
    .unwrap();
    cp
}

/// A record whose parts from number 2 on were cut at 4 MiB by the adaptive pace.
fn with_runs() -> Checkpoint {
    let mut cp = fresh();
    cp.part_runs = vec![PartRun {
        first_part: 2,
        part_size: 4 * MIB,
    }];
    cp.seal();
    for (n, size) in [(1, 8 * MIB), (2, 4 * MIB)] {
        let hint = PartHint {
            part_number: n,
            size,
            etag: format!("\"{n:032X}\""),
            crc64: u64::from(n),
        };
        cp.record_part(hint, 2_000).unwrap();
    }
    cp
}

#[test]
fn part_runs_are_stored_sealed_and_rebuild_the_boundaries() {
    let cp = with_runs();
    assert_eq!(decode(&stored(&cp)).unwrap(), cp);
    let plan = cp.plan().unwrap();
    // 8 MiB, then 4 MiB parts, the last one 123 bytes.
    assert_eq!(plan.part_count(), 5);
    assert_eq!(plan.part_range(2), Some((8 * MIB, 12 * MIB)));
    assert_eq!(plan.part_range(5), Some((20 * MIB, 20 * MIB + 123)));
    // A part of the first run's size where the second run holds is refused.
    let mut wrong = cp.clone();
    let hint = PartHint {
        part_number: 3,
        size: 8 * MIB,
        etag: "\"E\"".into(),
        crc64: 3,
    };
    assert!(matches!(
        wrong.record_part(hint, 3_000),
        Err(CheckpointError::Inconsistent(_))
    ));
    // Dropping the runs from the stored record is damage, not an older record.
    let mut value = stored(&cp);
    value.as_object_mut().unwrap().remove("part_runs");
    assert_eq!(decode(&value), Err(CheckpointError::IntegrityMismatch));
    // Runs that do not fit the file are refused.
    let mut past = cp.clone();
    past.part_runs = vec![PartRun {
        first_part: 9,
        part_size: 4 * MIB,
    }];
    past.parts.clear();
    past.seal();
    assert!(matches!(
        past.validate(),
        Err(CheckpointError::Inconsistent(_))
    ));
    // A record of one part size has no `part_runs` at all (v0_1_json_text_still_loads: same
    // text, same integrity as before the field existed).
    assert!(stored(&sample()).get("part_runs").is_none());
}

#[test]
fn round_trip_through_serde_formats() {
    let cp = sample();
    assert_eq!(decode(&stored(&cp)).unwrap(), cp);
    // As text too, compact or pretty-printed (whitespace).
    assert_eq!(
        decode_text(&serde_json::to_string(&cp).unwrap()).unwrap(),
        cp
    );
    assert_eq!(
        decode_text(&serde_json::to_string_pretty(&cp).unwrap()).unwrap(),
        cp
    );
    // Large u64s are strings, so a JS number (or JSON.parse) never rounds them.
    assert_eq!(
        stored(&cp)["parts"][1]["crc64"],
        serde_json::json!("18446744073709551615")
    );
    assert_eq!(
        stored(&cp)["file"]["sample_crc64"],
        serde_json::json!(0xFEDC_BA98_7654_3210_u64.to_string())
    );
}

#[test]
fn v0_1_json_text_still_loads() {
    // v0.1 kept JSON text in IndexedDB; the integrity does not depend on the storage form, so
    // its records load as they are.
    assert_eq!(decode_text(V0_1_SAMPLE).unwrap(), sample());
    // And the record has the very shape v0.1 wrote: the text is the serde derive's JSON.
    assert_eq!(serde_json::to_string(&sample()).unwrap(), V0_1_SAMPLE);
}

/// The text the browser stores a record from (`Checkpoint::to_json`, the core's own JSON writer)
/// is byte for byte what serde_json writes, for every shape of record: fresh, with parts, with
/// the pace's part runs, with a callback (every optional field set), a negative mtime, control
/// characters and non-ASCII text.
#[test]
fn to_json_writes_what_serde_json_writes() {
    let mut with_callback = sample();
    with_callback.object.callback = Some(oss_resumable_core::callback::Callback {
        url: "https://app.example/cb;https://backup.example/cb".into(),
        body: "bucket=${bucket}&size=${size}&x=${x:tag}".into(),
        content_type: Some("application/json".into()),
        host: Some("app.example".into()),
        sni: Some(false),
        custom_values: [("tag".to_string(), "\u{8}\u{c}\u{1f}\u{7f}é😀".to_string())]
            .into_iter()
            .collect(),
    });
    with_callback.file.last_modified_ms = -1_234;
    with_callback.file.mime_type = String::new();
    with_callback.object.content_type = None;
    with_callback.seal();
    for cp in [fresh(), sample(), with_runs(), with_callback] {
        assert_eq!(cp.to_json().unwrap(), serde_json::to_string(&cp).unwrap());
        assert_eq!(decode_text(&cp.to_json().unwrap()).unwrap(), cp);
    }
    assert_eq!(sample().to_json().unwrap(), V0_1_SAMPLE);
}

/// An integer a JS number would round (past 2^53) is refused, not stored changed.
#[test]
fn to_json_refuses_what_a_js_number_would_round() {
    let mut cp = sample();
    cp.updated_at_ms = (1 << 53) - 1;
    assert!(cp.to_json().is_ok());
    cp.updated_at_ms = 1 << 53;
    assert!(matches!(
        cp.to_json(),
        Err(CheckpointError::Inconsistent(_))
    ));
    let mut cp = sample();
    cp.file.last_modified_ms = -(1 << 53);
    assert!(matches!(
        cp.to_json(),
        Err(CheckpointError::Inconsistent(_))
    ));
}

proptest! {
    /// Any text in the record's string fields, any integers a JS number holds.
    #[test]
    fn to_json_matches_serde_json_for_any_text(
        name in any::<String>(),
        etag in any::<String>(),
        meta_key in any::<String>(),
        meta_value in any::<String>(),
        mtime in -(1i64 << 53) + 1..(1i64 << 53),
        created in 0u64..(1 << 53),
    ) {
        let mut cp = sample();
        cp.file.name = name;
        cp.file.last_modified_ms = mtime;
        cp.parts[0].etag = etag;
        cp.object.meta.insert(meta_key, meta_value);
        cp.created_at_ms = created;
        prop_assert_eq!(cp.to_json().unwrap(), serde_json::to_string(&cp).unwrap());
    }
}

/// Every field the serde model has, at any depth, is covered by the integrity: changing any one
/// of them (a string, a number, a decimal-string CRC, a boolean, an absent option, a map key) is
/// refused, so a field added to the record but not to the canonical encoding cannot go unnoticed.
#[test]
fn every_field_is_covered_by_the_integrity() {
    use serde_json::Value;

    /// The JSON pointer of every leaf (string, number, boolean, null) under `v`.
    fn leaves(v: &Value, path: String, out: &mut Vec<String>) {
        match v {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    leaves(item, format!("{path}/{i}"), out);
                }
            }
            Value::Object(fields) => {
                for (k, field) in fields {
                    leaves(field, format!("{path}/{k}"), out);
                }
            }
            _ => out.push(path),
        }
    }

    /// Another value of the same kind. Decimal strings stay valid decimals, so that the
    /// integrity is what must catch them.
    fn changed(v: &Value) -> Value {
        match v {
            Value::Null => Value::from("text/plain"),
            Value::Bool(b) => Value::Bool(!b),
            Value::Number(n) => Value::from(n.as_u64().expect("whole numbers") + 1),
            Value::String(s) => match s.parse::<u64>() {
                Ok(n) => Value::from(n.wrapping_sub(1).to_string()),
                Err(_) => Value::from(format!("{s}x")),
            },
            _ => unreachable!("not a leaf"),
        }
    }

    let mut bare = sample();
    bare.object = ObjectOptions::default(); // no content type (null), empty maps
    bare.seal();
    for cp in [sample(), bare, with_runs()] {
        let value = stored(&cp);
        let mut paths = Vec::new();
        leaves(&value, String::new(), &mut paths);
        assert!(paths.len() >= 20, "{paths:?}");
        for path in &paths {
            let mut damaged = value.clone();
            let slot = damaged.pointer_mut(path).expect("leaf");
            *slot = changed(slot);
            let expected = match path.as_str() {
                "/magic" => CheckpointError::WrongMagic,
                "/version" => CheckpointError::UnknownVersion(2),
                _ => CheckpointError::IntegrityMismatch,
            };
            assert_eq!(decode(&damaged), Err(expected), "changed {path}");
        }
        // The keys of the user's maps are data too.
        for map in ["/object/meta", "/object/headers"] {
            let keys: Vec<String> = value
                .pointer(map)
                .and_then(Value::as_object)
                .expect("map")
                .keys()
                .cloned()
                .collect();
            for key in keys {
                let mut damaged = value.clone();
                let fields = damaged
                    .pointer_mut(map)
                    .and_then(Value::as_object_mut)
                    .expect("map");
                let v = fields.remove(&key).expect("key");
                fields.insert(format!("{key}x"), v);
                assert_eq!(
                    decode(&damaged),
                    Err(CheckpointError::IntegrityMismatch),
                    "renamed {map}/{key}"
                );
            }
        }
    }
}

#[test]
fn parts_are_sorted_replaced_and_counted() {
    let mut cp = sample();
    let numbers: Vec<u32> = cp.parts.iter().map(|p| p.part_number).collect();
    assert_eq!(numbers, [1, 2]);
    assert_eq!(cp.bytes_done(), 16 * MIB);
    assert_eq!((cp.created_at_ms, cp.updated_at_ms), (1_000, 3_000));
    cp.record_part(
        PartHint {
            part_number: 3,
            size: 4 * MIB + 123,
            etag: "\"LAST\"".into(),
            crc64: 1,
        },
        4_000,
    )
    .unwrap();
    cp.record_part(
        PartHint {
            part_number: 1,
            size: 8 * MIB,
            etag: "\"REUPLOADED\"".into(),
            crc64: 9,
        },
        5_000,
    )
    .unwrap();
    assert_eq!(cp.parts.len(), 3);
    assert_eq!(cp.parts[0].etag, "\"REUPLOADED\"");
    assert_eq!(cp.bytes_done(), 20 * MIB + 123);
    cp.remove_part(2, 6_000);
    assert_eq!(cp.bytes_done(), 12 * MIB + 123);
    assert_eq!(decode(&stored(&cp)).unwrap(), cp);
}

#[test]
fn parts_outside_the_plan_are_refused() {
    let mut cp = sample();
    let beyond = PartHint {
        part_number: 4,
        size: 1,
        etag: "\"X\"".into(),
        crc64: 0,
    };
    assert!(matches!(
        cp.record_part(beyond, 9),
        Err(CheckpointError::Inconsistent(_))
    ));
    let wrong_size = PartHint {
        part_number: 3,
        size: 8 * MIB,
        etag: "\"X\"".into(),
        crc64: 0,
    };
    assert!(matches!(
        cp.record_part(wrong_size, 9),
        Err(CheckpointError::Inconsistent(_))
    ));
    assert_eq!(cp, sample(), "a refused part changes nothing");
}

#[test]
fn every_one_character_change_is_rejected_or_harmless() {
    let cp = sample();
    let json = serde_json::to_string(&cp).unwrap();
    let chars: Vec<char> = json.chars().collect();
    let replacements = [
        '0', '1', '9', 'a', 'f', 'x', '"', '\\', '{', '}', ',', ':', ' ', '-', 'é',
    ];
    let mut checked = 0;
    for i in 0..chars.len() {
        let mut candidates: Vec<char> = replacements.to_vec();
        // Also the neighbouring code points, the classic bit flip on ASCII.
        if let Some(c) = char::from_u32(chars[i] as u32 ^ 1) {
            candidates.push(c);
        }
        for r in candidates {
            if r == chars[i] {
                continue;
            }
            let mut damaged = chars.clone();
            damaged[i] = r;
            let damaged: String = damaged.into_iter().collect();
            if let Ok(back) = decode_text(&damaged) {
                assert_eq!(back, cp, "accepted with different content: {damaged}");
            }
            checked += 1;
        }
        // Deleting the character.
        let mut cut = chars.clone();
        cut.remove(i);
        let cut: String = cut.into_iter().collect();
        if let Ok(back) = decode_text(&cut) {
            assert_eq!(back, cp, "accepted with different content: {cut}");
        }
    }
    assert!(checked > 5000);
}

#[test]
fn changed_fields_fail_integrity_until_resealed() {
    let mut cp = sample();
    cp.key = "other.mp4".into();
    assert_eq!(cp.validate(), Err(CheckpointError::IntegrityMismatch));
    assert_eq!(
        decode(&stored(&cp)),
        Err(CheckpointError::IntegrityMismatch)
    );
    cp.seal();
    assert!(decode(&stored(&cp)).is_ok());
}

#[test]
fn inconsistent_records_are_refused_even_when_sealed() {
    let base = sample();

    let mut zero = base.clone();
    zero.part_size = 0;
    zero.seal();
    assert!(matches!(
        decode(&stored(&zero)),
        Err(CheckpointError::Inconsistent(_))
    ));

    let mut too_many = base.clone();
    too_many.part_size = MIN_PART_SIZE;
    too_many.file.size = 10_001 * MIN_PART_SIZE;
    too_many.parts.clear();
    too_many.seal();
    assert!(matches!(
        too_many.validate(),
        Err(CheckpointError::Inconsistent(_))
    ));

    let mut beyond = base.clone();
    beyond.parts.push(PartHint {
        part_number: 9,
        size: 8 * MIB,
        etag: "\"X\"".into(),
        crc64: 0,
    });
    beyond.seal();
    assert!(matches!(
        decode(&stored(&beyond)),
        Err(CheckpointError::Inconsistent(_))
    ));

    let mut unordered = base.clone();
    unordered.parts.swap(0, 1);
    unordered.seal();
    assert!(matches!(
        unordered.validate(),
        Err(CheckpointError::Inconsistent(_))
    ));

    let mut no_upload = base.clone();
    no_upload.upload_id.clear();
    no_upload.seal();
    assert!(matches!(
        no_upload.validate(),
        Err(CheckpointError::Inconsistent(_))
    ));

    let mut time_travel = base.clone();
    time_travel.created_at_ms = time_travel.updated_at_ms + 1;
    time_travel.seal();
    assert!(matches!(
        time_travel.validate(),
        Err(CheckpointError::Inconsistent(_))
    ));
}

#[test]
fn foreign_unknown_and_malformed_records_are_refused() {
    let cp = sample();
    let json = serde_json::to_string(&cp).unwrap();

    let other_magic = json.replace(CHECKPOINT_MAGIC, "92611BED-89E2-46B6-89E5-72F273D4B0A3");
    assert_eq!(decode_text(&other_magic), Err(CheckpointError::WrongMagic));
    // A tus-js-client URL storage record, an ali-oss checkpoint, a JSON array, a string, bytes.
    for foreign in [
        r#"{"size":123,"metadata":{"filename":"a"},"creationTime":"x","uploadUrl":"https://t"}"#,
        r#"{"name":"k","fileSize":5,"partSize":1,"uploadId":"u","doneParts":[]}"#,
        "[]",
        "\"checkpoint\"",
        "[1,2,3,255]",
    ] {
        assert_eq!(
            decode_text(foreign),
            Err(CheckpointError::WrongMagic),
            "{foreign}"
        );
    }
    let v2 = json.replace("\"version\":1,", "\"version\":2,");
    assert_eq!(decode_text(&v2), Err(CheckpointError::UnknownVersion(2)));
    // Another version with another shape is still told by its version, not by its fields.
    let v2_other_shape = format!(
        r#"{{"version":2,"magic":"{CHECKPOINT_MAGIC}","target":{{"key":"k"}},"parts":{{}}}}"#
    );
    assert_eq!(
        decode_text(&v2_other_shape),
        Err(CheckpointError::UnknownVersion(2))
    );
    let extra = json.replacen('{', "{\"extra\":1,", 1);
    assert!(matches!(
        decode_text(&extra),
        Err(CheckpointError::Inconsistent(_))
    ));
    // A truncated record: its last fields are missing.
    let mut truncated = stored(&cp);
    for field in ["created_at_ms", "updated_at_ms", "integrity"] {
        truncated.as_object_mut().unwrap().remove(field);
    }
    assert!(matches!(
        decode(&truncated),
        Err(CheckpointError::Inconsistent(_))
    ));
    // A duplicated key cannot survive into a stored object: JSON.parse (like serde_json's
    // Value) keeps the last one. Last with a different value: the integrity refuses it; first:
    // overridden by the real field, the record is unchanged.
    let dup_last = format!("{},\"key\":\"x\"}}", &json[..json.len() - 1]);
    assert_eq!(
        decode_text(&dup_last),
        Err(CheckpointError::IntegrityMismatch)
    );
    let dup_first = json.replacen('{', "{\"key\":\"x\",", 1);
    assert_eq!(decode_text(&dup_first), Ok(cp.clone()));
    for bad in [
        "",
        "{",
        "{}",
        "null",
        &json[..json.len() - 1],
        &format!("{json} {json}"),
    ] {
        assert!(decode_text(bad).is_err(), "{bad}");
    }
    assert_eq!(
        decode(&serde_json::Value::Null),
        Err(CheckpointError::WrongMagic)
    );
}

#[test]
fn no_secret_is_ever_stored() {
    let value = stored(&sample());
    fn field_names(v: &serde_json::Value, user_map: bool, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    if !user_map {
                        out.push(k.to_ascii_lowercase());
                    }
                    // `meta`/`headers` keys are user data, not schema fields.
                    field_names(v, k == "meta" || k == "headers", out);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| field_names(v, false, out)),
            _ => {}
        }
    }
    let mut names = Vec::new();
    field_names(&value, false, &mut names);
    assert!(names.len() > 20);
    for name in &names {
        for word in [
            "token",
            "secret",
            "authorization",
            "signature",
            "credential",
            "password",
        ] {
            assert!(!name.contains(word), "field {name:?} looks like a secret");
        }
    }

    for header in ["Authorization", "x-oss-security-token", "X-OSS-Credential"] {
        let mut opts = options();
        opts.headers.insert(header.into(), "v".into());
        let err = Checkpoint::new(ENDPOINT, "b", "k", "u", 8 * MIB, file(), opts, 0).unwrap_err();
        assert_eq!(err, CheckpointError::SecretHeader(header.into()));
    }
}

#[test]
fn matching_and_ids() {
    let cp = sample();
    let f = file();
    assert!(cp.matches(ENDPOINT, "examplebucket", "dir/video.mp4", &f));
    assert!(!cp.matches(ENDPOINT, "examplebucket", "dir/other.mp4", &f));
    assert!(!cp.matches(
        "http://127.0.0.1:9000",
        "examplebucket",
        "dir/video.mp4",
        &f
    ));
    for changed in [
        FileIdentity {
            size: f.size + 1,
            ..f.clone()
        },
        FileIdentity {
            last_modified_ms: f.last_modified_ms + 1,
            ..f.clone()
        },
        FileIdentity {
            name: "x.mp4".into(),
            ..f.clone()
        },
        FileIdentity {
            mime_type: String::new(),
            ..f.clone()
        },
        FileIdentity {
            sample_crc64: 0,
            ..f.clone()
        },
    ] {
        assert!(!cp.matches(ENDPOINT, "examplebucket", "dir/video.mp4", &changed));
        assert_ne!(
            Checkpoint::id_for(ENDPOINT, "examplebucket", "dir/video.mp4", &changed),
            cp.id()
        );
    }
    // Stable: independent of upload id, parts and time; a fixed value pins the scheme.
    let id = cp.id();
    assert_eq!(
        id,
        Checkpoint::id_for(ENDPOINT, "examplebucket", "dir/video.mp4", &f)
    );
    let mut later = cp.clone();
    later.upload_id = "another".into();
    later.parts.clear();
    later.updated_at_ms += 10;
    assert_eq!(later.id(), id);
    assert!(id.starts_with("cp-") && id.len() == 35, "{id}");
    // Field boundaries are unambiguous: moving a character between bucket and key changes it.
    assert_ne!(
        Checkpoint::id_for(ENDPOINT, "ab", "c", &f),
        Checkpoint::id_for(ENDPOINT, "a", "bc", &f)
    );
}

#[test]
fn sampling_ranges() {
    assert_eq!(sample_ranges(0), Vec::<(u64, u64)>::new());
    assert_eq!(sample_ranges(10), vec![(0, 10)]);
    assert_eq!(sample_ranges(3 * SAMPLE_LEN), vec![(0, 3 * SAMPLE_LEN)]);
    let size = 3 * SAMPLE_LEN + 1;
    let r = sample_ranges(size);
    assert_eq!(r.len(), 3);
    assert_eq!(r[0], (0, SAMPLE_LEN));
    assert_eq!(r[2], (size - SAMPLE_LEN, size));
    assert!(r[0].1 <= r[1].0 && r[1].1 <= r[2].0, "{r:?}");
}

#[test]
fn sample_crc_is_the_crc_of_the_sampled_bytes() {
    let data: Vec<u8> = (0..1_000_003u32)
        .map(|i| (i.wrapping_mul(7919) >> 3) as u8)
        .collect();
    let size = data.len() as u64;
    let ranges = sample_ranges(size);
    let crcs: Vec<u64> = ranges
        .iter()
        .map(|&(s, e)| crc64(&data[s as usize..e as usize]))
        .collect();
    let mut concatenated = Vec::new();
    for &(s, e) in &ranges {
        concatenated.extend_from_slice(&data[s as usize..e as usize]);
    }
    assert_eq!(sample_crc(size, &crcs), Some(crc64(&concatenated)));
    assert_eq!(sample_crc(size, &crcs[..2]), None);
    assert_eq!(sample_crc(0, &[]), Some(0));
    // A change in the middle sample changes the identity.
    let mut changed = data.clone();
    changed[(size / 2) as usize] ^= 1;
    let crcs2: Vec<u64> = ranges
        .iter()
        .map(|&(s, e)| crc64(&changed[s as usize..e as usize]))
        .collect();
    assert_ne!(sample_crc(size, &crcs2), sample_crc(size, &crcs));
}

proptest! {
    #[test]
    fn sample_ranges_are_in_bounds_and_disjoint(size in 0u64..u64::MAX / 2) {
        let r = sample_ranges(size);
        let mut prev_end = 0;
        let mut total = 0;
        for &(s, e) in &r {
            prop_assert!(s >= prev_end && e > s && e <= size);
            prop_assert!(e - s <= 3 * SAMPLE_LEN);
            total += e - s;
            prev_end = e;
        }
        prop_assert_eq!(total, size.min(3 * SAMPLE_LEN));
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,200}") {
        let _ = decode_text(&s);
    }

    #[test]
    fn round_trips_arbitrary_strings(
        name in "\\PC{0,40}",
        key in "[^\\x00]{1,40}",
        etag in "\\PC{1,20}",
        meta_v in "\\PC{0,20}",
        lm in any::<i64>(),
    ) {
        let f = FileIdentity { name, last_modified_ms: lm, ..file() };
        let mut o = options();
        o.meta.insert("k".into(), meta_v);
        let mut cp = Checkpoint::new(ENDPOINT, "b", key, "u", 8 * MIB, f, o, 5).unwrap();
        cp.record_part(PartHint { part_number: 3, size: 4 * MIB + 123, etag, crc64: 42 }, 6).unwrap();
        prop_assert_eq!(decode(&stored(&cp)).unwrap(), cp.clone());
        prop_assert_eq!(decode_text(&serde_json::to_string(&cp).unwrap()).unwrap(), cp);
    }
}
