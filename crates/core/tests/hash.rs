//! The hashes signing relies on, through the core's public API: published SHA-256 (FIPS 180-2),
//! HMAC-SHA1 (RFC 2202) and HMAC-SHA256 (RFC 4231) vectors, so a wrong algorithm, key handling or
//! encoding (hex, base64) shows here before it shows as a signature mismatch. The hashing itself
//! is RustCrypto's (`sha1`, `sha2`, `hmac`).

use oss_resumable_core::sign::{sha256_hex, v1_signature, v4_signature};

#[test]
fn sha256_hex_gives_the_published_digests() {
    assert_eq!(
        sha256_hex(b""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        sha256_hex(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    );
}

#[test]
fn v1_signature_is_base64_hmac_sha1() {
    // RFC 2202 test case 2: effcdf6ae5eb2fa2d27416d5f184df9c259a7c79.
    assert_eq!(
        v1_signature("Jefe", "what do ya want for nothing?"),
        "7/zfauXrL6LSdBbV8YTfnCWafHk="
    );
    // RFC 2202 test case 6 has a key longer than a block, which is hashed first; its key (80 ×
    // 0xaa) is no string, so this is the same case with 80 × 'k' (Python's `hmac` agrees).
    assert_eq!(
        v1_signature(
            &"k".repeat(80),
            "Test Using Larger Than Block-Size Key - Hash Key First"
        ),
        "oIu+9Wc/LCqLxvr5H7X7m1732jU="
    );
}

#[test]
fn v4_signature_is_hex_hmac_sha256() {
    // HMAC zero-pads keys to the 64-byte block, so RFC 4231's short keys padded to the 32 bytes
    // of a signing key give the RFC's published MACs.
    let mut key = [0u8; 32];
    key[..20].fill(0x0b);
    assert_eq!(
        v4_signature(&key, "Hi There"),
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
    );
    let mut key = [0u8; 32];
    key[..4].copy_from_slice(b"Jefe");
    assert_eq!(
        v4_signature(&key, "what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}
