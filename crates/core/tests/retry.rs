//! Retry rules (every row of docs/protocol.md §5.2 that the uploader meets) and backoff with a
//! fixed random sequence.

use oss_resumable_core::retry::{
    classify, Backoff, Decision, Failure, Operation, RequestRetry, RetryPolicy, Verdict,
};
use oss_resumable_core::xml::{parse, OssErrorBody};
use proptest::prelude::*;

const ALL_OPS: [Operation; 7] = [
    Operation::PutObject,
    Operation::InitiateMultipartUpload,
    Operation::UploadPart,
    Operation::ListParts,
    Operation::CompleteMultipartUpload,
    Operation::AbortMultipartUpload,
    Operation::HeadObject,
];

fn http(status: u16, code: &str) -> Failure {
    Failure::Http {
        status,
        code: Some(code.to_string()),
        server_time_ms: None,
    }
}

fn status_only(status: u16) -> Failure {
    Failure::Http {
        status,
        code: None,
        server_time_ms: None,
    }
}

#[test]
fn transient_failures_are_retried_for_every_operation() {
    let transient = [
        Failure::Transport { timeout: false },
        Failure::Transport { timeout: true },
        Failure::CrcMismatch,
        Failure::InvalidResponse,
        status_only(500),
        status_only(502),
        status_only(503),
        status_only(504),
        status_only(408),
        status_only(429),
        http(400, "RequestTimeout"),
        http(500, "InternalError"),
        http(400, "BadRequest"),
        http(503, "ServiceUnavailable"),
        http(503, "SlowDown"),
    ];
    for op in ALL_OPS {
        for f in &transient {
            assert_eq!(classify(op, f), Decision::Retry, "{op:?} {f:?}");
        }
    }
}

#[test]
fn credential_codes_refresh() {
    for (status, code) in [
        (403, "SecurityTokenExpired"),
        (403, "InvalidAccessKeyId"),
        (400, "InvalidAccessKeyId"), // ali-oss README says 400; the docs say 403.
        (403, "InvalidSecurityToken"),
        (403, "AccessKeyIdAndSecurityTokenNotMatch"),
        (403, "SignatureDoesNotMatch"),
    ] {
        for op in ALL_OPS {
            assert_eq!(
                classify(op, &http(status, code)),
                Decision::RefreshCredentialsThenRetry,
                "{code}"
            );
        }
    }
    assert_eq!(
        classify(Operation::UploadPart, &status_only(401)),
        Decision::RefreshCredentialsThenRetry
    );
}

#[test]
fn clock_skew_uses_the_error_body_server_time() {
    let body: OssErrorBody = parse(
        br#"<Error><Code>RequestTimeTooSkewed</Code><Message>m</Message>
        <RequestTime>2022-09-04T07:11:33.000Z</RequestTime>
        <ServerTime>2022-09-04T08:11:37.000Z</ServerTime></Error>"#,
    )
    .unwrap();
    let f = Failure::http(403, Some(&body));
    assert_eq!(
        classify(Operation::UploadPart, &f),
        Decision::FixClockThenRetry {
            server_time_ms: 1_662_279_097_000
        }
    );
    // Without <ServerTime> there is nothing to correct with.
    assert_eq!(
        classify(Operation::UploadPart, &http(403, "RequestTimeTooSkewed")),
        Decision::Fail
    );
}

#[test]
fn no_such_upload_depends_on_the_operation() {
    let f = http(404, "NoSuchUpload");
    assert_eq!(classify(Operation::ListParts, &f), Decision::RestartUpload);
    assert_eq!(classify(Operation::UploadPart, &f), Decision::RestartUpload);
    assert_eq!(
        classify(Operation::CompleteMultipartUpload, &f),
        Decision::CheckObjectExists
    );
    assert_eq!(
        classify(Operation::AbortMultipartUpload, &f),
        Decision::TreatAsSuccess
    );
    assert_eq!(classify(Operation::PutObject, &f), Decision::Fail);
}

#[test]
fn other_client_errors_fail() {
    for (status, code) in [
        (403, "AccessDenied"),
        (403, "AccessForbidden"),
        (404, "NoSuchBucket"),
        (404, "NoSuchKey"),
        (409, "FileAlreadyExists"),
        (400, "InvalidPart"),
        (400, "InvalidPartOrder"),
        (400, "EntityTooSmall"),
        (400, "InvalidDigest"),
        (400, "MalformedXML"),
        (400, "InvalidArgument"),
    ] {
        for op in ALL_OPS {
            assert_eq!(classify(op, &http(status, code)), Decision::Fail, "{code}");
        }
    }
    for status in [400, 403, 404, 405, 409, 411, 412, 413, 416, 301, 302] {
        assert_eq!(
            classify(Operation::UploadPart, &status_only(status)),
            Decision::Fail,
            "{status}"
        );
    }
}

/// A fixed "random" sequence, cycled.
struct Fixed(Vec<f64>, usize);
impl Fixed {
    fn next(&mut self) -> f64 {
        let v = self.0[self.1 % self.0.len()];
        self.1 += 1;
        v
    }
}

#[test]
fn backoff_bounds_growth_cap_and_reset() {
    let policy = RetryPolicy::default();
    assert_eq!(
        (
            policy.max_attempts,
            policy.base_delay_ms,
            policy.max_delay_ms
        ),
        (5, 200, 20_000)
    );

    // random = 0 → always the base.
    let mut b = Backoff::new(&policy);
    for _ in 0..10 {
        assert_eq!(b.next(0.0), 200);
    }

    // random → 1 → ×3 each time up to the cap.
    let mut b = Backoff::new(&policy);
    let top: Vec<u64> = (0..8).map(|_| b.next(0.999_999_999)).collect();
    assert_eq!(
        top,
        [599, 1_796, 5_387, 16_160, 19_999, 19_999, 19_999, 19_999]
    );

    // A fixed mixed sequence: every delay within [base, min(cap, 3 × previous)].
    let mut rng = Fixed(vec![0.5, 0.1, 0.9, 0.3, 0.7, 0.0, 0.99], 0);
    let mut b = Backoff::new(&policy);
    let mut prev = policy.base_delay_ms;
    let mut seen = Vec::new();
    for _ in 0..30 {
        let d = b.next(rng.next());
        assert!(d >= policy.base_delay_ms && d <= policy.max_delay_ms, "{d}");
        assert!(d <= (prev * 3).min(policy.max_delay_ms), "{d} after {prev}");
        prev = d;
        seen.push(d);
    }
    assert_eq!(&seen[..4], &[400, 300, 830, 887]);

    // Reset returns to the base range.
    b.reset();
    assert!(b.next(0.999) <= 600);

    // Out-of-range randoms are clamped, never panic.
    let mut b = Backoff::new(&policy);
    assert_eq!(b.next(f64::NAN), 200);
    assert_eq!(b.next(-5.0), 200);
    assert_eq!(b.next(7.0), 600);
}

#[test]
fn attempts_are_bounded_and_reset_after_progress() {
    let mut r = RequestRetry::new(RetryPolicy::default());
    let net = Failure::Transport { timeout: false };
    let mut delays = Vec::new();
    for _ in 0..4 {
        let v = r.on_failure(Operation::UploadPart, &net, 0.999_999);
        assert_eq!(v.decision, Decision::Retry);
        delays.push(v.delay_ms);
    }
    assert_eq!(r.attempts(), 5);
    assert!(delays.windows(2).all(|w| w[1] >= w[0]), "{delays:?}");
    assert_eq!(
        r.on_failure(Operation::UploadPart, &net, 0.5),
        Verdict {
            decision: Decision::Fail,
            delay_ms: 0
        }
    );
    r.on_progress();
    assert_eq!(r.attempts(), 1);
    let v = r.on_failure(Operation::UploadPart, &net, 0.999_999);
    assert_eq!(v.decision, Decision::Retry);
    assert!(v.delay_ms <= 600, "backoff restarted: {}", v.delay_ms);
}

#[test]
fn refresh_and_clock_fix_happen_once_per_request() {
    let mut r = RequestRetry::new(RetryPolicy::default());
    let expired = http(403, "SecurityTokenExpired");
    assert_eq!(
        r.on_failure(Operation::UploadPart, &expired, 0.5),
        Verdict {
            decision: Decision::RefreshCredentialsThenRetry,
            delay_ms: 0
        }
    );
    assert_eq!(
        r.on_failure(Operation::UploadPart, &expired, 0.5).decision,
        Decision::Fail
    );

    let mut r = RequestRetry::new(RetryPolicy::default());
    let skew = Failure::Http {
        status: 403,
        code: Some("RequestTimeTooSkewed".into()),
        server_time_ms: Some(1_000),
    };
    assert_eq!(
        r.on_failure(Operation::CompleteMultipartUpload, &skew, 0.5)
            .decision,
        Decision::FixClockThenRetry {
            server_time_ms: 1_000
        }
    );
    // A refresh is still allowed, then the second skew fails (no unbounded loop as in ali-oss).
    assert_eq!(
        r.on_failure(Operation::CompleteMultipartUpload, &expired, 0.5)
            .decision,
        Decision::RefreshCredentialsThenRetry
    );
    assert_eq!(
        r.on_failure(Operation::CompleteMultipartUpload, &skew, 0.5)
            .decision,
        Decision::Fail
    );
    // After progress both may happen again.
    r.on_progress();
    assert_eq!(
        r.on_failure(Operation::CompleteMultipartUpload, &expired, 0.5)
            .decision,
        Decision::RefreshCredentialsThenRetry
    );
}

#[test]
fn non_retrying_decisions_pass_through_without_counting() {
    let mut r = RequestRetry::new(RetryPolicy {
        max_attempts: 1,
        ..RetryPolicy::default()
    });
    let gone = http(404, "NoSuchUpload");
    assert_eq!(
        r.on_failure(Operation::ListParts, &gone, 0.5).decision,
        Decision::RestartUpload
    );
    assert_eq!(
        r.on_failure(Operation::CompleteMultipartUpload, &gone, 0.5)
            .decision,
        Decision::CheckObjectExists
    );
    // max_attempts = 1 means no retry at all.
    assert_eq!(
        r.on_failure(Operation::UploadPart, &status_only(503), 0.5)
            .decision,
        Decision::Fail
    );
}

proptest! {
    #[test]
    fn delays_always_within_bounds(
        base in 1u64..5_000,
        extra in 0u64..100_000,
        randoms in proptest::collection::vec(0.0f64..1.0, 1..60),
    ) {
        let policy = RetryPolicy { max_attempts: 100, base_delay_ms: base, max_delay_ms: base + extra, ..RetryPolicy::default() };
        let mut b = Backoff::new(&policy);
        let mut prev = base;
        for r in randoms {
            let d = b.next(r);
            prop_assert!(d >= base && d <= base + extra);
            prop_assert!(d <= prev.saturating_mul(3).max(base));
            prev = d;
        }
    }

    #[test]
    fn classify_is_total(status in 0u16..1000, code in proptest::option::of("[A-Za-z]{0,30}"), op in 0usize..7) {
        let f = Failure::Http { status, code, server_time_ms: None };
        let _ = classify(ALL_OPS[op], &f);
    }
}
