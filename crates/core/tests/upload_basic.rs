//! The upload machine on a healthy server: plans, parallelism, Complete, progress.

mod support;

use oss_resumable_core::crc64::crc64;
use oss_resumable_core::upload::{Action, Event, Phase};
use support::*;

#[test]
fn small_files_go_up_in_one_put_object_with_crc_checked() {
    for size in [0, 1, PART - 1] {
        let mut h = Harness::simple(size, Some(PART), 3);
        h.run();
        assert_eq!(h.oss.ops(), vec![Op::PutObject], "size {size}");
        h.assert_object_is_file();
        let r = h.result();
        assert_eq!(r.upload_id, "");
        assert!(!r.resumed);
        assert_eq!(r.crc64, crc64(&h.file));
        assert!(!r.request_id.is_empty());
        // The body was hashed first, and no checkpoint is ever written for a single PUT.
        assert!(
            matches!(h.actions.iter().find(|a| matches!(a, Action::Hash { .. })),
            Some(Action::Hash { start: 0, end, .. }) if *end == size)
        );
        assert!(h.saved_checkpoints().is_empty());
    }
}

#[test]
fn multipart_sizes_complete_with_the_exact_bytes() {
    for (size, parts) in [(PART, 1), (PART + 1, 2), (5 * PART + 123, 6)] {
        let mut h = Harness::simple(size, Some(PART), 3);
        h.run();
        h.assert_object_is_file();
        let ops = h.oss.ops();
        assert_eq!(
            ops.first(),
            Some(&Op::InitiateMultipartUpload),
            "size {size}"
        );
        assert_eq!(ops.last(), Some(&Op::CompleteMultipartUpload));
        let mut sent: Vec<u32> = ops
            .iter()
            .filter_map(|o| match o {
                Op::UploadPart(n) => Some(*n),
                _ => None,
            })
            .collect();
        sent.sort();
        assert_eq!(sent, (1..=parts).collect::<Vec<_>>(), "size {size}");
        let r = h.result();
        assert!(r.upload_id.starts_with("UPLOAD"));
        assert!(!r.resumed);
        assert_eq!(r.parts_reused, 0);
        // A checkpoint was saved after Initiate and after each part, then deleted at the end.
        assert_eq!(h.saved_checkpoints().len(), 1 + parts as usize);
        assert_eq!(h.saved_checkpoints()[0].parts.len(), 0);
        assert_eq!(h.deleted_checkpoints().len(), 1);
        assert!(h.store.is_none(), "checkpoint left behind");
        assert!(h.oss.uploads.is_empty());
    }
}

#[test]
fn default_part_size_is_used_when_none_is_given() {
    let mut h = Harness::simple(300 * KIB, None, 3);
    h.run();
    h.assert_object_is_file();
    // 300 KiB fits in one 8 MiB part.
    assert_eq!(h.oss.count(|o| matches!(o, Op::UploadPart(_))), 1);
}

#[test]
fn at_most_parallel_parts_are_in_flight_and_hashing_stays_close() {
    for parallel in [1usize, 3, 5] {
        let mut h = Harness::simple(12 * PART, Some(PART), parallel);
        h.run();
        h.assert_object_is_file();
        assert_eq!(h.max_parts_in_flight, parallel, "parallel {parallel}");
        // Hashes outstanding plus requests in flight never exceed twice the window.
        assert!(
            h.max_hash_ahead <= 2 * parallel,
            "{} > 2 × {parallel}",
            h.max_hash_ahead
        );
        // Each part was hashed before it was sent.
        for (i, (id, req)) in h.sends.iter().enumerate() {
            if let Op::UploadPart(_) = op_of(req) {
                let hashed_before = h
                    .actions
                    .iter()
                    .take_while(|a| !matches!(a, Action::Send { id: sid, .. } if sid == id));
                let range = match req.body {
                    oss_resumable_core::request::Body::FileRange { start, end } => (start, end),
                    _ => panic!("part body is not a file range"),
                };
                assert!(
                    hashed_before.clone().any(
                        |a| matches!(a, Action::Hash { start, end, .. } if (*start, *end) == range)
                    ),
                    "send #{i} without a hash of its range"
                );
            }
        }
    }
}

#[test]
fn complete_lists_parts_ascending_with_etags_as_returned() {
    let mut h = Harness::simple(7 * PART + 5, Some(PART), 4);
    h.run();
    let complete = h
        .sends
        .iter()
        .find(|(_, r)| op_of(r) == Op::CompleteMultipartUpload)
        .map(|(_, r)| r.clone())
        .expect("Complete sent");
    let body = match &complete.body {
        oss_resumable_core::request::Body::Bytes(b) => b.clone(),
        other => panic!("Complete body {other:?}"),
    };
    let listed = complete_body_parts(&body);
    assert_eq!(listed.len(), 8);
    for (i, (n, etag)) in listed.iter().enumerate() {
        assert_eq!(*n, i as u32 + 1);
        let (start, end) = (
            (*n as u64 - 1) * PART,
            (*n as u64 * PART).min(h.file.len() as u64),
        );
        assert_eq!(
            *etag,
            etag_of(&h.file[start as usize..end as usize]),
            "quoted MD5 ETag"
        );
    }
    assert_eq!(header(&complete, "content-type"), Some("application/xml"));
}

#[test]
fn wrong_object_crc_after_complete_fails_with_crc_mismatch() {
    let mut h = Harness::simple(3 * PART, Some(PART), 2);
    h.oss.fault(
        |o| *o == Op::CompleteMultipartUpload,
        1,
        FaultKind::WrongObjectCrc,
    );
    h.run();
    let e = h.error();
    assert_eq!(e.code, "CrcMismatch");
    assert_eq!(e.status, Some(200));
    assert!(e.request_id.is_some());
}

#[test]
fn progress_never_decreases_and_phases_run_in_order() {
    let mut h = Harness::simple(9 * PART + 77, Some(PART), 3);
    // Failures after half a part was reported sent would pull a naive sum back.
    h.oss.fault(
        |o| matches!(o, Op::UploadPart(2 | 5)),
        2,
        FaultKind::Transport(oss_resumable_core::upload::TransportError::Network),
    );
    h.oss.fault(
        |o| matches!(o, Op::UploadPart(7)),
        1,
        FaultKind::Status(503, "ServiceUnavailable"),
    );
    h.run();
    h.assert_object_is_file();
    let progress = h.progress();
    assert!(
        progress.windows(2).all(|w| w[0].0 <= w[1].0),
        "loaded went backwards: {progress:?}"
    );
    let rank = |p: Phase| match p {
        Phase::Preparing => 0,
        Phase::Uploading => 1,
        Phase::Completing => 2,
        Phase::Done => 3,
        // Never reported here: the network never goes away in this run.
        Phase::Offline => 4,
    };
    assert!(
        progress.windows(2).all(|w| rank(w[0].1) <= rank(w[1].1)),
        "{progress:?}"
    );
    for phase in [
        Phase::Preparing,
        Phase::Uploading,
        Phase::Completing,
        Phase::Done,
    ] {
        assert!(progress.iter().any(|p| p.1 == phase), "no {phase:?}");
    }
    let last = h
        .events
        .iter()
        .rev()
        .find_map(|e| match e {
            Event::Progress(p) => Some(p.clone()),
            _ => None,
        })
        .expect("progress");
    assert_eq!(
        (last.loaded, last.total),
        (h.file.len() as u64, h.file.len() as u64)
    );
    assert_eq!((last.parts_done, last.parts_total), (10, 10));
    // Bytes moved while the virtual clock ran: the speed was measured at some point.
    assert!(h
        .events
        .iter()
        .any(|e| matches!(e, Event::Progress(p) if p.bytes_per_second > 0.0)));
    // Completed is the last event, after the Done progress.
    assert!(matches!(h.events.last(), Some(Event::Completed(_))));
}

#[test]
fn part_done_events_cover_every_part_once() {
    let mut h = Harness::simple(4 * PART + 1, Some(PART), 2);
    h.run();
    let mut done: Vec<(u32, u64)> = h
        .events
        .iter()
        .filter_map(|e| match e {
            Event::PartDone { part_number, size } => Some((*part_number, *size)),
            _ => None,
        })
        .collect();
    done.sort();
    assert_eq!(
        done,
        vec![(1, PART), (2, PART), (3, PART), (4, PART), (5, 1)]
    );
}

/// An engine that reports upload progress every 8 KiB (WebKit) gets at most one byte-count report
/// per `PROGRESS_EVERY_MS`, while every change of phase or parts done and the final report still
/// come through, and the reported bytes never go backwards.
#[test]
fn byte_progress_is_coalesced_but_stage_changes_are_not() {
    use oss_resumable_core::upload::PROGRESS_EVERY_MS;
    let mut h = Harness::simple(4 * PART, Some(PART), 1);
    // 8 KiB every 1 ms: 13 reports per 100 KiB part.
    h.progress_step = Some((8 * 1024, 1));
    h.run();
    h.assert_object_is_file();
    let progress: Vec<(i64, u64, u32, Phase)> = h
        .events
        .iter()
        .zip(&h.event_at)
        .filter_map(|(e, at)| match e {
            Event::Progress(p) => Some((*at, p.loaded, p.parts_done, p.phase)),
            _ => None,
        })
        .collect();
    let mut byte_only = 0;
    for w in progress.windows(2) {
        let ((t0, l0, d0, p0), (t1, l1, d1, p1)) = (w[0], w[1]);
        assert!(l1 >= l0, "progress went backwards: {w:?}");
        if d0 == d1 && p0 == p1 {
            byte_only += 1;
            assert!(
                t1 - t0 >= PROGRESS_EVERY_MS,
                "two byte-count reports {} ms apart: {w:?}",
                t1 - t0
            );
        }
    }
    assert!(
        byte_only >= 1,
        "bytes were reported between parts: {progress:?}"
    );
    // Every part's completion was reported, and the last report is the whole file, done.
    for n in 1..=4 {
        assert!(
            progress.iter().any(|p| p.2 == n),
            "parts done {n}: {progress:?}"
        );
    }
    let last = progress.last().expect("progress");
    assert_eq!(
        (last.1, last.2, last.3),
        (h.file.len() as u64, 4, Phase::Done)
    );
    // 4 parts × 13 reports came from the transport; far fewer reached the page.
    assert!(
        progress.len() < 25,
        "{} reports: {progress:?}",
        progress.len()
    );
}
