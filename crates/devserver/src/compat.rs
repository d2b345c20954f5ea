//! Stand-in for `oss_resumable_core::crc64` with the core's promised signatures, used only until
//! the core's own module is merged into `main`; then every `crate::compat::…` use becomes
//! `oss_resumable_core::…` and this file is deleted.

// The stand-in mirrors the core's whole promised API, not only what the server calls.
#![allow(dead_code)]

pub mod crc64 {
    //! CRC-64/XZ ("crc64ecma" in OSS), slicing-by-8, with zlib-style combine (oss-protocol.md §6).

    const POLY: u64 = 0xC96C_5795_D787_0F42;

    const fn tables() -> [[u64; 256]; 8] {
        let mut t = [[0u64; 256]; 8];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u64;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 == 1 { (c >> 1) ^ POLY } else { c >> 1 };
                k += 1;
            }
            t[0][i] = c;
            i += 1;
        }
        let mut i = 0;
        while i < 256 {
            let mut j = 1;
            while j < 8 {
                t[j][i] = (t[j - 1][i] >> 8) ^ t[0][(t[j - 1][i] & 0xFF) as usize];
                j += 1;
            }
            i += 1;
        }
        t
    }
    static TABLES: [[u64; 256]; 8] = tables();

    #[derive(Clone, Debug)]
    pub struct Crc64 {
        state: u64,
    }

    impl Default for Crc64 {
        fn default() -> Self {
            Self::new()
        }
    }

    impl Crc64 {
        pub fn new() -> Self {
            Crc64 { state: !0 }
        }

        pub fn update(&mut self, data: &[u8]) {
            let t = &TABLES;
            let mut c = self.state;
            let mut chunks = data.chunks_exact(8);
            for b in &mut chunks {
                let v = c ^ u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
                c = t[7][(v & 0xFF) as usize]
                    ^ t[6][((v >> 8) & 0xFF) as usize]
                    ^ t[5][((v >> 16) & 0xFF) as usize]
                    ^ t[4][((v >> 24) & 0xFF) as usize]
                    ^ t[3][((v >> 32) & 0xFF) as usize]
                    ^ t[2][((v >> 40) & 0xFF) as usize]
                    ^ t[1][((v >> 48) & 0xFF) as usize]
                    ^ t[0][(v >> 56) as usize];
            }
            for &b in chunks.remainder() {
                c = t[0][((c ^ u64::from(b)) & 0xFF) as usize] ^ (c >> 8);
            }
            self.state = c;
        }

        pub fn finish(&self) -> u64 {
            !self.state
        }
    }

    pub fn crc64(data: &[u8]) -> u64 {
        let mut c = Crc64::new();
        c.update(data);
        c.finish()
    }

    fn multmodp(a: u64, mut b: u64) -> u64 {
        let mut m = 1u64 << 63;
        let mut p = 0;
        loop {
            if a & m != 0 {
                p ^= b;
                if a & (m - 1) == 0 {
                    break;
                }
            }
            m >>= 1;
            b = if b & 1 != 0 { (b >> 1) ^ POLY } else { b >> 1 };
        }
        p
    }

    fn x2nmodp(mut n: u64, mut k: u32) -> u64 {
        let mut x2n = [0u64; 64];
        x2n[0] = 1 << 62;
        for i in 1..64 {
            x2n[i] = multmodp(x2n[i - 1], x2n[i - 1]);
        }
        let mut p = 1u64 << 63;
        while n != 0 {
            if n & 1 != 0 {
                p = multmodp(x2n[(k & 63) as usize], p);
            }
            n >>= 1;
            k += 1;
        }
        p
    }

    /// `crc(A‖B)` from `crc(A)`, `crc(B)` and `len(B)`.
    pub fn combine(crc1: u64, crc2: u64, len2: u64) -> u64 {
        multmodp(x2nmodp(len2, 3), crc1) ^ crc2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc64_check_values() {
        assert_eq!(crc64::crc64(b"123456789"), 0x995D_C9BB_DF19_39FA);
        assert_eq!(crc64::crc64(b""), 0);
        let a = b"123456789";
        let b = b"This is a test of the emergency broadcast system.";
        let whole = [&a[..], &b[..]].concat();
        assert_eq!(
            crc64::combine(crc64::crc64(a), crc64::crc64(b), b.len() as u64),
            crc64::crc64(&whole)
        );
    }
}
