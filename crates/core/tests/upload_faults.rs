//! The upload machine against a misbehaving world: transient and fatal errors, expiring STS
//! credentials, clock skew, damaged parts, CORS-hidden headers, unreadable files, and the rule
//! that nothing secret leaks.

mod support;

use oss_resumable_core::crc64::crc64;
use oss_resumable_core::error::{ClientCode, OssError};
use oss_resumable_core::sign::Credentials;
use oss_resumable_core::upload::{Action, Event, TransportError};
use support::*;

fn count_part(h: &Harness, n: u32) -> usize {
    h.oss.count(|o| *o == Op::UploadPart(n))
}

#[test]
fn each_transient_failure_is_retried_with_backoff_and_fresh_signatures() {
    let kinds = [
        FaultKind::Transport(TransportError::Network),
        FaultKind::Transport(TransportError::Timeout),
        FaultKind::Status(500, "InternalError"),
        FaultKind::Status(503, "ServiceUnavailable"),
        FaultKind::Status(408, "RequestTimeout"),
        FaultKind::Status(429, "TooManyRequests"),
        FaultKind::Garbage(502),
    ];
    for kind in kinds {
        let mut h = Harness::simple(4 * PART, Some(PART), 2);
        h.step_ms = 1000;
        h.oss.fault(|o| *o == Op::UploadPart(2), 2, kind.clone());
        h.oss
            .fault(|o| *o == Op::InitiateMultipartUpload, 1, kind.clone());
        h.oss
            .fault(|o| *o == Op::CompleteMultipartUpload, 1, kind.clone());
        h.run();
        h.assert_object_is_file();
        assert_eq!(count_part(&h, 2), 3, "{kind:?}");
        assert_eq!(h.oss.count(|o| *o == Op::InitiateMultipartUpload), 2);
        assert_eq!(h.oss.count(|o| *o == Op::CompleteMultipartUpload), 2);
        // Each attempt of part 2 waited at least the base delay and was signed anew.
        let attempts: Vec<(i64, String)> = h
            .sends
            .iter()
            .zip(&h.send_at)
            .filter(|((_, r), _)| op_of(r) == Op::UploadPart(2))
            .map(|((_, r), t)| (*t, header(r, "x-oss-date").unwrap_or_default().to_owned()))
            .collect();
        assert_eq!(attempts.len(), 3);
        for w in attempts.windows(2) {
            assert!(w[1].0 - w[0].0 >= 200, "no backoff: {attempts:?}");
            assert!(w[1].1 > w[0].1, "x-oss-date not refreshed: {attempts:?}");
        }
    }
}

#[test]
fn retries_are_bounded_and_end_in_network_error_keeping_the_checkpoint() {
    let mut h = Harness::simple(4 * PART, Some(PART), 2);
    h.oss.fault(
        |o| *o == Op::UploadPart(1),
        100,
        FaultKind::Transport(TransportError::Network),
    );
    h.run();
    let e = h.error();
    assert_eq!(e.code, "NetworkError");
    assert!(e.message.contains("UploadPart 1"), "{}", e.message);
    assert_eq!(count_part(&h, 1), 4, "max_attempts is 4");
    assert!(h.store.is_some(), "checkpoint must survive a failure");
    assert!(h.deleted_checkpoints().is_empty());
}

#[test]
fn a_non_retryable_4xx_fails_with_its_code_status_and_request_id() {
    let mut h = Harness::simple(5 * PART, Some(PART), 2);
    h.oss.fault(
        |o| *o == Op::UploadPart(3),
        1,
        FaultKind::Status(403, "AccessDenied"),
    );
    h.run();
    let e = h.error().clone();
    assert_eq!(e.code, "AccessDenied");
    assert_eq!(e.status, Some(403));
    let (errors, ids) = (&h.oss.errors, &h.oss.request_ids);
    assert_eq!(errors.len(), 1);
    assert!(ids.contains(e.request_id.as_ref().expect("request id")));
    assert_eq!(count_part(&h, 3), 1, "AccessDenied must not be retried");
    assert_eq!(h.oss.count(|o| *o == Op::CompleteMultipartUpload), 0);
    assert!(h.store.is_some());
    // Nothing in flight is left running.
    assert_eq!(h.m.poll_timeout(), None);
}

#[test]
fn garbage_answers_become_invalid_response_not_panics() {
    // A non-OSS 403 page.
    let mut h = Harness::simple(3 * PART, Some(PART), 2);
    h.oss.fault(
        |o| *o == Op::InitiateMultipartUpload,
        1,
        FaultKind::Garbage(403),
    );
    h.run();
    assert_eq!(h.error().code, "InvalidResponse");
    assert_eq!(h.error().status, Some(403));

    // A 200 whose body is not an InitiateMultipartUploadResult: retried, then InvalidResponse.
    let mut h = Harness::simple(3 * PART, Some(PART), 2);
    h.oss.fault(
        |o| *o == Op::InitiateMultipartUpload,
        100,
        FaultKind::Garbage(200),
    );
    h.run();
    assert_eq!(h.error().code, "InvalidResponse");
    assert_eq!(h.error().status, Some(200));
    assert_eq!(h.oss.count(|o| *o == Op::InitiateMultipartUpload), 4);
    // Once only: the retry gets a proper answer.
    let mut h = Harness::simple(3 * PART, Some(PART), 2);
    h.oss.fault(
        |o| *o == Op::InitiateMultipartUpload,
        1,
        FaultKind::Garbage(200),
    );
    h.run();
    h.assert_object_is_file();

    // A ListParts page that is not XML while resuming.
    let mut first = Harness::simple(3 * PART, Some(PART), 1);
    first.pause_after_parts = Some(1);
    first.run();
    let cp = first.store.clone().expect("checkpoint");
    let mut oss = std::mem::take(&mut first.oss);
    oss.fault(
        |o| matches!(o, Op::ListParts { .. }),
        100,
        FaultKind::Garbage(200),
    );
    let mut h = Harness::new(first.file.clone(), config(Some(PART), 2), Some(cp), oss);
    h.run();
    assert_eq!(h.error().code, "InvalidResponse");
}

#[test]
fn three_parts_failing_on_an_expired_token_share_one_refresh() {
    let mut h = Harness::simple(9 * PART, Some(PART), 3);
    h.step_ms = 1000;
    // The token dies early on the server (revoked, or no Expiration given): the machine only
    // learns it from three parts failing in the same round.
    h.provider = Box::new(|n, now| {
        let creds = Credentials {
            access_key_id: format!("STS.id{n}"),
            access_key_secret: SECRET.to_owned(),
            security_token: Some(token(n)),
            expiration_ms: None,
            signer: false,
        };
        Ok((creds, (n == 1).then_some(now + 2_500)))
    });
    h.run();
    h.assert_object_is_file();
    let expired: Vec<&Op> = h
        .oss
        .errors
        .iter()
        .filter(|(_, c)| c == "SecurityTokenExpired")
        .map(|(o, _)| o)
        .collect();
    assert_eq!(expired.len(), 3, "{:?}", h.oss.errors);
    assert!(expired.iter().all(|o| matches!(o, Op::UploadPart(_))));
    assert_eq!(h.fetches, 2, "exactly one refresh for the three failures");
    // The failed parts were re-sent with the new token.
    for op in expired {
        let last = h
            .oss
            .log
            .iter()
            .rev()
            .find(|(o, _)| o == op)
            .expect("re-sent");
        assert_eq!(last.1, token(2));
    }
}

#[test]
fn credentials_are_refreshed_before_they_expire() {
    let mut h = Harness::simple(20 * PART, Some(PART), 1);
    h.step_ms = 60_000; // a slow link: one part a minute
    h.provider = sts_provider(15 * 60_000);
    h.run();
    h.assert_object_is_file();
    assert!(h.fetches >= 2, "never refreshed");
    assert!(
        h.oss.errors.is_empty(),
        "a request hit expired credentials: {:?}",
        h.oss.errors
    );
    // The first refresh came before the first credentials expired (and not absurdly early).
    let refresh = h.fetch_at[1] - START_MS;
    assert!(
        (7 * 60_000..15 * 60_000).contains(&refresh),
        "refresh after {refresh} ms"
    );
}

#[test]
fn a_rejected_provider_fails_with_credentials_error() {
    let mut h = Harness::simple(3 * PART, Some(PART), 2);
    h.provider = Box::new(|_, _| {
        Err(OssError::client(
            ClientCode::CredentialsError,
            "token service said 401",
        ))
    });
    h.run();
    let e = h.error();
    assert_eq!(e.code, "CredentialsError");
    assert!(e.message.contains("token service said 401"));
    assert!(h.oss.log.is_empty(), "no request without credentials");
}

#[test]
fn a_token_error_that_survives_a_refresh_fails() {
    let mut h = Harness::simple(3 * PART, Some(PART), 2);
    h.oss.fault(
        |o| *o == Op::InitiateMultipartUpload,
        100,
        FaultKind::Status(403, "InvalidAccessKeyId"),
    );
    h.run();
    assert_eq!(h.error().code, "InvalidAccessKeyId");
    assert_eq!(h.error().status, Some(403));
    assert_eq!(h.fetches, 2);
    assert_eq!(h.oss.count(|o| *o == Op::InitiateMultipartUpload), 2);
}

#[test]
fn clock_skew_is_corrected_from_server_time_and_kept() {
    let mut h = Harness::simple(6 * PART, Some(PART), 3);
    h.oss.skew_ms = 40 * 60_000; // the user's clock is 40 minutes slow
    h.run();
    h.assert_object_is_file();
    let skewed: Vec<_> = h
        .oss
        .errors
        .iter()
        .filter(|(_, c)| c == "RequestTimeTooSkewed")
        .collect();
    assert_eq!(
        skewed.len(),
        1,
        "the offset must be kept for later requests"
    );
    // Every later request was dated on the server's clock.
    for ((_, req), at) in h.sends.iter().zip(&h.send_at).skip(1) {
        let date = parse_v4_date(header(req, "x-oss-date").expect("date")).expect("parse");
        assert!((date - (at + h.oss.skew_ms)).abs() < 2_000);
    }
}

#[test]
fn persistent_skew_errors_are_bounded() {
    let mut h = Harness::simple(3 * PART, Some(PART), 2);
    h.oss.fault(
        |o| *o == Op::InitiateMultipartUpload,
        100,
        FaultKind::StatusWithServerTime(403, "RequestTimeTooSkewed"),
    );
    h.run();
    assert_eq!(h.error().code, "RequestTimeTooSkewed");
    // One clock correction per request (ali-oss retries forever).
    assert_eq!(h.oss.count(|o| *o == Op::InitiateMultipartUpload), 2);
}

#[test]
fn a_part_with_a_wrong_crc_is_resent() {
    let mut h = Harness::simple(4 * PART, Some(PART), 2);
    h.oss
        .fault(|o| *o == Op::UploadPart(2), 1, FaultKind::CorruptPart);
    h.run();
    h.assert_object_is_file();
    assert_eq!(count_part(&h, 2), 2);
}

#[test]
fn a_part_whose_crc_stays_wrong_fails_with_crc_mismatch() {
    let mut h = Harness::simple(4 * PART, Some(PART), 2);
    h.oss
        .fault(|o| *o == Op::UploadPart(2), 100, FaultKind::CorruptPart);
    h.run();
    let e = h.error();
    assert_eq!(e.code, "CrcMismatch");
    assert!(e.request_id.is_some());
    assert_eq!(count_part(&h, 2), 3, "sent once and re-sent twice");
    assert!(h.store.is_some());
}

#[test]
fn a_hidden_etag_fails_with_the_cors_rule_to_add() {
    let mut h = Harness::simple(3 * PART, Some(PART), 2);
    h.oss.hide_etag = true;
    h.run();
    let e = h.error();
    assert_eq!(e.code, "EtagNotExposed");
    for needle in [
        "ExposeHeader",
        "ETag",
        "x-oss-request-id",
        "x-oss-hash-crc64ecma",
        BUCKET,
    ] {
        assert!(
            e.message.contains(needle),
            "{needle} missing from {:?}",
            e.message
        );
    }
    assert_eq!(h.oss.count(|o| *o == Op::CompleteMultipartUpload), 0);
}

#[test]
fn a_hidden_crc_header_is_made_up_for_by_list_parts() {
    let mut h = Harness::simple(5 * PART + 9, Some(PART), 3);
    h.oss.hide_crc = true;
    h.run();
    h.assert_object_is_file();
    let ops = h.oss.ops();
    let list = ops
        .iter()
        .position(|o| matches!(o, Op::ListParts { .. }))
        .expect("ListParts");
    let last_part = ops
        .iter()
        .rposition(|o| matches!(o, Op::UploadPart(_)))
        .expect("parts");
    let complete = ops
        .iter()
        .position(|o| *o == Op::CompleteMultipartUpload)
        .expect("Complete");
    assert!(last_part < list && list < complete, "{ops:?}");
    assert_eq!(h.result().crc64, crc64(&h.file));
}

#[test]
fn a_hidden_crc_header_with_a_damaged_part_resends_it_after_list_parts() {
    let mut h = Harness::simple(5 * PART, Some(PART), 3);
    h.oss.hide_crc = true;
    h.oss
        .fault(|o| *o == Op::UploadPart(3), 1, FaultKind::CorruptPart);
    h.run();
    h.assert_object_is_file();
    assert_eq!(count_part(&h, 3), 2);
    assert_eq!(h.oss.count(|o| matches!(o, Op::ListParts { .. })), 2);
}

#[test]
fn an_unreadable_file_fails_with_file_changed_at_once_and_keeps_the_checkpoint() {
    // The browser cannot read the slice being sent.
    let mut h = Harness::simple(6 * PART, Some(PART), 3);
    h.send_unreadable = true;
    h.run();
    assert_eq!(h.error().code, "FileChanged");
    let part_sends = h
        .sends
        .iter()
        .filter(|(_, r)| matches!(op_of(r), Op::UploadPart(_)))
        .count();
    assert!(
        part_sends <= 3,
        "retried an unreadable file: {part_sends} sends"
    );
    assert!(h.store.is_some(), "checkpoint must be kept");
    assert!(h.deleted_checkpoints().is_empty());
    // Hashing fails the same way.
    let mut h = Harness::simple(6 * PART, Some(PART), 3);
    h.file_unreadable = true;
    h.run();
    assert_eq!(h.error().code, "FileChanged");
    assert_eq!(h.oss.count(|o| matches!(o, Op::UploadPart(_))), 0);
}

/// Every checkpoint and error the machine produced, in every form a driver might store or log.
fn assert_no_secret(h: &Harness) {
    let secrets: Vec<String> = std::iter::once(SECRET.to_owned())
        .chain((1..=6).map(token))
        .collect();
    let mut texts = Vec::new();
    for a in &h.actions {
        if let Action::SaveCheckpoint(cp) = a {
            texts.push(serde_json::to_string(cp).expect("a checkpoint serializes"));
            texts.push(format!("{cp:?}"));
        }
        // Actions (and their requests) are safe to log too.
        texts.push(format!("{a:?}"));
    }
    for e in &h.events {
        texts.push(format!("{e:?}"));
        if let Event::Failed(err) = e {
            texts.push(err.to_string());
            texts.push(err.message.clone());
        }
    }
    texts.push(format!("{:?}", h.m));
    for t in &texts {
        for s in &secrets {
            assert!(!t.contains(s.as_str()), "secret {s:?} leaked in {t}");
        }
    }
}

#[test]
fn no_secret_appears_in_checkpoints_errors_or_debug_output() {
    let mut scenarios: Vec<Harness> = Vec::new();
    let mut h = Harness::simple(5 * PART, Some(PART), 2);
    h.pause_after_parts = Some(2);
    scenarios.push(h);
    let mut h = Harness::simple(5 * PART, Some(PART), 2);
    h.oss.fault(
        |o| *o == Op::UploadPart(2),
        1,
        FaultKind::Status(403, "AccessDenied"),
    );
    scenarios.push(h);
    let mut h = Harness::simple(5 * PART, Some(PART), 2);
    h.oss.fault(
        |o| matches!(o, Op::UploadPart(_)),
        100,
        FaultKind::Status(403, "SecurityTokenExpired"),
    );
    scenarios.push(h);
    let mut h = Harness::simple(5 * PART, Some(PART), 2);
    h.oss.hide_etag = true;
    scenarios.push(h);
    let mut h = Harness::simple(5 * PART, Some(PART), 2);
    h.oss.skew_ms = -30 * 60_000;
    scenarios.push(h);
    let mut h = Harness::simple(5 * PART, Some(PART), 2);
    h.oss
        .fault(|o| *o == Op::UploadPart(1), 100, FaultKind::CorruptPart);
    scenarios.push(h);
    scenarios.push(Harness::simple(PART - 1, Some(PART), 2));
    for mut h in scenarios {
        h.run();
        assert!(h.m.is_finished());
        assert_no_secret(&h);
    }
}
