//! Faults on command (`POST /__dev/faults`): rules matched by OSS operation and optional part
//! number or uploadId, each firing `count` times (0 = every time), that make the next matching
//! requests fail the ways real networks and real OSS do.

use serde::{Deserialize, Serialize};

/// What a rule does when it fires.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum FaultKind {
    /// Answer with this status and OSS code instead of doing the operation (the body is read first).
    #[serde(rename_all = "camelCase")]
    Error {
        status: u16,
        code: String,
        #[serde(default)]
        message: Option<String>,
    },
    /// Close the connection, without a response, after this many bytes of the request body.
    #[serde(rename_all = "camelCase")]
    Drop { after_bytes: u64 },
    /// Wait this long before handling the request.
    #[serde(rename_all = "camelCase")]
    Delay { delay_ms: u64 },
    /// Treat the request's security token as expired (`SecurityTokenExpired`).
    ExpireToken,
    /// Judge the request's time against a server clock shifted by this much.
    #[serde(rename_all = "camelCase")]
    Skew { skew_ms: i64 },
    /// Forget the request's uploadId before handling it, so it gets `NoSuchUpload`.
    ForgetUpload,
    /// Leave this header out of `Access-Control-Expose-Headers` (e.g. `ETag`).
    #[serde(rename_all = "camelCase")]
    HideHeader { header: String },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultRule {
    /// OSS operation name (`UploadPart`, `CompleteMultipartUpload`, …); absent or `*` = any.
    #[serde(default)]
    pub operation: Option<String>,
    #[serde(default)]
    pub part_number: Option<u32>,
    #[serde(default)]
    pub upload_id: Option<String>,
    /// How many times it fires; 0 = every time until `DELETE /__dev/faults` or reset.
    #[serde(default = "one")]
    pub count: u32,
    #[serde(flatten)]
    pub kind: FaultKind,
    /// How many times it has fired (reported by `GET /__dev/faults`).
    #[serde(default)]
    pub fired: u32,
}

fn one() -> u32 {
    1
}

/// `POST /__dev/faults` accepts one rule, a list, or `{"rules": [...]}`.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum FaultRequest {
    Many(Vec<FaultRule>),
    Wrapped { rules: Vec<FaultRule> },
    One(FaultRule),
}

impl FaultRequest {
    pub fn into_rules(self) -> Vec<FaultRule> {
        match self {
            FaultRequest::Many(r) | FaultRequest::Wrapped { rules: r } => r,
            FaultRequest::One(r) => vec![r],
        }
    }
}

/// Fires every live rule that matches this request and returns what they do.
pub fn take_matching(
    rules: &mut Vec<FaultRule>,
    operation: &str,
    part_number: Option<u32>,
    upload_id: Option<&str>,
) -> Vec<FaultKind> {
    let mut fired = Vec::new();
    for r in rules.iter_mut() {
        let op_ok = match r.operation.as_deref() {
            None | Some("*") => true,
            Some(op) => op == operation,
        };
        let part_ok = r.part_number.is_none() || r.part_number == part_number;
        let upload_ok = r.upload_id.is_none() || r.upload_id.as_deref() == upload_id;
        let live = r.count == 0 || r.fired < r.count;
        if op_ok && part_ok && upload_ok && live {
            r.fired += 1;
            fired.push(r.kind.clone());
        }
    }
    rules.retain(|r| r.count == 0 || r.fired < r.count);
    fired
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_and_fire_count_times() {
        let req: FaultRequest = serde_json::from_str(
            r#"[{"operation":"UploadPart","partNumber":2,"count":2,"kind":"error","status":503,"code":"ServiceUnavailable"},
                {"kind":"hideHeader","header":"ETag","count":0}]"#,
        )
        .unwrap();
        let mut rules = req.into_rules();
        assert_eq!(
            take_matching(&mut rules, "UploadPart", Some(1), None).len(),
            1
        );
        assert_eq!(
            take_matching(&mut rules, "UploadPart", Some(2), None).len(),
            2
        );
        assert_eq!(
            take_matching(&mut rules, "UploadPart", Some(2), None).len(),
            2
        );
        let left = take_matching(&mut rules, "UploadPart", Some(2), None);
        assert_eq!(
            left,
            vec![FaultKind::HideHeader {
                header: "ETag".into()
            }]
        );
    }
}
