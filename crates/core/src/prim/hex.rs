//! Lowercase hex, the form of V4 signatures, the SHA-256 line of the V4 StringToSign (§3.3) and
//! checkpoint ids.

/// Two lowercase hex digits per byte.
pub fn encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_byte_is_two_lowercase_digits() {
        assert_eq!(super::encode(&[]), "");
        assert_eq!(super::encode(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
        let all: Vec<u8> = (0..=255).collect();
        let hex = super::encode(&all);
        assert_eq!(hex.len(), 512);
        assert_eq!(&hex[2 * 0xab..2 * 0xab + 2], "ab");
    }
}
