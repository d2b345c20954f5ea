//! The server's request checks without a socket, for the fuzz targets (`fuzz/`): routing (the
//! bucket, key and operation a request names, docs/protocol.md §1, §4) and authentication (the V1
//! and V4 signature checks, §2, §3) of a raw request head. The server itself never calls this.

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};

use crate::auth::{self, Credentials, SignedRequest, StsCredential};
use crate::oss::route::Route;

/// Who may sign, as the server's configuration says it.
pub struct Signers<'a> {
    /// Long-term keys: (AccessKey ID, secret).
    pub long_term: &'a [(&'a str, &'a str)],
    /// STS keys: (AccessKey ID, secret, security token, expiry in Unix ms).
    pub sts: &'a [(&'a str, &'a str, &'a str, i64)],
}

/// Routes and authenticates `head` (`METHOD target` on the first line, then `name: value`
/// lines) as the server would, against `buckets` in `region` at `now_ms`. `None` when the head
/// is not an HTTP request head at all (the HTTP library would have refused it); otherwise the
/// operation's name, or the OSS error code the server answers with.
pub fn check_request_head(
    head: &[u8],
    buckets: &[String],
    signers: &Signers<'_>,
    region: &str,
    now_ms: i64,
) -> Option<Result<&'static str, String>> {
    let text = std::str::from_utf8(head).ok()?;
    let mut lines = text.split("\r\n");
    let (method, target) = lines.next()?.split_once(' ')?;
    let method = Method::from_bytes(method.as_bytes()).ok()?;
    let uri: Uri = target.parse().ok()?;
    let mut headers = HeaderMap::new();
    for line in lines {
        let (name, value) = line.split_once(':')?;
        let name = HeaderName::from_bytes(name.trim().as_bytes()).ok()?;
        let value = HeaderValue::from_str(value.trim()).ok()?;
        headers.append(name, value);
    }
    let route = match Route::resolve(buckets, &[], &method, &uri, &headers) {
        Ok(route) => route,
        Err(e) => return Some(Err(e.body.code.clone())),
    };
    let Some(bucket) = route.bucket.as_deref() else {
        return Some(Ok(route.operation.name()));
    };
    let creds = Credentials {
        long_term: signers
            .long_term
            .iter()
            .map(|(id, secret)| (id.to_string(), secret.to_string()))
            .collect(),
        sts: signers
            .sts
            .iter()
            .map(|(id, secret, token, expiration_ms)| {
                let sts = StsCredential {
                    access_key_secret: secret.to_string(),
                    security_token: token.to_string(),
                    expiration_ms: *expiration_ms,
                };
                (id.to_string(), sts)
            })
            .collect(),
    };
    let header_pairs: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| {
            let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
            (n.as_str().to_string(), value)
        })
        .collect();
    let signed = SignedRequest {
        method: method.as_str(),
        bucket,
        key: &route.key,
        query: &route.query,
        headers: &header_pairs,
        now_ms,
        region,
        force_token_expired: false,
    };
    Some(match auth::authenticate(&creds, &signed) {
        Ok(()) => Ok(route.operation.name()),
        Err(e) => Err(e.body.code.clone()),
    })
}
