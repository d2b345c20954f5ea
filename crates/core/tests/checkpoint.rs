//! Checkpoint record: round trip, agreement with serde_json, every one-character damage
//! detected, foreign/unknown/inconsistent records refused, no secret field, file sampling.

use oss_resumable_core::checkpoint::{
    sample_crc, sample_ranges, Checkpoint, CheckpointError, FileIdentity, ObjectOptions, PartHint,
    CHECKPOINT_MAGIC, SAMPLE_LEN,
};
use oss_resumable_core::crc64::crc64;
use oss_resumable_core::plan::MIN_PART_SIZE;
use oss_resumable_core::vecmap::VecMap;
use proptest::prelude::*;

const ENDPOINT: &str = "https://oss-cn-hangzhou.aliyuncs.com";
const MIB: u64 = 1 << 20;

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

fn sample() -> Checkpoint {
    let mut cp = Checkpoint::new(
        ENDPOINT,
        "examplebucket",
        "dir/video.mp4",
        "0004B9895DBBB6EC98E36FB3A9C8A1B2",
        8 * MIB,
        file(),
        options(),
        1_000,
    )
    .unwrap();
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

#[test]
fn round_trip_and_serde_json_agree() {
    let cp = sample();
    let json = cp.to_json();
    assert_eq!(Checkpoint::from_json(&json).unwrap(), cp);
    // Byte-identical to the serde derive through serde_json, and readable by it.
    assert_eq!(serde_json::to_string(&cp).unwrap(), json);
    let via_serde: Checkpoint = serde_json::from_str(&json).unwrap();
    assert_eq!(via_serde, cp);
    via_serde.validate().unwrap();
    // Pretty-printed JSON (whitespace) reads back the same.
    let pretty = serde_json::to_string_pretty(&cp).unwrap();
    assert_eq!(Checkpoint::from_json(&pretty).unwrap(), cp);
    // Large u64s are strings, so JavaScript's JSON.parse keeps them exact.
    assert!(
        json.contains("\"crc64\":\"18446744073709551615\""),
        "{json}"
    );
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
    assert_eq!(Checkpoint::from_json(&cp.to_json()).unwrap(), cp);
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
    let json = cp.to_json();
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
            if let Ok(back) = Checkpoint::from_json(&damaged) {
                assert_eq!(back, cp, "accepted with different content: {damaged}");
            }
            checked += 1;
        }
        // Deleting the character.
        let mut cut = chars.clone();
        cut.remove(i);
        let cut: String = cut.into_iter().collect();
        if let Ok(back) = Checkpoint::from_json(&cut) {
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
        Checkpoint::from_json(&cp.to_json()),
        Err(CheckpointError::IntegrityMismatch)
    );
    cp.seal();
    assert!(Checkpoint::from_json(&cp.to_json()).is_ok());
}

#[test]
fn inconsistent_records_are_refused_even_when_sealed() {
    let base = sample();

    let mut zero = base.clone();
    zero.part_size = 0;
    zero.seal();
    assert!(matches!(
        Checkpoint::from_json(&zero.to_json()),
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
        Checkpoint::from_json(&beyond.to_json()),
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
    let json = cp.to_json();

    let other_magic = json.replace(CHECKPOINT_MAGIC, "92611BED-89E2-46B6-89E5-72F273D4B0A3");
    assert_eq!(
        Checkpoint::from_json(&other_magic),
        Err(CheckpointError::WrongMagic)
    );
    // A tus-js-client URL storage record, an ali-oss checkpoint, a JSON array, a string.
    for foreign in [
        r#"{"size":123,"metadata":{"filename":"a"},"creationTime":"x","uploadUrl":"https://t"}"#,
        r#"{"name":"k","fileSize":5,"partSize":1,"uploadId":"u","doneParts":[]}"#,
        "[]",
        "\"checkpoint\"",
    ] {
        assert_eq!(
            Checkpoint::from_json(foreign),
            Err(CheckpointError::WrongMagic),
            "{foreign}"
        );
    }
    let v2 = json.replace("\"version\":1,", "\"version\":2,");
    assert_eq!(
        Checkpoint::from_json(&v2),
        Err(CheckpointError::UnknownVersion(2))
    );
    let extra = json.replacen('{', "{\"extra\":1,", 1);
    assert!(matches!(
        Checkpoint::from_json(&extra),
        Err(CheckpointError::Inconsistent(_))
    ));
    let dup = json.replacen('{', "{\"key\":\"x\",", 1);
    assert!(matches!(
        Checkpoint::from_json(&dup),
        Err(CheckpointError::Json(_))
    ));
    for bad in [
        "",
        "{",
        "{}",
        "null",
        &json[..json.len() - 1],
        &format!("{json} {json}"),
    ] {
        assert!(Checkpoint::from_json(bad).is_err(), "{bad}");
    }
    let huge = " ".repeat(5 << 20);
    assert!(matches!(
        Checkpoint::from_json(&huge),
        Err(CheckpointError::TooLarge(_))
    ));
}

#[test]
fn no_secret_is_ever_stored() {
    let json = sample().to_json();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
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
        let _ = Checkpoint::from_json(&s);
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
        let json = cp.to_json();
        prop_assert_eq!(&serde_json::to_string(&cp).unwrap(), &json);
        prop_assert_eq!(Checkpoint::from_json(&json).unwrap(), cp);
    }
}
