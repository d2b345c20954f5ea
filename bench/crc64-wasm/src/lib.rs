//! Exports for the benchmark page (bench/page/): `alloc(len)` returns a buffer in linear memory
//! that JS fills, `crc64(ptr, len)` hashes it with the same `Crc64` the uploader uses (the CRC-64
//! speed figure), and `crc64_update(crc, ptr, len)` continues a CRC over one more chunk (variant
//! AV's hashing worker, bench/page/av_worker.js, folds each part in 1 MiB steps as O's does).

use oss_resumable_core::crc64::Crc64;

/// A zeroed buffer of `len` bytes, leaked on purpose (the page keeps it for the whole run).
#[no_mangle]
pub extern "C" fn alloc(len: usize) -> *mut u8 {
    Box::leak(vec![0u8; len].into_boxed_slice()).as_mut_ptr()
}

/// CRC-64/XZ of `len` bytes at `ptr`.
///
/// # Safety
/// `ptr..ptr+len` must lie in a buffer returned by [`alloc`].
#[no_mangle]
pub unsafe extern "C" fn crc64(ptr: *const u8, len: usize) -> u64 {
    unsafe { crc64_update(0, ptr, len) }
}

/// CRC-64/XZ of the bytes behind `crc` followed by the `len` bytes at `ptr` (0 to start).
///
/// # Safety
/// `ptr..ptr+len` must lie in a buffer returned by [`alloc`].
#[no_mangle]
pub unsafe extern "C" fn crc64_update(crc: u64, ptr: *const u8, len: usize) -> u64 {
    let data = unsafe { std::slice::from_raw_parts(ptr, len) };
    let mut c = Crc64::with_initial(crc);
    c.update(data);
    c.finish()
}
