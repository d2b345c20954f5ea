//! Byte counts across the JS boundary: a JS number is an `f64`, exact for integers up to 2^53,
//! and every size, offset and count the glue exchanges with the page passes through here.

/// Largest integer a JS number holds exactly (2^53 − 1): byte counts above it cannot cross the
/// boundary as `number`, and no browser file is that large.
pub const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// Converts a JS number that must be a byte count into `u64`, refusing fractions, negatives and
/// values past 2^53 instead of silently rounding.
pub fn f64_to_u64(v: f64) -> Option<u64> {
    if (0.0..=MAX_SAFE_INTEGER).contains(&v) && v.fract() == 0.0 {
        Some(v as u64)
    } else {
        None
    }
}

/// Converts a byte count to a JS number; every count we produce is ≤ the file size, which is
/// itself a JS number, so this never loses precision.
pub fn u64_to_f64(v: u64) -> f64 {
    v as f64
}
