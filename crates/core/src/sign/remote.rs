//! Signing on the app's server (`credentials.signer`): the page holds no secret, so the core
//! prepares each request ([`super::prepare_request`]), the glue hands its StringToSign to the
//! app's signer, and the answer comes back here to be checked before it becomes the
//! `Authorization`. A signature of the wrong shape is refused at once with `SignerError`, since
//! OSS would only answer `SignatureDoesNotMatch` after the body was sent; a well-formed but wrong
//! signature is left to OSS, whose `SignatureDoesNotMatch` then surfaces (§5.2).

use super::SignatureVersion;

/// Length of a V4 signature: HMAC-SHA256 as lowercase hex (§3.3).
const V4_SIGNATURE_LEN: usize = 64;
/// Bytes of a V1 signature: HMAC-SHA1, sent as base64 (§2.1).
const V1_SIGNATURE_BYTES: usize = 20;

/// Checks a signer's answer: 64 hex digits for V4 (upper case is accepted and lowered, since OSS
/// compares the lowercase form), base64 of 20 bytes for V1. Returns the signature to send, or
/// why it cannot be one (the message never repeats the answer: it may be a secret by mistake).
pub fn check_signature(version: SignatureVersion, answer: &str) -> Result<String, String> {
    let answer = answer.trim();
    match version {
        SignatureVersion::V4 => {
            if answer.len() == V4_SIGNATURE_LEN && answer.bytes().all(|b| b.is_ascii_hexdigit()) {
                Ok(answer.to_ascii_lowercase())
            } else {
                Err(format!(
                    "a V4 signature is {V4_SIGNATURE_LEN} hex digits (HMAC-SHA256), the signer \
                     answered {} characters that are not",
                    answer.len()
                ))
            }
        }
        SignatureVersion::V1 => match crate::prim::b64::decode(answer) {
            Some(bytes) if bytes.len() == V1_SIGNATURE_BYTES => Ok(answer.to_owned()),
            _ => Err(format!(
                "a V1 signature is the base64 of {V1_SIGNATURE_BYTES} bytes (HMAC-SHA1), the \
                 signer answered {} characters that are not",
                answer.len()
            )),
        },
    }
}
