//! Which OSS operation a request is: the bucket (from the path, `/{bucket}/{key}`, or from the
//! host of a virtual-hosted request, `{bucket}.{endpoint}`), the decoded key and query, and the
//! operation that the method and the query name (docs/protocol.md §1, §4).

use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use percent_encoding::percent_decode_str;

use crate::error::OssError;
use oss_resumable_core::error::code;
use oss_resumable_core::operation::Operation;
use oss_resumable_core::request as core;

/// Longest object key, in UTF-8 bytes (§1).
const MAX_KEY_BYTES: usize = 1023;

/// A decoded query string, in order; a parameter without a value (`uploads`) has `None`.
pub type Query = Vec<(String, Option<String>)>;

/// A query parameter's value: `""` when it has none (like `uploads`), `None` when absent.
pub fn query_value<'a>(query: &'a [(String, Option<String>)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_deref().unwrap_or(""))
}

/// What the server serves: one of the core's [`Operation`]s, told apart by the core's own rule
/// ([`Operation::named_by`], the inverse of the client's builders), or a request the client never
/// makes, which the server still names for its log and its fault rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Served {
    /// An operation the client makes.
    Oss(Operation),
    /// `GET /`: the service, no bucket.
    ListBuckets,
    /// `GET /` on a bucket without `?uploads`.
    ListObjects,
    /// Any other bucket-level request (ACL, CORS, lifecycle, …). The request log and the fault
    /// rules have always used this name.
    BucketOperation,
    /// `GET` on an object.
    GetObject,
    /// `DELETE` on an object without `?uploadId`.
    DeleteObject,
    /// A method no object operation answers to (`PATCH /bucket/key`).
    Unsupported,
}

impl Served {
    /// The name in the request log and the fault rules: OSS's name for the operation.
    pub fn name(self) -> &'static str {
        match self {
            Served::Oss(op) => op.as_str(),
            Served::ListBuckets => "ListBuckets",
            Served::ListObjects => "ListObjects",
            Served::BucketOperation => "BucketOperation",
            Served::GetObject => "GetObject",
            Served::DeleteObject => "DeleteObject",
            Served::Unsupported => "Unsupported",
        }
    }

    /// What a method and query name (§4).
    fn of(
        method: &Method,
        bucket: Option<&str>,
        key: &str,
        query: &[(String, Option<String>)],
    ) -> Self {
        let Some(_) = bucket else {
            return Served::ListBuckets;
        };
        let has = |name: &str| query.iter().any(|(n, _)| n == name);
        let core_method = match *method {
            Method::GET => Some(core::Method::Get),
            Method::PUT => Some(core::Method::Put),
            Method::POST => Some(core::Method::Post),
            Method::HEAD => Some(core::Method::Head),
            Method::DELETE => Some(core::Method::Delete),
            _ => None,
        };
        if let Some(op) = core_method.and_then(|m| Operation::named_by(m, key.is_empty(), has)) {
            return Served::Oss(op);
        }
        match (key.is_empty(), method) {
            (true, &Method::GET) => Served::ListObjects,
            (true, _) => Served::BucketOperation,
            (false, &Method::GET) => Served::GetObject,
            (false, &Method::DELETE) => Served::DeleteObject,
            (false, _) => Served::Unsupported,
        }
    }
}

/// What a request addresses.
pub struct Route {
    pub operation: Served,
    /// `None` for the service itself (ListBuckets).
    pub bucket: Option<String>,
    /// Decoded object key; `""` for bucket-level requests.
    pub key: String,
    pub query: Query,
    /// The `Host` header, port included (`Location` is built from it).
    pub host: String,
    /// The bucket came from the host's first label rather than from the path.
    pub virtual_host: bool,
}

impl Route {
    /// Resolves the request against the server's buckets: a host whose first label is one of
    /// them is virtual-hosted, anything else is path-style.
    pub fn resolve(
        buckets: &[String],
        cnames: &[(String, String)],
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
    ) -> Result<Route, OssError> {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let query = decode_query(uri.query().unwrap_or(""))?;
        let path = percent_decode_str(uri.path())
            .decode_utf8()
            .map_err(|_| invalid_object_name("The object name is not valid UTF-8."))?;
        let host_name = host.rsplit_once(':').map_or(host.as_str(), |(h, _)| h);
        let first_label = host_name.split('.').next().unwrap_or("");
        // A custom domain bound to a bucket: the host names the bucket, the path is the key (§1).
        let cname = cnames
            .iter()
            .find(|(h, _)| h.eq_ignore_ascii_case(host_name))
            .map(|(_, b)| b.clone());
        let virtual_host =
            cname.is_some() || host_name.contains('.') && buckets.iter().any(|b| b == first_label);
        let rest = path.strip_prefix('/').unwrap_or(&path);
        let (bucket, key) = if let Some(bucket) = cname {
            (Some(bucket), rest.to_string())
        } else if virtual_host {
            (Some(first_label.to_string()), rest.to_string())
        } else {
            match rest.split_once('/') {
                Some((b, k)) => (Some(b.to_string()), k.to_string()),
                None if rest.is_empty() => (None, String::new()),
                None => (Some(rest.to_string()), String::new()),
            }
        };
        check_key(&key)?;
        Ok(Route {
            operation: Served::of(method, bucket.as_deref(), &key, &query),
            bucket,
            key,
            query,
            host,
            virtual_host,
        })
    }

    /// A query parameter's value (`""` when it has none).
    pub fn param(&self, name: &str) -> Option<&str> {
        query_value(&self.query, name)
    }

    /// `partNumber`, when it is a number (fault rules match on it).
    pub fn part_number(&self) -> Option<u32> {
        self.param("partNumber").and_then(|v| v.parse().ok())
    }

    pub fn upload_id(&self) -> Option<&str> {
        self.param("uploadId")
    }
}

fn invalid_object_name(message: &str) -> OssError {
    OssError::new(StatusCode::BAD_REQUEST, code::INVALID_OBJECT_NAME, message)
}

/// OSS's key rules (§1); an empty key is a bucket-level request, not an error.
fn check_key(key: &str) -> Result<(), OssError> {
    if key.len() > MAX_KEY_BYTES {
        return Err(invalid_object_name(
            "The object name is longer than 1023 bytes.",
        ));
    }
    if key.starts_with('/') || key.starts_with('\\') || key.contains(['\r', '\n']) {
        return Err(invalid_object_name(
            "The object name must not start with / or \\ or contain CR/LF.",
        ));
    }
    Ok(())
}

/// Splits and percent-decodes a query string.
fn decode_query(raw: &str) -> Result<Query, OssError> {
    // Form-style '+' means space in query strings (py-v2 builds URLs with urlencode).
    let decode = |s: &str| {
        percent_decode_str(&s.replace('+', " "))
            .decode_utf8()
            .map(|c| c.into_owned())
            .map_err(|_| OssError::invalid_argument("query string is not valid UTF-8"))
    };
    let mut query = Vec::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = match pair.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (pair, None),
        };
        let value = match value {
            Some(v) if !v.is_empty() => Some(decode(v)?),
            // `uploads=` and `uploads` sign alike: an empty value is no value.
            _ => None,
        };
        query.push((decode(name)?, value));
    }
    Ok(query)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(method: Method, uri: &str, host: &str) -> Result<Route, OssError> {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, host.parse().unwrap());
        Route::resolve(
            &["demo".to_string()],
            &[("files.example.com".to_string(), "demo".to_string())],
            &method,
            &uri.parse().unwrap(),
            &headers,
        )
    }

    #[test]
    fn a_custom_domain_names_its_bucket_and_the_path_is_the_key() {
        let r = route(Method::PUT, "/demo/a%20b", "files.example.com:9000").unwrap();
        assert_eq!(r.bucket.as_deref(), Some("demo"));
        assert_eq!(r.key, "demo/a b");
        assert!(r.virtual_host);
        assert_eq!(r.operation, Served::Oss(Operation::PutObject));
    }

    #[test]
    fn path_style_and_virtual_hosted_name_the_same_object() {
        let path = route(
            Method::PUT,
            "/demo/a%20b/c?partNumber=2&uploadId=U",
            "127.0.0.1:9000",
        )
        .unwrap();
        let host = route(
            Method::PUT,
            "/a%20b/c?partNumber=2&uploadId=U",
            "demo.localhost:9000",
        )
        .unwrap();
        for r in [&path, &host] {
            assert_eq!(r.operation, Served::Oss(Operation::UploadPart));
            assert_eq!(
                (r.bucket.as_deref(), r.key.as_str()),
                (Some("demo"), "a b/c")
            );
            assert_eq!((r.part_number(), r.upload_id()), (Some(2), Some("U")));
        }
        assert!(!path.virtual_host && host.virtual_host);
        // A host whose first label is no bucket is path-style.
        let other = route(Method::GET, "/demo/k", "oss.localhost").unwrap();
        assert_eq!(
            (other.bucket.as_deref(), other.operation),
            (Some("demo"), Served::GetObject)
        );
    }

    #[test]
    fn method_and_query_name_the_operation() {
        let cases = [
            (Method::GET, "/", Served::ListBuckets),
            (Method::GET, "/demo", Served::ListObjects),
            (
                Method::GET,
                "/demo/?uploads",
                Served::Oss(Operation::ListMultipartUploads),
            ),
            (Method::PUT, "/demo/?acl", Served::BucketOperation),
            (
                Method::POST,
                "/demo/k?uploads=",
                Served::Oss(Operation::InitiateMultipartUpload),
            ),
            (
                Method::POST,
                "/demo/k?uploadId=U",
                Served::Oss(Operation::CompleteMultipartUpload),
            ),
            (Method::PUT, "/demo/k", Served::Oss(Operation::PutObject)),
            (
                Method::GET,
                "/demo/k?uploadId=U",
                Served::Oss(Operation::ListParts),
            ),
            (Method::HEAD, "/demo/k", Served::Oss(Operation::HeadObject)),
            (
                Method::DELETE,
                "/demo/k?uploadId=U",
                Served::Oss(Operation::AbortMultipartUpload),
            ),
            (Method::DELETE, "/demo/k", Served::DeleteObject),
            (Method::PATCH, "/demo/k", Served::Unsupported),
        ];
        for (method, uri, op) in cases {
            assert_eq!(route(method, uri, "h").unwrap().operation, op, "{uri}");
        }
        // An empty value is no value, and '+' is a space.
        let r = route(Method::GET, "/demo/?uploads=&prefix=a+b%2B", "h").unwrap();
        assert_eq!(
            r.query,
            vec![
                ("uploads".to_string(), None),
                ("prefix".to_string(), Some("a b+".to_string()))
            ]
        );
    }

    #[test]
    fn keys_breaking_oss_rules_are_invalid_object_names() {
        let long = format!("/demo/{}", "k".repeat(1024));
        for uri in [
            "/demo//k",
            "/demo/%5Ck",
            "/demo/a%0Ab",
            "/demo/%FF",
            long.as_str(),
        ] {
            let err = route(Method::PUT, uri, "h").err().unwrap();
            assert_eq!(err.code(), code::INVALID_OBJECT_NAME, "{uri}");
        }
        assert!(route(Method::PUT, &format!("/demo/{}", "k".repeat(1023)), "h").is_ok());
    }
}
