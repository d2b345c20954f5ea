//! [`Endpoint`]: where requests go (scheme, host, port, path- or virtual-hosted style, §1) and
//! the URL of a [`Request`] there.

use super::{Request, RequestError};
use crate::url::{region_from_endpoint, uri_encode, uri_encode_path};

/// Where requests go: scheme, host[:port], and whether the bucket is in the host (virtual-hosted,
/// `https://bucket.oss-cn-hangzhou.aliyuncs.com/key`, OSS's default, §1) or in the path
/// (`http://127.0.0.1:9000/bucket/key`, the dev server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    scheme: String,
    host: String,
    port: Option<u16>,
    path_style: bool,
    /// The host is the bucket's own domain (a CNAME bound to it, §1): nothing is prefixed and
    /// the path holds only the key.
    cname: bool,
}

impl Endpoint {
    /// Parses `https://oss-cn-hangzhou.aliyuncs.com`, `http://127.0.0.1:9000`, or a bare host
    /// (taken as https). A path other than `/`, a query, a fragment or credentials are rejected.
    pub fn parse(s: &str, path_style: bool) -> Result<Endpoint, RequestError> {
        let err = |reason| RequestError::InvalidEndpoint {
            endpoint: s.to_owned(),
            reason,
        };
        let trimmed = s.trim();
        let (scheme, rest) = match trimmed.split_once("://") {
            Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
            None => ("https".to_owned(), trimmed),
        };
        if scheme != "http" && scheme != "https" {
            return Err(err("the scheme must be http or https"));
        }
        let (authority, path) = match rest.find(['/', '?', '#']) {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        if !path.is_empty() && path != "/" {
            return Err(err(
                "give only scheme://host[:port]; the bucket and key are added per request",
            ));
        }
        if authority.contains('@') {
            return Err(err("credentials in the URL are not allowed"));
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (addr, after) = v6
                .split_once(']')
                .ok_or_else(|| err("unterminated IPv6 address"))?;
            if addr.is_empty()
                || !addr
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
            {
                return Err(err("invalid IPv6 address"));
            }
            let port = match after {
                "" => None,
                p => Some(p.strip_prefix(':').ok_or_else(|| err("invalid port"))?),
            };
            (format!("[{}]", addr.to_ascii_lowercase()), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_ascii_lowercase(), Some(p)),
                None => (authority.to_ascii_lowercase(), None),
            }
        };
        let port = match port {
            None => None,
            Some(p) => Some(
                p.parse::<u16>()
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or_else(|| err("invalid port"))?,
            ),
        };
        if !host.starts_with('[') {
            let valid = !host.is_empty()
                && host.split('.').all(|l| {
                    !l.is_empty()
                        && l.len() <= 63
                        && !l.starts_with('-')
                        && !l.ends_with('-')
                        && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                });
            if !valid {
                return Err(err("the host name is not valid"));
            }
        }
        let is_ipv4 = host.split('.').count() == 4
            && host
                .split('.')
                .all(|l| l.bytes().all(|b| b.is_ascii_digit()));
        if !path_style && (host.starts_with('[') || is_ipv4 || !host.contains('.')) {
            return Err(RequestError::VirtualHostedNeedsDomain { host });
        }
        Ok(Endpoint {
            scheme,
            host,
            port,
            path_style,
            cname: false,
        })
    }

    /// Parses a custom domain bound to the bucket (`cname: true`, §1): requests go to
    /// `scheme://host/key` with nothing prefixed, and any host is accepted (a CNAME may be a
    /// single label or an IP address in tests). The signature still names the bucket.
    pub fn parse_cname(s: &str) -> Result<Endpoint, RequestError> {
        let mut endpoint = Endpoint::parse(s, true)?;
        endpoint.path_style = false;
        endpoint.cname = true;
        Ok(endpoint)
    }

    /// True for a custom domain bound to the bucket ([`Endpoint::parse_cname`]).
    pub fn cname(&self) -> bool {
        self.cname
    }

    /// `https` or `http`.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// `host[:port]` of the endpoint itself (without any bucket).
    pub fn authority(&self) -> String {
        match self.port {
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.clone(),
        }
    }

    /// Whether the bucket goes in the path rather than in the host.
    pub fn path_style(&self) -> bool {
        self.path_style
    }

    /// The V4 signing region the host implies, if it is a regional OSS endpoint. A custom
    /// domain implies none, whatever its name (§1).
    pub fn region(&self) -> Option<String> {
        if self.cname {
            return None;
        }
        region_from_endpoint(&self.host)
    }

    /// True for OSS's transfer acceleration hosts (`oss-accelerate.aliyuncs.com`,
    /// `oss-accelerate-overseas.aliyuncs.com`), which imply no signing region (§1).
    pub fn is_acceleration(&self) -> bool {
        !self.cname
            && [
                "oss-accelerate.aliyuncs.com",
                "oss-accelerate-overseas.aliyuncs.com",
            ]
            .iter()
            .any(|h| self.host == *h || self.host.ends_with(&format!(".{h}")))
    }

    /// The `Host` a request for `bucket` goes to: `bucket.host[:port]`, or the endpoint's own host
    /// in path style, for a custom domain, or for service-level requests (empty bucket).
    pub fn host_for(&self, bucket: &str) -> String {
        if self.path_style || self.cname || bucket.is_empty() {
            self.authority()
        } else {
            format!("{bucket}.{}", self.authority())
        }
    }

    /// The full URL of `req`. The key is percent-encoded as §1 recommends (unreserved and `/`
    /// literal, everything else `%XX`); query values likewise, `/` included; value-less parameters
    /// appear bare (`?uploads`).
    pub fn url(&self, req: &Request) -> String {
        let mut url = format!("{}://{}/", self.scheme, self.host_for(&req.bucket));
        if self.path_style && !req.bucket.is_empty() {
            url.push_str(&req.bucket);
            url.push('/');
        }
        url.push_str(&uri_encode_path(&req.key));
        for (i, (k, v)) in req.query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(&uri_encode(k));
            if let Some(v) = v {
                url.push('=');
                url.push_str(&uri_encode(v));
            }
        }
        url
    }
}
