//! The core's own MD5, SHA-1, SHA-256 and HMAC: published vectors, and agreement with the
//! RustCrypto crates (dev-dependencies only) on random keys and messages of every length.

use hmac::Mac;
use oss_resumable_core::hash::{digest, hmac, Algorithm, Hasher};
use proptest::prelude::*;
use sha2::Digest as _;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn published_vectors() {
    let cases: [(Algorithm, &[u8], &str); 9] = [
        (Algorithm::Md5, b"", "d41d8cd98f00b204e9800998ecf8427e"),
        (Algorithm::Md5, b"abc", "900150983cd24fb0d6963f7d28e17f72"),
        (
            Algorithm::Md5,
            b"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
            "57edf4a22be3c955ac49da2e2107b67a",
        ),
        (
            Algorithm::Sha1,
            b"",
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        ),
        (
            Algorithm::Sha1,
            b"abc",
            "a9993e364706816aba3e25717850c26c9cd0d89d",
        ),
        (
            Algorithm::Sha1,
            b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
        ),
        (
            Algorithm::Sha256,
            b"",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
        (
            Algorithm::Sha256,
            b"abc",
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (
            Algorithm::Sha256,
            b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
        ),
    ];
    for (algorithm, input, expected) in cases {
        assert_eq!(hex(&digest(algorithm, input)), expected, "{algorithm:?}");
    }
    // RFC 4231 test case 2 and RFC 2202 test case 2.
    assert_eq!(
        hex(&hmac(
            Algorithm::Sha256,
            b"Jefe",
            b"what do ya want for nothing?"
        )),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    assert_eq!(
        hex(&hmac(
            Algorithm::Sha1,
            b"Jefe",
            b"what do ya want for nothing?"
        )),
        "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
    );
    // RFC 4231 test case 6: a key longer than a block is hashed first.
    assert_eq!(
        hex(&hmac(
            Algorithm::Sha256,
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First"
        )),
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    );
}

proptest! {
    #[test]
    fn agrees_with_rustcrypto(
        key in proptest::collection::vec(any::<u8>(), 0..150),
        msg in proptest::collection::vec(any::<u8>(), 0..300),
        split in any::<proptest::sample::Index>(),
    ) {
        prop_assert_eq!(&digest(Algorithm::Md5, &msg)[..], &md5::Md5::digest(&msg)[..]);
        prop_assert_eq!(&digest(Algorithm::Sha1, &msg)[..], &sha1::Sha1::digest(&msg)[..]);
        prop_assert_eq!(&digest(Algorithm::Sha256, &msg)[..], &sha2::Sha256::digest(&msg)[..]);
        // Fed in two pieces, the hash is the same.
        let at = split.index(msg.len() + 1);
        let mut h = Hasher::new(Algorithm::Sha256);
        h.update(&msg[..at]);
        h.update(&msg[at..]);
        prop_assert_eq!(h.finish().into_array(), <[u8; 32]>::from(sha2::Sha256::digest(&msg)));
        let mut m = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
        m.update(&msg);
        prop_assert_eq!(&hmac(Algorithm::Sha256, &key, &msg)[..], &m.finalize().into_bytes()[..]);
        let mut m = hmac::Hmac::<sha1::Sha1>::new_from_slice(&key).unwrap();
        m.update(&msg);
        prop_assert_eq!(&hmac(Algorithm::Sha1, &key, &msg)[..], &m.finalize().into_bytes()[..]);
    }
}
