//! Faults on command (`POST /__dev/faults`): rules matched by OSS operation and optional part
//! number or uploadId, each firing `count` times (0 = every time), that make the next matching
//! requests fail the ways real networks and real OSS do. The rules that fire for a request are
//! gathered into one [`Effects`], which `oss::handle` applies.

use std::time::Duration;

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::error::OssError;

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
    /// Wait this long before handling the request: the body waits unread in the socket, so the
    /// client sees its upload stall, as on a slow link.
    #[serde(rename_all = "camelCase")]
    Delay { delay_ms: u64 },
    /// Read the body at once, handle the request, then hold the answer this long: the client
    /// sees every byte sent and a late answer, as over a long round trip or from a slow server.
    #[serde(rename_all = "camelCase")]
    SlowAnswer { delay_ms: u64 },
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

impl FaultKind {
    /// The rule's `kind`, as `GET /__dev/requests` reports it.
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::Error { .. } => "error",
            FaultKind::Drop { .. } => "drop",
            FaultKind::Delay { .. } => "delay",
            FaultKind::SlowAnswer { .. } => "slowAnswer",
            FaultKind::ExpireToken => "expireToken",
            FaultKind::Skew { .. } => "skew",
            FaultKind::ForgetUpload => "forgetUpload",
            FaultKind::HideHeader { .. } => "hideHeader",
        }
    }
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
fn take_matching(
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

/// What the rules that fired for one request do to it, gathered once so that the request is
/// handled with one value instead of a flag per kind of fault.
#[derive(Debug, Default)]
pub struct Effects {
    /// The fired rules' kinds, in rule order, for the request log.
    pub fired: Vec<&'static str>,
    /// Wait this long before handling the request (the `delay` rules add up).
    pub delay: Duration,
    /// Hold the answer this long after handling the request (the `slowAnswer` rules add up).
    pub answer_delay: Duration,
    /// Expire the STS credentials the request is signed with, for it and every later request.
    pub expire_token: bool,
    /// Judge the request's time against the server clock plus this (the `skew` rules add up).
    pub skew_ms: i64,
    /// Forget the request's uploadId before handling it.
    pub forget_upload: bool,
    /// Headers to leave out of `Access-Control-Expose-Headers`.
    pub hidden_headers: Vec<String>,
    /// Close the connection after this many body bytes, without an answer (the last `drop`
    /// rule counts; it overrides `error`).
    pub drop_after_bytes: Option<u64>,
    /// Answer this instead of running the operation (the last `error` rule counts).
    pub error: Option<OssError>,
}

impl Effects {
    /// Fires every live rule that matches this request and gathers what they do.
    pub fn fire(
        rules: &mut Vec<FaultRule>,
        operation: &str,
        part_number: Option<u32>,
        upload_id: Option<&str>,
    ) -> Effects {
        let mut effects = Effects::default();
        for kind in take_matching(rules, operation, part_number, upload_id) {
            effects.fired.push(kind.name());
            match kind {
                FaultKind::Delay { delay_ms } => effects.delay += Duration::from_millis(delay_ms),
                FaultKind::SlowAnswer { delay_ms } => {
                    effects.answer_delay += Duration::from_millis(delay_ms)
                }
                FaultKind::ExpireToken => effects.expire_token = true,
                FaultKind::Skew { skew_ms } => effects.skew_ms += skew_ms,
                FaultKind::ForgetUpload => effects.forget_upload = true,
                FaultKind::HideHeader { header } => effects.hidden_headers.push(header),
                FaultKind::Drop { after_bytes } => effects.drop_after_bytes = Some(after_bytes),
                FaultKind::Error {
                    status,
                    code,
                    message,
                } => {
                    let status =
                        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                    let message = message
                        .unwrap_or_else(|| "Injected by an oss-devserver fault.".to_string());
                    effects.error = Some(OssError::new(status, &code, message));
                }
            }
        }
        effects
    }
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

    #[test]
    fn effects_gather_every_fired_rule_once() {
        let req: FaultRequest = serde_json::from_str(
            r#"[{"kind":"delay","delayMs":100},{"kind":"skew","skewMs":-5},
                {"kind":"error","status":503,"code":"SlowDown"},{"kind":"drop","afterBytes":7},
                {"kind":"delay","delayMs":50},{"kind":"skew","skewMs":20},
                {"kind":"error","status":42,"code":"InternalError"},{"kind":"expireToken"},
                {"kind":"hideHeader","header":"ETag"},{"kind":"forgetUpload"},
                {"kind":"drop","afterBytes":9},{"operation":"ListParts","kind":"forgetUpload"}]"#,
        )
        .unwrap();
        let mut rules = req.into_rules();
        let e = Effects::fire(&mut rules, "UploadPart", Some(1), Some("U"));
        assert_eq!(
            e.fired,
            [
                "delay",
                "skew",
                "error",
                "drop",
                "delay",
                "skew",
                "error",
                "expireToken",
                "hideHeader",
                "forgetUpload",
                "drop"
            ]
        );
        assert_eq!(e.delay, Duration::from_millis(150));
        assert_eq!(e.skew_ms, 15);
        assert!(e.expire_token && e.forget_upload);
        assert_eq!(e.hidden_headers, ["ETag"]);
        assert_eq!(e.drop_after_bytes, Some(9));
        // The last error counts; a status that is no HTTP status becomes 500.
        let err = e.error.unwrap();
        assert_eq!(
            (err.status, err.code()),
            (StatusCode::INTERNAL_SERVER_ERROR, "InternalError")
        );
        assert_eq!(
            err.body.message.as_deref(),
            Some("Injected by an oss-devserver fault.")
        );
        // Only the ListParts rule is left, and nothing fires for another operation.
        assert_eq!(rules.len(), 1);
        let none = Effects::fire(&mut rules, "UploadPart", Some(1), Some("U"));
        assert!(none.fired.is_empty() && none.error.is_none() && none.delay.is_zero());
    }
}
