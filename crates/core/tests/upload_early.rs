//! A resumed upload sends its first new parts before their CRC-64 is known (issue 16,
//! `upload/early.rs`), and still trusts no part whose bytes the local hash did not confirm.

mod support;

use oss_resumable_core::request::Body;
use oss_resumable_core::upload::Action;
use support::*;

/// A resume of a 10-part upload paused after 5 parts, parallel 3, its hashes answered only
/// once nothing is in flight (so the server answers the first new parts before their hashes).
fn resumed(setup: impl FnOnce(&mut FakeOss)) -> Harness {
    let (mut oss, cp, file) = first_session(10 * PART + 99, 3, 5);
    oss.log.clear();
    oss.errors.clear();
    setup(&mut oss);
    let mut h = Harness::new(file, config(Some(PART), 3), Some(cp), oss);
    h.hashes_last = true;
    h
}

/// Every UploadPart sent, in order: its part number and whether it left before any hash of
/// its range was answered.
fn part_sends(h: &Harness) -> Vec<(u32, bool)> {
    h.actions
        .iter()
        .enumerate()
        .filter_map(|(i, a)| match a {
            Action::Send { request, .. } => match (op_of(request), &request.body) {
                (Op::UploadPart(n), Body::FileRange { start, end }) => {
                    let hashed = h
                        .hash_answered
                        .iter()
                        .any(|(s, e, at)| s == start && e == end && *at <= i);
                    Some((n, !hashed))
                }
                _ => None,
            },
            _ => None,
        })
        .collect()
}

fn sends_of(h: &Harness, n: u32) -> usize {
    h.oss.count(|o| *o == Op::UploadPart(n))
}

#[test]
fn the_first_parts_after_resume_leave_before_their_hash_and_the_rest_after() {
    let mut h = resumed(|_| {});
    h.run();
    h.assert_object_is_file();
    assert!(h.result().resumed);
    let sends = part_sends(&h);
    assert!(sends.len() >= 4, "{sends:?}");
    // `parallel` (3) parts go early, and only those: every later one is hashed first.
    assert!(sends[..3].iter().all(|(_, early)| *early), "{sends:?}");
    assert!(sends[3..].iter().all(|(_, early)| !*early), "{sends:?}");
    // An early part whose answer agrees with its later hash is sent once.
    for (n, _) in &sends {
        assert_eq!(sends_of(&h, *n), 1, "part {n} sent again: {sends:?}");
    }
    // Its ETag, CRC-64 and size are in the checkpoint only once its hash confirmed it: every
    // checkpoint saved lists each part with the file's CRC-64 of its range.
    for cp in h.saved_checkpoints() {
        for p in &cp.parts {
            let start = (p.part_number as u64 - 1) * PART;
            let end = (start + PART).min(h.file.len() as u64);
            let crc = oss_resumable_core::crc64::crc64(&h.file[start as usize..end as usize]);
            assert_eq!(
                p.crc64, crc,
                "part {} saved with a CRC-64 not its own",
                p.part_number
            );
        }
    }
}

#[test]
fn an_early_part_the_server_got_wrong_is_sent_again_once_its_hash_shows_it() {
    // The first UploadPart after the resume is stored with a flipped byte, so the server's CRC
    // (answered before the local hash) differs from the hash that arrives later.
    let mut h = resumed(|oss| {
        oss.fault(
            |o| matches!(o, Op::UploadPart(_)),
            1,
            FaultKind::CorruptPart,
        );
    });
    h.run();
    let sends = part_sends(&h);
    let (first, early) = sends[0];
    assert!(early, "{sends:?}");
    // Re-sent once, hashed this time; Complete names the good copy (the object is the file).
    assert_eq!(sends_of(&h, first), 2, "{sends:?}");
    let again = sends.iter().skip(1).find(|(n, _)| *n == first);
    assert_eq!(again, Some(&(first, false)), "{sends:?}");
    h.assert_object_is_file();
    let completed = h
        .oss
        .ops()
        .iter()
        .filter(|o| **o == Op::CompleteMultipartUpload)
        .count();
    assert_eq!(completed, 1);
}

#[test]
fn a_hidden_crc_header_checks_early_parts_by_list_parts_and_hashes_the_rest_first() {
    let mut h = resumed(|oss| {
        oss.hide_crc = true;
        oss.fault(
            |o| matches!(o, Op::UploadPart(_)),
            1,
            FaultKind::CorruptPart,
        );
    });
    h.run();
    h.assert_object_is_file();
    let sends = part_sends(&h);
    let (first, _) = sends[0];
    // The early batch left before CORS was seen hiding the header; nothing after it did.
    assert!(sends[..3].iter().all(|(_, early)| *early), "{sends:?}");
    assert!(sends[3..].iter().all(|(_, early)| !*early), "{sends:?}");
    // The corrupt early part was caught by the ListParts before Complete, against its local
    // hash, and sent again.
    assert_eq!(sends_of(&h, first), 2, "{sends:?}");
    let ops = h.oss.ops();
    // The first ListParts is the resume's; the next one verifies before Complete.
    let verify = ops
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, o)| matches!(o, Op::ListParts { .. }))
        .map(|(i, _)| i)
        .expect("a verifying ListParts");
    assert!(matches!(ops[0], Op::ListParts { .. }), "{ops:?}");
    let resent = ops
        .iter()
        .rposition(|o| *o == Op::UploadPart(first))
        .expect("part sent");
    assert!(verify < resent, "{ops:?}");
}

#[test]
fn a_pause_while_an_early_part_awaits_its_hash_sends_it_again_after_hashing() {
    let mut h = resumed(|_| {});
    // Pause as soon as the first early part has been answered (its hash not yet in).
    h.hook = Some(Box::new(|h: &mut Harness| {
        if h.oss.count(|o| matches!(o, Op::UploadPart(_))) >= 1 && !h.m.is_finished() {
            h.m.pause(h.now);
        }
    }));
    h.run();
    assert!(matches!(
        h.events.last(),
        Some(oss_resumable_core::upload::Event::Paused)
    ));
    // The early hash was withdrawn with the send; nothing half-known was saved.
    let cp = h.store.clone().expect("checkpoint kept");
    let answered = h.oss.uploaded_parts();
    for n in &answered {
        assert!(
            !cp.parts.iter().any(|p| p.part_number == *n),
            "part {n} saved before its hash: {:?}",
            cp.parts
        );
    }
    // A later resume completes the file.
    let oss = std::mem::take(&mut h.oss);
    let mut again = Harness::new(h.file.clone(), config(Some(PART), 3), Some(cp), oss);
    again.run();
    again.assert_object_is_file();
}

/// A resume of a 21-part upload paused after 5 parts, parallel 3, hashes answered as they come
/// (a fast disk); with the part numbers the record names.
fn resumed_fast(setup: impl FnOnce(&mut FakeOss)) -> (Harness, Vec<u32>) {
    let (mut oss, cp, file) = first_session(20 * PART + 99, 3, 5);
    oss.log.clear();
    oss.errors.clear();
    setup(&mut oss);
    let recorded = cp.parts.iter().map(|p| p.part_number).collect();
    (
        Harness::new(file, config(Some(PART), 3), Some(cp), oss),
        recorded,
    )
}

/// ListParts' first attempt is lost on the network, so what was sent ahead of it is answered
/// first.
fn lose_first_list_parts(oss: &mut FakeOss) {
    oss.fault(
        |o| matches!(o, Op::ListParts { .. }),
        1,
        FaultKind::Transport(oss_resumable_core::upload::TransportError::Network),
    );
}

/// Each UploadPart send: its part number and the harness time it left at.
fn part_send_times(h: &Harness) -> Vec<(u32, i64)> {
    h.sends
        .iter()
        .zip(&h.send_at)
        .filter_map(|((_, r), at)| match op_of(r) {
            Op::UploadPart(n) => Some((n, *at)),
            _ => None,
        })
        .collect()
}

/// Where in `h.actions` the first UploadPart was sent and the first record written.
fn first_part_and_first_save(h: &Harness) -> (usize, usize) {
    let part = h
        .actions
        .iter()
        .position(|a| matches!(a, Action::Send { request, .. } if matches!(op_of(request), Op::UploadPart(_))))
        .expect("parts sent");
    let save = h
        .actions
        .iter()
        .position(|a| matches!(a, Action::SaveCheckpoint(_)))
        .expect("a record written");
    (part, save)
}

#[test]
fn parts_past_the_old_pages_reach_leave_with_list_parts() {
    let (mut h, recorded) = resumed_fast(|_| {});
    h.run();
    h.assert_object_is_file();
    let r = h.result();
    assert!(r.resumed);
    assert_eq!(r.parts_reused as usize, recorded.len());
    // Sent before ListParts' answer: before the record that answer writes.
    let (first_part, first_save) = first_part_and_first_save(&h);
    assert!(first_part < first_save, "{:?}", h.actions);
    // `parallel` parts left with ListParts: the first ones past the highest part the record
    // names, the old page's parts in flight (at most 6, the pace's most, the larger than 3) and
    // as many again answered after its last write.
    let highest = *recorded.iter().max().expect("parts recorded");
    let list_at = h
        .sends
        .iter()
        .zip(&h.send_at)
        .find(|((_, r), _)| matches!(op_of(r), Op::ListParts { .. }))
        .map(|(_, at)| *at)
        .expect("a ListParts");
    let sends = part_send_times(&h);
    let ahead: Vec<u32> = sends
        .iter()
        .filter(|(_, at)| *at == list_at)
        .map(|(n, _)| *n)
        .collect();
    assert_eq!(
        ahead,
        vec![highest + 13, highest + 14, highest + 15],
        "{sends:?}"
    );
    // Every other part is sent once, after the answer; none twice.
    for n in 1..=21 {
        let expected = usize::from(!recorded.contains(&n));
        assert_eq!(sends_of(&h, n), expected, "part {n}: {sends:?}");
    }
}

#[test]
fn a_part_sent_ahead_that_list_parts_shows_stored_is_withdrawn_and_adopted() {
    // The record lags the server by sixteen parts, more than the window the parts sent ahead
    // skip (12).
    let (mut oss, mut cp, file) = first_session(20 * PART + 99, 3, 18);
    let on_server: Vec<u32> = oss.uploads[&cp.upload_id].parts.keys().copied().collect();
    cp.parts.retain(|p| p.part_number <= 2);
    cp.seal();
    oss.log.clear();
    let mut h = Harness::new(file, config(Some(PART), 3), Some(cp), oss);
    h.run();
    h.assert_object_is_file();
    // Parts 15, 16 and 17 left ahead of ListParts' answer, were withdrawn once the list showed
    // them stored, and never reached the server again.
    for n in [15, 16, 17] {
        assert!(on_server.contains(&n), "{on_server:?}");
        let send = h
            .sends
            .iter()
            .find(|(_, r)| op_of(r) == Op::UploadPart(n))
            .map(|(id, _)| *id)
            .expect("sent ahead");
        assert!(
            h.cancels.contains(&send),
            "part {n}'s request was not withdrawn"
        );
        assert_eq!(sends_of(&h, n), 0, "part {n}");
    }
    assert_eq!(h.result().parts_reused as usize, on_server.len());
}

#[test]
fn no_such_upload_on_a_part_sent_ahead_waits_for_list_parts_and_its_head() {
    // The upload is gone; ListParts' first attempt is lost on the network, so the parts sent
    // ahead of it are answered first, with NoSuchUpload.
    let (mut h, _) = resumed_fast(|oss| {
        oss.uploads.clear();
        lose_first_list_parts(oss);
    });
    h.run();
    h.assert_object_is_file();
    let ops = h.oss.ops();
    let first_part = ops
        .iter()
        .position(|o| matches!(o, Op::UploadPart(_)))
        .expect("parts sent");
    let head = ops
        .iter()
        .position(|o| *o == Op::HeadObject)
        .expect("a HEAD, as ListParts' NoSuchUpload asks");
    let initiate = ops
        .iter()
        .position(|o| *o == Op::InitiateMultipartUpload)
        .expect("a new upload");
    // The parts' NoSuchUpload did not start over: ListParts' did, after the HEAD.
    assert!(first_part < head && head < initiate, "{ops:?}");
    assert_eq!(h.oss.count(|o| *o == Op::InitiateMultipartUpload), 1);
    assert!(!h.result().resumed);
}

#[test]
fn a_part_stored_before_list_parts_answers_is_ours_and_the_record_keeps_the_servers_parts() {
    // ListParts' first attempt is lost, so the parts sent ahead are stored and hashed first.
    let (mut h, recorded) = resumed_fast(|oss| {
        lose_first_list_parts(oss);
    });
    h.run();
    h.assert_object_is_file();
    let ops = h.oss.ops();
    let lists: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, o)| matches!(o, Op::ListParts { .. }))
        .map(|(i, _)| i)
        .collect();
    assert!(lists.len() >= 2, "{ops:?}");
    let before_answer = ops[..lists[1]]
        .iter()
        .filter(|o| matches!(o, Op::UploadPart(_)))
        .count();
    assert_eq!(before_answer, 3, "{ops:?}");
    // Listed, but ours: not counted as reused, and not sent again.
    assert_eq!(h.result().parts_reused as usize, recorded.len());
    for n in 1..=21 {
        assert!(sends_of(&h, n) <= 1, "part {n} sent again: {ops:?}");
    }
    // No record written while ListParts was out drops the parts the server had.
    for cp in h.saved_checkpoints() {
        for n in &recorded {
            assert!(
                cp.parts.iter().any(|p| p.part_number == *n),
                "a record without part {n}: {:?}",
                cp.parts
            );
        }
    }
}
