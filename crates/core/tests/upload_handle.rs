//! What the app steers while an upload runs (issue 13, part B): a signer on the app's server
//! (`Action::Sign`), `onStart` (`Event::Started`), `cancel`, `shouldRetry`, waiting while the
//! browser is offline, and the part cap of a shared `maxPartsInFlight` (`PartShare`).

mod support;

use std::cell::RefCell;
use std::rc::Rc;

use oss_resumable_core::error::{ClientCode, OssError};
use oss_resumable_core::retry::ShouldRetry;
use oss_resumable_core::sign::Credentials;
use oss_resumable_core::upload::{Action, Event, PartShare, Phase};
use support::*;

fn signer_credentials() -> Provider {
    Box::new(|_, _| Ok((Credentials::with_signer("STS.app", Some(token(1))), None)))
}

fn part_done(h: &Harness) -> usize {
    h.events
        .iter()
        .filter(|e| matches!(e, Event::PartDone { .. }))
        .count()
}

#[test]
fn a_signer_on_the_apps_server_signs_every_request_and_no_secret_is_here() {
    let mut h = Harness::simple(5 * PART, Some(PART), 3);
    h.provider = signer_credentials();
    h.signer = Some(Box::new(sign_with_secret));
    h.run();
    h.assert_object_is_file();
    // One signature per request sent, and each request carries exactly the signer's answer.
    assert_eq!(h.sign_requests.len(), h.sends.len());
    for (sign, (id, req)) in h.sign_requests.iter().zip(&h.sends) {
        let Action::Sign { id: sign_id, .. } = sign else {
            unreachable!()
        };
        assert_eq!(sign_id, id);
        let expected = sign_with_secret(sign).expect("signature");
        let auth = header(req, "authorization").expect("authorization");
        assert!(
            auth.starts_with("OSS4-HMAC-SHA256 Credential=STS.app/")
                && auth.ends_with(&format!("Signature={expected}")),
            "{auth}"
        );
    }
    let everything = format!("{:?}", h.actions);
    assert!(!everything.contains(SECRET), "the secret reached the page");
}

#[test]
fn a_signer_answer_of_the_wrong_shape_is_a_signer_error_before_any_byte_is_sent() {
    for answer in ["", "not a signature", "ABCD", &"g".repeat(64)] {
        let mut h = Harness::simple(5 * PART, Some(PART), 3);
        h.provider = signer_credentials();
        let answer = answer.to_owned();
        h.signer = Some(Box::new(move |_| Ok(answer.clone())));
        h.run();
        assert_eq!(h.error().code, ClientCode::SignerError.as_str());
        assert!(h.sends.is_empty(), "a request went out unsigned");
    }
    // A signer that fails is the same error, with its message.
    let mut h = Harness::simple(5 * PART, Some(PART), 3);
    h.provider = signer_credentials();
    h.signer = Some(Box::new(|_| {
        Err(OssError::client(ClientCode::SignerError, "403 from /sign"))
    }));
    h.run();
    assert_eq!(h.error().code, "SignerError");
    assert!(h.error().message.contains("403 from /sign"));
}

#[test]
fn a_well_formed_wrong_signature_is_left_to_oss() {
    let mut h = Harness::simple(5 * PART, Some(PART), 3);
    h.provider = signer_credentials();
    h.signer = Some(Box::new(|_| Ok("0".repeat(64))));
    // The model does not check signatures: it answers as OSS would to a wrong one.
    h.oss.fault(
        |_| true,
        100,
        FaultKind::Status(403, "SignatureDoesNotMatch"),
    );
    h.run();
    assert_eq!(h.error().code, "SignatureDoesNotMatch");
    assert_eq!(h.error().status, Some(403));
}

#[test]
fn started_comes_once_with_the_upload_id_before_any_part() {
    let mut h = Harness::simple(5 * PART, Some(PART), 3);
    h.run();
    let started: Vec<usize> = h
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e, Event::Started { .. }))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(started.len(), 1);
    let first_part = h
        .events
        .iter()
        .position(|e| matches!(e, Event::PartDone { .. }))
        .expect("parts");
    assert!(started[0] < first_part);
    let Event::Started { upload_id, resumed } = &h.events[started[0]] else {
        unreachable!()
    };
    assert_eq!(upload_id, &h.result().upload_id);
    assert!(!resumed);

    // A resume reports the same upload id, resumed.
    let (oss, cp, file) = first_session(5 * PART, 1, 2);
    let mut h = Harness::new(file, config(Some(PART), 2), Some(cp.clone()), oss);
    h.run();
    assert!(h.events.contains(&Event::Started {
        upload_id: cp.upload_id.clone(),
        resumed: true
    }));
}

#[test]
fn cancel_aborts_the_upload_on_the_server_and_forgets_the_checkpoint() {
    let mut h = Harness::simple(8 * PART, Some(PART), 2);
    h.hook = Some(Box::new(|h: &mut Harness| {
        if part_done(h) >= 2 {
            h.m.cancel(h.now);
        }
    }));
    h.run();
    assert_eq!(h.error().code, "Cancelled");
    assert!(
        h.oss.uploads.is_empty(),
        "the upload is still on the server"
    );
    assert!(h.oss.objects.is_empty());
    assert_eq!(h.oss.count(|o| *o == Op::AbortMultipartUpload), 1);
    assert_eq!(h.oss.count(|o| *o == Op::CompleteMultipartUpload), 0);
    assert!(h.store.is_none(), "the checkpoint is kept");
}

#[test]
fn cancel_retries_the_abort_like_any_request_and_keeps_the_checkpoint_if_it_fails() {
    let mut h = Harness::simple(8 * PART, Some(PART), 2);
    h.oss.fault(
        |o| *o == Op::AbortMultipartUpload,
        1,
        FaultKind::Status(503, "ServiceUnavailable"),
    );
    h.hook = Some(Box::new(|h: &mut Harness| {
        if part_done(h) >= 1 {
            h.m.cancel(h.now);
        }
    }));
    h.run();
    assert_eq!(h.error().code, "Cancelled");
    assert_eq!(h.oss.count(|o| *o == Op::AbortMultipartUpload), 2);
    assert!(h.oss.uploads.is_empty());

    let mut h = Harness::simple(8 * PART, Some(PART), 2);
    h.oss.fault(
        |o| *o == Op::AbortMultipartUpload,
        100,
        FaultKind::Status(403, "AccessDenied"),
    );
    h.hook = Some(Box::new(|h: &mut Harness| {
        if part_done(h) >= 1 {
            h.m.cancel(h.now);
        }
    }));
    h.run();
    assert_eq!(h.error().code, "AccessDenied");
    assert!(h.error().message.contains("discard(id)"));
    assert!(h.store.is_some(), "the checkpoint must stay for discard()");
}

#[test]
fn cancel_while_initiating_aborts_the_upload_initiate_creates() {
    let mut h = Harness::simple(8 * PART, Some(PART), 2);
    h.hook = Some(Box::new(|h: &mut Harness| {
        if h.sends.len() == 1 {
            h.m.cancel(h.now);
        }
    }));
    h.run();
    assert_eq!(h.error().code, "Cancelled");
    assert_eq!(h.oss.count(|o| *o == Op::InitiateMultipartUpload), 1);
    assert_eq!(h.oss.count(|o| matches!(o, Op::UploadPart(_))), 0);
    assert_eq!(h.oss.count(|o| *o == Op::AbortMultipartUpload), 1);
    assert!(h.oss.uploads.is_empty());
}

#[test]
fn should_retry_is_asked_only_for_retries_and_can_stop_them() {
    let asked: Rc<RefCell<Vec<(String, u32)>>> = Rc::default();
    let mut cfg = config(Some(PART), 2);
    let log = asked.clone();
    cfg.should_retry = Some(ShouldRetry(Rc::new(move |e: &OssError, attempt| {
        log.borrow_mut().push((e.code.clone(), attempt));
        attempt < 2
    })));
    let mut h = Harness::new(file_bytes(4 * PART, 1), cfg, None, FakeOss::default());
    h.oss.fault(
        |o| *o == Op::UploadPart(2),
        10,
        FaultKind::Status(503, "ServiceUnavailable"),
    );
    h.run();
    assert_eq!(h.error().code, "ServiceUnavailable");
    assert_eq!(
        *asked.borrow(),
        vec![
            ("ServiceUnavailable".to_owned(), 1),
            ("ServiceUnavailable".to_owned(), 2)
        ]
    );
    assert_eq!(h.oss.count(|o| *o == Op::UploadPart(2)), 2);

    // A permanent error is never offered for a retry.
    asked.borrow_mut().clear();
    let mut cfg = config(Some(PART), 2);
    let log = asked.clone();
    cfg.should_retry = Some(ShouldRetry(Rc::new(move |e: &OssError, attempt| {
        log.borrow_mut().push((e.code.clone(), attempt));
        true
    })));
    let mut h = Harness::new(file_bytes(4 * PART, 1), cfg, None, FakeOss::default());
    h.oss.fault(
        |o| *o == Op::UploadPart(2),
        1,
        FaultKind::Status(403, "AccessDenied"),
    );
    h.run();
    assert_eq!(h.error().code, "AccessDenied");
    assert!(asked.borrow().is_empty());
}

#[test]
fn offline_requests_wait_for_the_network_without_spending_tries() {
    let mut cfg = config(Some(PART), 2);
    cfg.retry.max_attempts = 1; // any spent try would fail the upload
    let mut h = Harness::new(file_bytes(8 * PART, 3), cfg, None, FakeOss::default());
    // Rounds of the harness since the network went away.
    let mut offline_rounds: Option<u32> = None;
    h.hook = Some(Box::new(move |h: &mut Harness| {
        match offline_rounds.as_mut() {
            // The browser says it is offline as the sends start failing (the driver reads
            // navigator.onLine before it reports a transport failure); a few rounds later (the
            // in-flight parts have failed, the machine waits) it is back.
            None if part_done(h) >= 2 => {
                offline_rounds = Some(0);
                h.network_down = true;
                h.m.set_online(false, h.now);
            }
            Some(n) if h.network_down => {
                *n += 1;
                if *n >= 2 {
                    h.network_down = false;
                    h.m.set_online(true, h.now);
                }
            }
            _ => {}
        }
    }));
    h.run();
    if let Some(Event::Failed(e)) = h.events.last() {
        panic!("{e:?}");
    }
    h.assert_object_is_file();
    // Sends did fail for want of a network (they never reached the model), and cost no try.
    assert!(h.sends.len() > h.oss.log.len(), "no send failed offline");
    assert!(h.progress().iter().any(|(_, p)| *p == Phase::Offline));
    assert_eq!(h.progress().last().map(|p| p.1), Some(Phase::Done));
}

#[test]
fn offline_longer_than_offline_wait_fails_with_network_error() {
    let mut cfg = config(Some(PART), 2);
    cfg.retry.offline_wait_ms = 60_000;
    let mut h = Harness::new(file_bytes(8 * PART, 3), cfg, None, FakeOss::default());
    h.hook = Some(Box::new(|h: &mut Harness| {
        if part_done(h) >= 1 && !h.network_down {
            h.network_down = true;
            h.m.set_online(false, h.now);
        }
    }));
    h.run();
    assert_eq!(h.error().code, "NetworkError");
    assert!(
        h.error().message.contains("offline"),
        "{}",
        h.error().message
    );
    assert!(
        h.store.is_some(),
        "the checkpoint is kept for a later resume"
    );
}

#[test]
fn a_part_cap_bounds_parts_in_flight_below_parallel() {
    let mut h = Harness::simple(8 * PART, Some(PART), 4);
    h.hook = Some(Box::new(|h: &mut Harness| {
        h.m.set_part_cap(Some(1), h.now);
    }));
    h.run();
    h.assert_object_is_file();
    assert_eq!(h.max_parts_in_flight, 1);
}

/// Five uploads of 12 parts each (`parallel` 3) share `maxPartsInFlight` 4; each step one upload
/// settles and starts what its cap allows, and one in-flight part (chosen by a fixed sequence)
/// completes.
#[test]
fn a_shared_limit_is_never_exceeded_and_every_upload_gets_its_turn() {
    const LIMIT: usize = 4;
    let mut share = PartShare::new(LIMIT);
    struct Up {
        member: u64,
        left: usize,
        in_flight: usize,
        cap: usize,
        done: usize,
    }
    let mut ups: Vec<Up> = (0..5)
        .map(|_| Up {
            member: share.join(),
            left: 12,
            in_flight: 0,
            cap: 0,
            done: 0,
        })
        .collect();
    let mut rng = 0x2545_f491_u64;
    let mut max_total = 0;
    let mut longest_wait = vec![0usize; ups.len()];
    let mut waiting_since = vec![0usize; ups.len()];
    for step in 0..10_000 {
        // Every upload settles (a release wakes the others), starting with a different one.
        for k in 0..ups.len() {
            let i = (step + k) % ups.len();
            let u = &mut ups[i];
            let wanted = (u.left + u.in_flight).min(3);
            let s = share.settle(u.member, u.in_flight, wanted);
            u.cap = s.cap;
            assert!(u.in_flight <= u.cap, "a cap below the parts in flight");
            while u.in_flight < u.cap.min(3) && u.left > 0 {
                u.in_flight += 1;
                u.left -= 1;
                waiting_since[i] = step;
            }
            if u.in_flight == 0 && u.left > 0 {
                longest_wait[i] = longest_wait[i].max(step - waiting_since[i]);
            }
            let total: usize = ups.iter().map(|u| u.in_flight).sum();
            assert!(share.owned() <= LIMIT);
            max_total = max_total.max(total);
        }
        // One in-flight part somewhere completes.
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let busy: Vec<usize> = (0..ups.len()).filter(|&j| ups[j].in_flight > 0).collect();
        if let Some(&j) = busy.get((rng as usize) % busy.len().max(1)) {
            ups[j].in_flight -= 1;
            ups[j].done += 1;
        }
        if ups.iter().all(|u| u.done == 12) {
            break;
        }
    }
    assert!(max_total <= LIMIT, "{max_total} parts in flight");
    assert_eq!(max_total, LIMIT, "the limit was never used in full");
    assert!(ups.iter().all(|u| u.done == 12), "an upload never finished");
    // Every upload started parts throughout. The longest wait is at the start, while the first
    // upload to settle still holds the three slots it took alone (about 30 completions for
    // 60 parts here); a starved upload would wait for the others' whole 48 parts.
    assert!(
        longest_wait.iter().all(|&w| w < 40),
        "an upload was starved: {longest_wait:?}"
    );
}
