//! CRC-64/XZ throughput: hashes 1 GiB (a 64 MiB buffer, reused) and prints GB/s.
//!
//! `RUSTUP_TOOLCHAIN=debian cargo run --release -p oss-resumable-core --example crc64_throughput`
//! (an optional first argument sets the number of GiB).

use oss_resumable_core::crc64::Crc64;
use std::time::Instant;

fn main() {
    let gib: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1);
    const BUF: usize = 64 << 20;
    let buf: Vec<u8> = (0..BUF)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).rotate_left(7) as u8)
        .collect();
    let total = gib << 30;
    let rounds = total / BUF as u64;

    // Warm up caches and the tables' pages.
    let mut warm = Crc64::new();
    warm.update(&buf[..1 << 20]);

    let start = Instant::now();
    let mut c = Crc64::new();
    for _ in 0..rounds {
        c.update(&buf);
    }
    let secs = start.elapsed().as_secs_f64();
    let bytes = rounds * BUF as u64;
    println!(
        "crc64: {} bytes in {:.3} s = {:.2} GB/s ({:.2} GiB/s), crc {:#018x}",
        bytes,
        secs,
        bytes as f64 / secs / 1e9,
        bytes as f64 / secs / (1u64 << 30) as f64,
        c.finish() ^ warm.finish() ^ warm.finish()
    );
}
