//! CRC-64/XZ, the checksum OSS calls "crc64ecma" (docs/protocol.md §6).
//!
//! OSS reports it per part in `x-oss-hash-crc64ecma` (UploadPart), per part in ListParts'
//! `<HashCrc64ecma>`, and for the whole object after CompleteMultipartUpload. The uploader checks
//! each part, then folds the part CRCs with [`combine`] and checks the whole object.
//!
//! Slicing-by-16 over tables built once on first use (not baked into the binary: 32 KiB of
//! table is 32 KiB of wasm that every page would download), with no `unsafe` or CPU feature
//! detection (the same code runs natively and in wasm32).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The reflected ECMA-182 polynomial, as used by xz and OSS (`0x42F0E1EBA9EA3693` in normal form).
pub const POLY: u64 = 0xC96C_5795_D787_0F42;

/// Number of slicing tables: 16 bytes are folded per step.
const SLICES: usize = 16;

/// `tables()[0]` is the classic byte-at-a-time table; `tables()[k][b]` is the CRC register
/// after feeding byte `b` followed by `k` zero bytes, which lets 16 bytes be folded
/// independently. Built on first use (about 4,000 steps).
///
/// The tables are a zero-initialised `static` (so they take no space in the binary) at a fixed
/// address (so wasm32 folds each table's offset into its load instruction), filled once.
/// `Relaxed` atomics compile to plain loads and stores; filling twice from two threads would
/// only write the same values twice.
fn tables() -> &'static Tables {
    static READY: AtomicBool = AtomicBool::new(false);
    if !READY.load(Ordering::Acquire) {
        let built = make_tables();
        for (row, values) in TABLES.0.iter().zip(built.iter()) {
            for (slot, v) in row.iter().zip(values.iter()) {
                slot.store(*v, Ordering::Relaxed);
            }
        }
        READY.store(true, Ordering::Release);
    }
    &TABLES
}

struct Tables([[AtomicU64; 256]; SLICES]);

impl Tables {
    #[inline(always)]
    fn get(&self, k: usize, i: usize) -> u64 {
        self.0[k][i].load(Ordering::Relaxed)
    }
}

#[allow(clippy::declare_interior_mutable_const)]
const ZERO: AtomicU64 = AtomicU64::new(0);
#[allow(clippy::declare_interior_mutable_const)]
const ZERO_ROW: [AtomicU64; 256] = [ZERO; 256];
static TABLES: Tables = Tables([ZERO_ROW; SLICES]);

const fn make_tables() -> [[u64; 256]; SLICES] {
    let mut t = [[0u64; 256]; SLICES];
    let mut n = 0;
    while n < 256 {
        let mut crc = n as u64;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ POLY
            } else {
                crc >> 1
            };
            bit += 1;
        }
        t[0][n] = crc;
        n += 1;
    }
    let mut k = 1;
    while k < SLICES {
        let mut n = 0;
        while n < 256 {
            let prev = t[k - 1][n];
            t[k][n] = (prev >> 8) ^ t[0][(prev & 0xFF) as usize];
            n += 1;
        }
        k += 1;
    }
    t
}

/// Advances the raw (already complemented) register over `data`.
#[inline]
fn update_raw(mut crc: u64, data: &[u8]) -> u64 {
    let t = tables();
    let mut blocks = data.chunks_exact(SLICES);
    for b in &mut blocks {
        crc = step(t, crc, b);
    }
    for &byte in blocks.remainder() {
        crc = (crc >> 8) ^ t.get(0, (crc as u8 ^ byte) as usize);
    }
    crc
}

/// Folds 16 bytes (`b.len() == 16`) into the register. The first 8 are XORed with the
/// register, split into two 32-bit halves (cheaper to take bytes from in wasm32); the last 8
/// index their tables directly.
#[inline(always)]
fn step(t: &Tables, crc: u64, b: &[u8]) -> u64 {
    let l0 = (crc as u32) ^ u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    let l1 = ((crc >> 32) as u32) ^ u32::from_le_bytes([b[4], b[5], b[6], b[7]]);
    t.get(15, (l0 & 0xFF) as usize)
        ^ t.get(14, ((l0 >> 8) & 0xFF) as usize)
        ^ t.get(13, ((l0 >> 16) & 0xFF) as usize)
        ^ t.get(12, (l0 >> 24) as usize)
        ^ t.get(11, (l1 & 0xFF) as usize)
        ^ t.get(10, ((l1 >> 8) & 0xFF) as usize)
        ^ t.get(9, ((l1 >> 16) & 0xFF) as usize)
        ^ t.get(8, (l1 >> 24) as usize)
        ^ t.get(7, b[8] as usize)
        ^ t.get(6, b[9] as usize)
        ^ t.get(5, b[10] as usize)
        ^ t.get(4, b[11] as usize)
        ^ t.get(3, b[12] as usize)
        ^ t.get(2, b[13] as usize)
        ^ t.get(1, b[14] as usize)
        ^ t.get(0, b[15] as usize)
}

/// Incremental CRC-64/XZ.
///
/// ```
/// use oss_resumable_core::crc64::{crc64, Crc64};
/// let mut c = Crc64::new();
/// c.update(b"1234");
/// c.update(b"56789");
/// assert_eq!(c.finish(), 0x995D_C9BB_DF19_39FA);
/// assert_eq!(crc64(b"123456789"), c.finish());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crc64 {
    /// The internal register, i.e. the complement of the CRC of the bytes seen so far.
    state: u64,
}

impl Crc64 {
    /// A CRC over no bytes yet (its [`finish`](Self::finish) is 0).
    pub const fn new() -> Self {
        Self::with_initial(0)
    }

    /// Continues from a finished CRC: `Crc64::with_initial(crc64(a))` then `update(b)` gives
    /// `crc64(a ‖ b)` (crcmod `initCrc` semantics, cpp `CalcCRC(crc, …)`, §6.3).
    pub const fn with_initial(crc: u64) -> Self {
        Self { state: !crc }
    }

    /// Feeds more bytes.
    pub fn update(&mut self, data: &[u8]) {
        self.state = update_raw(self.state, data);
    }

    /// The CRC of every byte fed so far; the hasher stays usable.
    pub const fn finish(&self) -> u64 {
        !self.state
    }
}

impl Default for Crc64 {
    fn default() -> Self {
        Self::new()
    }
}

/// CRC-64/XZ of `data` in one call.
pub fn crc64(data: &[u8]) -> u64 {
    !update_raw(!0, data)
}

/// `a(x)·b(x) mod P` in the reflected representation (bit 63 is x^0).
const fn multmodp(a: u64, mut b: u64) -> u64 {
    let mut m: u64 = 1 << 63;
    let mut p: u64 = 0;
    loop {
        if a & m != 0 {
            p ^= b;
            if a & (m - 1) == 0 {
                break;
            }
        }
        m >>= 1;
        b = if b & 1 != 0 { (b >> 1) ^ POLY } else { b >> 1 };
        // Reached only when `a == 0`: the product is 0.
        if m == 0 {
            break;
        }
    }
    p
}

/// `X2N[k]` = x^(2^k) mod P.
static X2N: [u64; 64] = make_x2n();

const fn make_x2n() -> [u64; 64] {
    let mut t = [0u64; 64];
    t[0] = 1 << 62; // x^1
    let mut k = 1;
    while k < 64 {
        t[k] = multmodp(t[k - 1], t[k - 1]);
        k += 1;
    }
    t
}

/// x^(n·2^k) mod P.
fn x2nmodp(mut n: u64, mut k: u32) -> u64 {
    let mut p: u64 = 1 << 63; // x^0
    while n != 0 {
        if n & 1 != 0 {
            p = multmodp(X2N[(k & 63) as usize], p);
        }
        n >>= 1;
        k += 1;
    }
    p
}

/// `crc64(a ‖ b)` from `crc1 = crc64(a)`, `crc2 = crc64(b)` and `len2 = b.len()`, in
/// O(log len2) (zlib ≥ 1.2.12 style, §6.3). The init/xorout terms cancel because CRC-64/XZ has
/// init == xorout, so no correction is needed.
pub fn combine(crc1: u64, crc2: u64, len2: u64) -> u64 {
    // len2 is in bytes; k = 3 shifts it to bits (x^(8·len2)).
    multmodp(x2nmodp(len2, 3), crc1) ^ crc2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multmodp_by_zero_is_zero() {
        assert_eq!(multmodp(0, 12345), 0);
        assert_eq!(multmodp(1 << 63, 12345), 12345);
    }

    #[test]
    fn combine_with_empty_is_identity() {
        let a = crc64(b"abc");
        assert_eq!(combine(a, 0, 0), a);
        assert_eq!(combine(0, a, 3), a);
    }
}
