//! Per-object options fixed at InitiateMultipartUpload or PutObject (Content-Type, user metadata,
//! extra headers, forbid-overwrite; §4.1, §10.2), the headers they become, and the Content-Type
//! guessed from a key's extension.

use super::validate::{forbidden_header_reason, header_value_problem, is_header_name};
use super::{RequestError, MAX_USER_META_BYTES};

/// Per-object settings fixed at InitiateMultipartUpload (or PutObject), §4.1, §10.2.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectOptions {
    /// The object's Content-Type; guessed from the key's extension when `None` (§4.1).
    pub content_type: Option<String>,
    /// User metadata, names without or with the `x-oss-meta-` prefix; sent as `x-oss-meta-<name>`.
    pub meta: Vec<(String, String)>,
    /// Extra headers, e.g. `Cache-Control`, `Content-Disposition`, `x-oss-storage-class`.
    pub headers: Vec<(String, String)>,
    /// Send `x-oss-forbid-overwrite: true` (on Initiate and Complete, §4.3).
    pub forbid_overwrite: bool,
    /// The upload callback, sent on PutObject or CompleteMultipartUpload (§10.1).
    pub callback: Option<crate::callback::Callback>,
    /// Headers of every request that carries file bytes (UploadPart, or the small file's
    /// PutObject), as `crate::part_headers::part_headers` returned them (§10.3).
    pub part_headers: Vec<(String, String)>,
}

impl ObjectOptions {
    /// Checks these options for `key` as Initiate or PutObject would, without building a
    /// request: the glue refuses bad headers and metadata this way before it asks for
    /// credentials (docs/bad-input.md: nothing is sent for a bad input).
    pub fn validate(&self, key: &str) -> Result<(), RequestError> {
        object_headers(key, self).map(|_| ())
    }
}

/// The headers `opts` adds to an Initiate or PutObject request, validated.
pub(super) fn object_headers(
    key: &str,
    opts: &ObjectOptions,
) -> Result<Vec<(String, String)>, RequestError> {
    let mut out: Vec<(String, String)> = Vec::new();
    let content_type = match &opts.content_type {
        Some(ct) => {
            if let Some(reason) = header_value_problem(ct) {
                return Err(RequestError::InvalidHeaderValue {
                    name: "Content-Type".to_owned(),
                    reason,
                });
            }
            ct.clone()
        }
        None => guess_content_type(key).to_owned(),
    };
    out.push(("Content-Type".to_owned(), content_type));

    let mut meta_bytes = 0;
    for (name, value) in &opts.meta {
        let bare = strip_prefix_ignore_case(name, "x-oss-meta-").unwrap_or(name);
        if bare.is_empty() || !bare.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(RequestError::InvalidMetaName { name: name.clone() });
        }
        // OSS stores metadata names lowercase (§10.2); send them that way so V1 and V4 agree.
        let header = format!("x-oss-meta-{}", bare.to_ascii_lowercase());
        if out.iter().any(|(n, _)| *n == header) {
            return Err(RequestError::DuplicateMeta { name: name.clone() });
        }
        // Values: visible ASCII only, the safe reading of contradicting docs (§7.3, §13).
        if let Some(reason) = header_value_problem(value) {
            if !value.is_empty() {
                return Err(RequestError::InvalidMetaValue {
                    name: name.clone(),
                    reason,
                });
            }
        }
        meta_bytes += bare.len() + value.len();
        out.push((header, value.clone()));
    }
    if meta_bytes > MAX_USER_META_BYTES {
        return Err(RequestError::MetadataTooLarge { size: meta_bytes });
    }

    if opts.forbid_overwrite {
        out.push(("x-oss-forbid-overwrite".to_owned(), "true".to_owned()));
    }
    if let Some(callback) = &opts.callback {
        callback.validate()?;
    }
    crate::part_headers::part_headers(&opts.part_headers, None)?;

    let mut seen: Vec<String> = Vec::new();
    for (name, value) in &opts.headers {
        if !is_header_name(name) {
            return Err(RequestError::InvalidHeaderName { name: name.clone() });
        }
        let lower = name.to_ascii_lowercase();
        if let Some(reason) = forbidden_header_reason(&lower) {
            return Err(RequestError::ForbiddenHeader {
                name: name.clone(),
                reason,
            });
        }
        if seen.contains(&lower) {
            return Err(RequestError::DuplicateHeader { name: name.clone() });
        }
        if let Some(reason) = header_value_problem(value) {
            return Err(RequestError::InvalidHeaderValue {
                name: name.clone(),
                reason,
            });
        }
        seen.push(lower);
        out.push((name.clone(), value.clone()));
    }
    Ok(out)
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    s.get(..prefix.len())
        .filter(|p| p.eq_ignore_ascii_case(prefix))
        .map(|_| &s[prefix.len()..])
}

/// Content-Type for a key from its extension (case-insensitive), `application/octet-stream` when
/// unknown, as the SDKs do when the caller gives none (§4.1).
pub fn guess_content_type(key: &str) -> &'static str {
    let name = key.rsplit('/').next().unwrap_or(key);
    let ext = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => return "application/octet-stream",
    };
    match ext.as_str() {
        "txt" | "text" | "log" => "text/plain",
        "html" | "htm" => "text/html",
        "css" => "text/css",
        "csv" => "text/csv",
        "md" | "markdown" => "text/markdown",
        "js" | "mjs" => "text/javascript",
        "json" => "application/json",
        "xml" => "application/xml",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "gz" | "tgz" => "application/gzip",
        "tar" => "application/x-tar",
        "7z" => "application/x-7z-compressed",
        "rar" => "application/vnd.rar",
        "bz2" => "application/x-bzip2",
        "xz" => "application/x-xz",
        "wasm" => "application/wasm",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt" => "application/vnd.ms-powerpoint",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "apk" => "application/vnd.android.package-archive",
        "iso" => "application/x-iso9660-image",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "svg" => "image/svg+xml",
        "ico" => "image/vnd.microsoft.icon",
        "bmp" => "image/bmp",
        "tif" | "tiff" => "image/tiff",
        "heic" => "image/heic",
        "mp4" | "m4v" => "video/mp4",
        "mov" => "video/quicktime",
        "webm" => "video/webm",
        "mkv" => "video/x-matroska",
        "avi" => "video/x-msvideo",
        "mpeg" | "mpg" => "video/mpeg",
        "ts" => "video/mp2t",
        "mp3" => "audio/mpeg",
        "m4a" => "audio/mp4",
        "aac" => "audio/aac",
        "wav" => "audio/wav",
        "ogg" | "oga" => "audio/ogg",
        "flac" => "audio/flac",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        _ => "application/octet-stream",
    }
}
