//! Exports for bench/page/crc64.js: `alloc(len)` returns a buffer in linear memory that JS fills,
//! `crc64(ptr, len)` hashes it with the same `Crc64` the uploader uses.

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
    let data = unsafe { std::slice::from_raw_parts(ptr, len) };
    let mut c = Crc64::new();
    c.update(data);
    c.finish()
}
