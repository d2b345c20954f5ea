//! CRC-64/XZ against the shared vectors (`fixtures/oss-sign-vectors.json`, section `crc64`), a
//! bitwise reference implementation, and properties of `combine` and incremental updates.

use oss_resumable_core::crc64::{combine, crc64, Crc64, POLY};
use proptest::prelude::*;
use serde_json::Value;

fn vectors() -> Value {
    let text = include_str!("fixtures/oss-sign-vectors.json");
    let all: Value = serde_json::from_str(text).expect("vector file is JSON");
    all["crc64"].clone()
}

fn hex_u64(v: &Value) -> u64 {
    let s = v["hex"].as_str().expect("hex field");
    let from_hex = u64::from_str_radix(s.trim_start_matches("0x"), 16).expect("hex");
    let from_dec: u64 = v["decimal"]
        .as_str()
        .expect("decimal")
        .parse()
        .expect("dec");
    assert_eq!(from_hex, from_dec, "vector file disagrees with itself");
    from_hex
}

fn ramp(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i & 0xFF) as u8).collect()
}

/// Input bytes of a single-buffer vector, from whichever description it carries.
fn input_of(v: &Value) -> Vec<u8> {
    if let Some(s) = v["input_ascii"].as_str() {
        return s.as_bytes().to_vec();
    }
    if let Some(h) = v["input_hex"].as_str() {
        assert!(h.is_empty(), "only the empty vector uses input_hex");
        return Vec::new();
    }
    match v["name"].as_str() {
        Some("1MiB-byte-ramp") => ramp(1 << 20),
        Some("100KiB-part-body") => ramp(256 * 400),
        other => panic!("unknown vector {other:?}"),
    }
}

/// Bit-at-a-time CRC-64/XZ straight from the parameters (§6.1), the reference for the tables.
fn bitwise(data: &[u8]) -> u64 {
    let mut crc = u64::MAX;
    for &b in data {
        crc ^= u64::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ POLY
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn algorithm_parameters_match_the_vector_file() {
    let v = vectors();
    let poly = v["algorithm"]["poly_reflected"].as_str().unwrap();
    assert_eq!(u64::from_str_radix(&poly[2..], 16).unwrap(), POLY);
    assert_eq!(crc64(b"123456789"), 0x995D_C9BB_DF19_39FA);
}

#[test]
fn every_single_buffer_vector() {
    let v = vectors();
    let list = v["vectors"].as_array().unwrap();
    assert_eq!(list.len(), 5);
    for vec in list {
        let data = input_of(vec);
        assert_eq!(data.len() as u64, vec["length"].as_u64().unwrap());
        let want = hex_u64(&vec["crc64"]);
        assert_eq!(crc64(&data), want, "vector {}", vec["name"]);
        assert_eq!(bitwise(&data), want, "reference, vector {}", vec["name"]);
        let mut c = Crc64::new();
        for chunk in data.chunks(4099) {
            c.update(chunk);
        }
        assert_eq!(c.finish(), want, "chunked, vector {}", vec["name"]);
    }
}

#[test]
fn combine_vectors() {
    let v = vectors();
    let list = v["combine"].as_array().unwrap();
    assert_eq!(list.len(), 3);

    let two = &list[0];
    assert_eq!(two["name"], "combine-123456789+emergency");
    let got = combine(
        hex_u64(&two["crc1"]),
        hex_u64(&two["crc2"]),
        two["len2"].as_u64().unwrap(),
    );
    assert_eq!(got, hex_u64(&two["result"]));

    let three = &list[1];
    assert_eq!(three["name"], "combine-1MiB-as-3-parts");
    let data = ramp(1 << 20);
    let mut whole = 0u64;
    let mut next_offset = 0u64;
    for part in three["parts"].as_array().unwrap() {
        let off = part["offset"].as_u64().unwrap();
        let len = part["length"].as_u64().unwrap();
        assert_eq!(off, next_offset, "parts are contiguous");
        let bytes = &data[off as usize..(off + len) as usize];
        let crc = hex_u64(&part["crc64"]);
        assert_eq!(crc64(bytes), crc, "part at {off}");
        whole = combine(whole, crc, len);
        next_offset = off + len;
    }
    assert_eq!(next_offset, data.len() as u64);
    assert_eq!(whole, hex_u64(&three["result"]));

    let cont = &list[2];
    assert_eq!(cont["name"], "continue-from-previous");
    let mut c = Crc64::with_initial(hex_u64(&cont["init"]));
    c.update(cont["data_ascii"].as_str().unwrap().as_bytes());
    assert_eq!(c.finish(), hex_u64(&cont["result"]));
}

#[test]
fn empty_input_and_default() {
    assert_eq!(crc64(&[]), 0);
    assert_eq!(Crc64::default().finish(), 0);
    let mut c = Crc64::new();
    c.update(&[]);
    assert_eq!(c.finish(), 0);
}

#[test]
fn every_length_up_to_64_matches_reference() {
    // Covers every remainder of the 16-byte block loop and a few blocks.
    let data: Vec<u8> = (0..64u32).map(|i| (i * 37 + 11) as u8).collect();
    for len in 0..=data.len() {
        assert_eq!(crc64(&data[..len]), bitwise(&data[..len]), "len {len}");
    }
}

#[test]
fn combine_with_large_lengths_matches_continuation() {
    // combine must not care how long len2 is: compare against continuation on 3 MiB.
    let a = ramp(1000);
    let b: Vec<u8> = (0..3 << 20)
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let mut c = Crc64::with_initial(crc64(&a));
    c.update(&b);
    assert_eq!(combine(crc64(&a), crc64(&b), b.len() as u64), c.finish());
}

proptest! {
    #[test]
    fn matches_bitwise_reference(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        prop_assert_eq!(crc64(&data), bitwise(&data));
    }

    #[test]
    fn combine_equals_crc_of_concatenation(
        a in proptest::collection::vec(any::<u8>(), 0..1500),
        b in proptest::collection::vec(any::<u8>(), 0..1500),
    ) {
        let mut ab = a.clone();
        ab.extend_from_slice(&b);
        prop_assert_eq!(combine(crc64(&a), crc64(&b), b.len() as u64), crc64(&ab));
        let mut c = Crc64::with_initial(crc64(&a));
        c.update(&b);
        prop_assert_eq!(c.finish(), crc64(&ab));
    }

    #[test]
    fn chunked_updates_equal_one_shot(
        data in proptest::collection::vec(any::<u8>(), 0..4096),
        cuts in proptest::collection::vec(0usize..4096, 0..12),
    ) {
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(data.len())).collect();
        cuts.sort_unstable();
        let mut c = Crc64::new();
        let mut start = 0;
        for cut in cuts {
            c.update(&data[start..cut]);
            start = cut;
        }
        c.update(&data[start..]);
        prop_assert_eq!(c.finish(), crc64(&data));
    }

    #[test]
    fn fold_over_parts_equals_whole(
        data in proptest::collection::vec(any::<u8>(), 1..6000),
        part in 1usize..700,
    ) {
        let whole = data.chunks(part).fold(0u64, |acc, p| combine(acc, crc64(p), p.len() as u64));
        prop_assert_eq!(whole, crc64(&data));
    }
}
