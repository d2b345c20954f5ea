//! Discarding an upload (`upload::Abort`): AbortMultipartUpload of a checkpoint's upload id with
//! the upload's own retry rules (backoff, one credential refresh, one clock fix), `NoSuchUpload`
//! as success, and the checkpoint deleted only once the upload is gone.

mod support;

use oss_resumable_core::checkpoint::Checkpoint;
use oss_resumable_core::error::{ClientCode, OssError};
use oss_resumable_core::upload::{Action, TransportError};
use support::*;

/// A paused upload with two parts on the server, and its checkpoint.
fn paused() -> (FakeOss, Checkpoint) {
    let (oss, cp, _) = first_session(6 * PART, 1, 2);
    assert_eq!(oss.uploads.len(), 1);
    (oss, cp)
}

fn aborts(h: &AbortHarness) -> usize {
    h.oss.count(|o| *o == Op::AbortMultipartUpload)
}

/// The checkpoint was deleted, once, as the very last action.
fn assert_checkpoint_deleted(h: &AbortHarness, cp: &Checkpoint) {
    assert!(h.store.is_none(), "the checkpoint is still stored");
    let deletes: Vec<&Action> = h
        .actions
        .iter()
        .filter(|a| matches!(a, Action::DeleteCheckpoint { .. }))
        .collect();
    assert_eq!(deletes.len(), 1, "{:?}", h.actions);
    assert!(
        matches!(h.actions.last(), Some(Action::DeleteCheckpoint { id }) if *id == cp.id()),
        "{:?}",
        h.actions.last()
    );
}

/// The checkpoint is kept, so that discarding can be tried again.
fn assert_checkpoint_kept(h: &AbortHarness) {
    assert!(h.store.is_some());
    assert!(!h
        .actions
        .iter()
        .any(|a| matches!(a, Action::DeleteCheckpoint { .. })));
}

#[test]
fn abort_removes_the_upload_then_deletes_the_checkpoint() {
    let (oss, cp) = paused();
    let mut h = AbortHarness::new(cp.clone(), oss);
    h.run();
    assert_eq!(h.outcome, Some(Ok(())));
    assert!(
        h.oss.uploads.is_empty(),
        "the upload is still on the server"
    );
    assert_eq!(h.oss.ops(), vec![Op::AbortMultipartUpload]);
    assert_eq!(h.fetches, 1);
    // Signed with the fetched credentials, for the checkpoint's target and upload id.
    assert_eq!(h.oss.log[0].1, token(1));
    let (_, req) = &h.sends[0];
    assert_eq!((req.bucket.as_str(), req.key.as_str()), (BUCKET, KEY));
    assert_eq!(
        req.query_param("uploadId"),
        Some(Some(cp.upload_id.as_str()))
    );
    assert_checkpoint_deleted(&h, &cp);
}

#[test]
fn no_such_upload_is_success() {
    // The upload is already gone (completed, aborted elsewhere, or expired by a lifecycle rule).
    let (mut oss, cp) = paused();
    oss.uploads.clear();
    let mut h = AbortHarness::new(cp.clone(), oss);
    h.run();
    assert_eq!(h.outcome, Some(Ok(())));
    assert_eq!(
        h.oss.errors,
        vec![(Op::AbortMultipartUpload, "NoSuchUpload".to_owned())]
    );
    assert_eq!(aborts(&h), 1, "NoSuchUpload is not retried");
    assert_checkpoint_deleted(&h, &cp);
}

#[test]
fn a_503_is_retried_after_a_backoff() {
    let (mut oss, cp) = paused();
    oss.fault(
        |o| *o == Op::AbortMultipartUpload,
        1,
        FaultKind::Status(503, "ServiceUnavailable"),
    );
    let mut h = AbortHarness::new(cp.clone(), oss);
    h.run();
    assert_eq!(h.outcome, Some(Ok(())));
    assert_eq!(aborts(&h), 2);
    assert!(h.oss.uploads.is_empty());
    // The retry waited for the machine's timer, at least the base delay (200 ms); without the
    // backoff it would have gone out with the next round, 50 ms later.
    let waited = h.send_at[1] - h.send_at[0];
    assert!(waited >= 200, "retried after {waited} ms");
    assert_checkpoint_deleted(&h, &cp);
}

#[test]
fn network_failures_are_retried_up_to_the_limit_then_fail_keeping_the_checkpoint() {
    let (mut oss, cp) = paused();
    oss.fault(
        |o| *o == Op::AbortMultipartUpload,
        100,
        FaultKind::Transport(TransportError::Network),
    );
    let mut h = AbortHarness::new(cp, oss);
    h.run();
    assert_eq!(h.error().code, "NetworkError");
    assert!(
        h.error().message.contains("AbortMultipartUpload"),
        "{}",
        h.error().message
    );
    assert_eq!(aborts(&h), 4, "max_attempts of the retry policy");
    // Backoff between every try.
    for pair in h.send_at.windows(2) {
        assert!(pair[1] - pair[0] >= 200, "{:?}", h.send_at);
    }
    assert_eq!(h.oss.uploads.len(), 1);
    assert_checkpoint_kept(&h);
}

#[test]
fn an_expired_token_is_refreshed_once() {
    let (mut oss, cp) = paused();
    oss.fault(
        |o| *o == Op::AbortMultipartUpload,
        1,
        FaultKind::Status(403, "SecurityTokenExpired"),
    );
    let mut h = AbortHarness::new(cp.clone(), oss);
    h.run();
    assert_eq!(h.outcome, Some(Ok(())));
    assert_eq!(h.fetches, 2);
    let tokens: Vec<&str> = h.oss.log.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(tokens, [token(1), token(2)]);
    assert_checkpoint_deleted(&h, &cp);

    // A token error that survives the refresh is final.
    let (mut oss, cp) = paused();
    oss.fault(
        |o| *o == Op::AbortMultipartUpload,
        100,
        FaultKind::Status(403, "SecurityTokenExpired"),
    );
    let mut h = AbortHarness::new(cp, oss);
    h.run();
    assert_eq!(h.error().code, "SecurityTokenExpired");
    assert_eq!(h.fetches, 2, "one refresh per request");
    assert_eq!(aborts(&h), 2);
    assert_checkpoint_kept(&h);
}

#[test]
fn clock_skew_is_corrected_from_server_time() {
    let (mut oss, cp) = paused();
    oss.skew_ms = 40 * 60_000; // the page's clock is 40 minutes slow
    let mut h = AbortHarness::new(cp.clone(), oss);
    h.run();
    assert_eq!(h.outcome, Some(Ok(())));
    assert_eq!(
        h.oss.errors,
        vec![(Op::AbortMultipartUpload, "RequestTimeTooSkewed".to_owned())]
    );
    assert_eq!(aborts(&h), 2);
    // The retry was dated on the server's clock.
    let date = parse_v4_date(header(&h.sends[1].1, "x-oss-date").expect("date")).expect("parse");
    assert!((date - (h.send_at[1] + 40 * 60_000)).abs() < 2_000);
    assert_checkpoint_deleted(&h, &cp);
}

#[test]
fn access_denied_fails_with_its_code_at_once_keeping_the_checkpoint() {
    let (mut oss, cp) = paused();
    oss.fault(
        |o| *o == Op::AbortMultipartUpload,
        100,
        FaultKind::Status(403, "AccessDenied"),
    );
    let mut h = AbortHarness::new(cp, oss);
    h.run();
    let e = h.error();
    assert_eq!(e.code, "AccessDenied");
    assert_eq!(e.status, Some(403));
    assert!(e.request_id.is_some(), "OSS's request id is kept");
    assert_eq!(aborts(&h), 1, "a permanent error is not retried");
    assert_eq!(h.fetches, 1);
    assert_eq!(h.oss.uploads.len(), 1);
    assert_checkpoint_kept(&h);
}

#[test]
fn a_failing_provider_fails_with_credentials_error_before_any_request() {
    let (oss, cp) = paused();
    let mut h = AbortHarness::new(cp, oss);
    h.provider = Box::new(|_, _| {
        Err(OssError::client(
            ClientCode::CredentialsError,
            "token service said 401",
        ))
    });
    h.run();
    assert_eq!(h.error().code, "CredentialsError");
    assert!(h.error().message.contains("token service said 401"));
    assert!(h.oss.log.is_empty());
    assert_checkpoint_kept(&h);
}

#[test]
fn no_secret_appears_in_actions_errors_or_debug_output() {
    let (mut oss, cp) = paused();
    oss.fault(
        |o| *o == Op::AbortMultipartUpload,
        100,
        FaultKind::Status(403, "SecurityTokenExpired"),
    );
    let mut h = AbortHarness::new(cp, oss);
    h.run();
    let mut texts: Vec<String> = h.actions.iter().map(|a| format!("{a:?}")).collect();
    texts.push(format!("{:?}", h.m));
    texts.push(format!("{:?}", h.outcome));
    texts.push(h.error().to_string());
    for t in &texts {
        for secret in [SECRET.to_owned(), token(1), token(2)] {
            assert!(!t.contains(&secret), "secret {secret:?} leaked in {t}");
        }
    }
}
