//! Reading a received `Authorization` header (docs/protocol.md §3.4): the dev server's side of
//! signing, which then recomputes the signature with the same `v1_*` / `v4_*` functions.

/// The fields of a received `Authorization` header, for verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParsedAuthorization {
    V1 {
        access_key_id: String,
        signature: String,
    },
    V4 {
        access_key_id: String,
        /// `yyyymmdd` from the Credential scope.
        date: String,
        region: String,
        product: String,
        /// As listed, `;`-split, not yet normalised.
        additional_headers: Vec<String>,
        signature: String,
    },
}

/// Parses `OSS ak:sig` or `OSS4-HMAC-SHA256 Credential=…,Signature=…[,AdditionalHeaders=…]`.
/// Fields may be separated by `,` or `, ` and appear in any order: every official SDK layout is
/// accepted (§3.4). `None` when malformed, a mandatory field is missing, or a list element is empty
/// (EC 0002-00000210).
pub fn parse_authorization(value: &str) -> Option<ParsedAuthorization> {
    if let Some(rest) = value.strip_prefix("OSS4-HMAC-SHA256 ") {
        let mut credential = None;
        let mut signature = None;
        let mut additional = Vec::new();
        for field in rest.split(',') {
            let (name, val) = field.trim().split_once('=')?;
            match name {
                "Credential" => credential = Some(val),
                "Signature" => signature = Some(val.to_owned()),
                "AdditionalHeaders" => {
                    for h in val.split(';') {
                        if h.is_empty() {
                            return None;
                        }
                        additional.push(h.to_owned());
                    }
                }
                _ => return None,
            }
        }
        let mut parts = credential?.split('/');
        let access_key_id = parts.next()?.to_owned();
        let date = parts.next()?.to_owned();
        let region = parts.next()?.to_owned();
        let product = parts.next()?.to_owned();
        let terminator = parts.next()?;
        if parts.next().is_some()
            || terminator != "aliyun_v4_request"
            || access_key_id.is_empty()
            || date.len() != 8
            || !date.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let signature = signature.filter(|s| !s.is_empty())?;
        return Some(ParsedAuthorization::V4 {
            access_key_id,
            date,
            region,
            product,
            additional_headers: additional,
            signature,
        });
    }
    let rest = value.strip_prefix("OSS ")?;
    let (ak, sig) = rest.rsplit_once(':')?;
    if ak.is_empty() || sig.is_empty() {
        return None;
    }
    Some(ParsedAuthorization::V1 {
        access_key_id: ak.to_owned(),
        signature: sig.to_owned(),
    })
}
