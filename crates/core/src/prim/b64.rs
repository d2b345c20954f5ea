//! Standard base64 (RFC 4648 §4, `+/` alphabet), the one OSS uses for signatures, `Content-MD5`
//! and the `x-oss-err` header. A few lines here instead of the `base64` crate, whose generic
//! engine was about 6 KB of the shipped .wasm for these three uses.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Encodes with `=` padding.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64, padded or not. `None` for anything else: other characters
/// (whitespace included), a impossible length, misplaced padding, or unused bits that are not
/// zero (so every byte string has exactly one accepted encoding, as the `base64` crate checks).
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let data = text.as_bytes();
    let unpadded = data.strip_suffix(b"==").or_else(|| data.strip_suffix(b"="));
    let data = match unpadded {
        // Padding is only valid when it completes the last group of four.
        Some(d) if data.len() % 4 == 0 => d,
        Some(_) => return None,
        None => data,
    };
    if data.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() / 4 * 3 + 2);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &c in data {
        let v = ALPHABET.iter().position(|&a| a == c)?;
        acc = (acc << 6 | v as u32) & 0xFFFF;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    // Left-over bits (2 or 4) must be zero.
    (acc & ((1 << bits) - 1) == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_4648_vectors() {
        let vectors = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in vectors {
            assert_eq!(encode(plain.as_bytes()), encoded);
            assert_eq!(decode(encoded).as_deref(), Some(plain.as_bytes()));
            let bare = encoded.trim_end_matches('=');
            assert_eq!(decode(bare).as_deref(), Some(plain.as_bytes()));
        }
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(decode(&encode(&all)), Some(all));
        assert_eq!(encode(&[0xfb, 0xff]), "+/8=");
    }

    #[test]
    fn junk_is_refused() {
        for bad in [
            "Z", "Zg=", "Zg===", "Z===", "=", "Zm9v=", "Zh==", "Zm9=", "Zm 9v", "Zm9v\n", "Zm-_",
            "Zg==Zg==",
        ] {
            assert_eq!(decode(bad), None, "{bad:?}");
        }
    }
}
