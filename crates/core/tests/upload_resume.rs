//! Resume: the checkpoint is a hint, ListParts is the truth; pause; vanished uploads; a Complete
//! whose answer was lost.

mod support;

use oss_resumable_core::checkpoint::Checkpoint;
use oss_resumable_core::upload::{Action, Event};
use support::*;

fn resume(oss: FakeOss, cp: Option<Checkpoint>, file: Vec<u8>) -> Harness {
    let mut oss = oss;
    oss.log.clear();
    oss.errors.clear();
    Harness::new(file, config(Some(PART), 3), cp, oss)
}

/// The distinct part numbers sent, ascending.
fn sent_parts(h: &Harness) -> Vec<u32> {
    let mut v = h.oss.uploaded_parts();
    v.sort();
    v.dedup();
    v
}

#[test]
fn pause_cancels_in_flight_and_keeps_upload_and_checkpoint() {
    let mut h = Harness::simple(10 * PART, Some(PART), 3);
    h.pause_after_parts = Some(4);
    h.run();
    assert!(matches!(h.events.last(), Some(Event::Paused)));
    assert!(h.m.is_finished());
    // Everything in flight when pausing was cancelled; nothing was aborted or deleted.
    assert!(!h.cancels.is_empty(), "no Cancel emitted");
    for id in &h.cancels {
        assert!(
            h.sends.iter().any(|(i, _)| i == id)
                || h.actions
                    .iter()
                    .any(|a| matches!(a, Action::Hash { id: hid, .. } if hid == id))
        );
    }
    assert_eq!(h.oss.count(|o| *o == Op::AbortMultipartUpload), 0);
    assert!(h.deleted_checkpoints().is_empty());
    assert_eq!(h.oss.uploads.len(), 1);
    let cp = h.store.as_ref().expect("checkpoint");
    assert!(cp.parts.len() >= 4);
    assert_eq!(cp.upload_id, *h.oss.uploads.keys().next().expect("upload"));
    // Nothing happens after the pause.
    assert_eq!(h.m.poll_timeout(), None);
}

#[test]
fn pause_then_a_new_machine_resumes_and_sends_only_the_rest() {
    let (oss, cp, file) = first_session(10 * PART + 99, 3, 5);
    let hinted: Vec<u32> = cp.parts.iter().map(|p| p.part_number).collect();
    let mut h = resume(oss, Some(cp), file);
    h.run();
    h.assert_object_is_file();
    let r = h.result();
    assert!(r.resumed);
    assert_eq!(r.parts_reused as usize, hinted.len());
    assert_eq!(h.oss.count(|o| *o == Op::InitiateMultipartUpload), 0);
    let sent = sent_parts(&h);
    assert!(
        sent.iter().all(|n| !hinted.contains(n)),
        "re-sent a confirmed part: {sent:?}"
    );
    assert_eq!(sent.len() + hinted.len(), 11);
    assert!(matches!(
        h.oss.ops().first(),
        Some(Op::ListParts { marker: None })
    ));
    assert!(h.store.is_none());
}

#[test]
fn resume_pages_list_parts_and_resends_parts_that_disagree() {
    let (mut oss, mut cp, file) = first_session(12 * PART + 7, 2, 8);
    assert!(cp.parts.len() >= 8);
    let upload_id = cp.upload_id.clone();
    let upload = oss.uploads.get_mut(&upload_id).expect("upload on server");
    // Part 2 was overwritten on the server by other bytes (ETag and CRC differ).
    let p2 = upload.parts.get_mut(&2).expect("part 2");
    p2.data[10] ^= 0xff;
    p2.etag = etag_of(&p2.data);
    // Part 4 on the server has the wrong size.
    let p4 = upload.parts.get_mut(&4).expect("part 4");
    p4.data.truncate(PART as usize - 1);
    p4.etag = etag_of(&p4.data);
    // The hint for part 3 names another ETag; the hint for part 5 another CRC-64.
    for hint in &mut cp.parts {
        match hint.part_number {
            3 => hint.etag = "\"00000000000000000000000000000000\"".to_owned(),
            5 => hint.crc64 ^= 1,
            _ => {}
        }
    }
    cp.seal();
    oss.list_page_size = 3;
    let on_server: Vec<u32> = oss.uploads[&upload_id].parts.keys().copied().collect();
    let hinted: Vec<u32> = cp.parts.iter().map(|p| p.part_number).collect();

    let mut h = resume(oss, Some(cp), file);
    h.run();
    h.assert_object_is_file();

    // Every ListParts page was read, following NextPartNumberMarker.
    let markers: Vec<Option<u32>> = h
        .oss
        .ops()
        .iter()
        .filter_map(|o| match o {
            Op::ListParts { marker } => Some(*marker),
            _ => None,
        })
        .collect();
    // The parts sent ahead of ListParts' answer (`early.rs`, numbered after the record's) may
    // be stored by the time the walk reaches them: a page more, never a page less.
    let pages = on_server.len().div_ceil(3);
    assert!(markers.len() >= pages, "{markers:?}");
    assert_eq!(markers[0], None);
    for (i, m) in markers.iter().enumerate().take(pages).skip(1) {
        assert_eq!(*m, Some(on_server[i * 3 - 1]));
    }
    // Parts 2 and 4 are not the file's bytes on the server: re-sent. Parts 3 and 5 are, whatever
    // the record says: ListParts and the local check prove them, so they are kept (§4.4).
    let trusted: Vec<u32> = on_server
        .iter()
        .copied()
        .filter(|n| ![2, 4].contains(n))
        .collect();
    assert!(hinted.contains(&3) && hinted.contains(&5));
    let r = h.result();
    assert!(r.resumed);
    assert_eq!(r.parts_reused as usize, trusted.len());
    let sent = sent_parts(&h);
    for n in [2, 4] {
        assert!(sent.contains(&n), "part {n} not re-sent: {sent:?}");
    }
    for n in &trusted {
        assert!(!sent.contains(n), "trusted part {n} re-sent");
    }
    assert_eq!(sent.len() + trusted.len(), 13);
}

/// A record that lags the server by `lag` parts: the parts whose answers arrived after the last
/// write, as when a tab closes in that window (issue 15's repro: "server 1..247, checkpoint
/// 1..245, sent again 246, 247").
fn lagging_record(lag: usize) -> (FakeOss, Checkpoint, Vec<u8>, Vec<u32>) {
    let (oss, mut cp, file) = first_session(10 * PART + 99, 3, 6);
    assert!(cp.parts.len() > lag);
    let upload_id = cp.upload_id.clone();
    let on_server: Vec<u32> = oss.uploads[&upload_id].parts.keys().copied().collect();
    cp.parts.sort_by_key(|p| p.part_number);
    cp.parts.truncate(cp.parts.len() - lag);
    cp.seal();
    (oss, cp, file, on_server)
}

#[test]
fn every_part_on_the_server_is_adopted_however_far_the_record_lags() {
    for lag in [0, 1, 3] {
        let (oss, cp, file, on_server) = lagging_record(lag);
        let recorded = cp.parts.len();
        let mut h = resume(oss, Some(cp), file);
        h.run();
        h.assert_object_is_file();
        let sent = sent_parts(&h);
        for n in &on_server {
            assert!(
                !sent.contains(n),
                "lag {lag}: part {n} was on the server and was sent again: {sent:?}"
            );
        }
        assert_eq!(sent.len() + on_server.len(), 11, "lag {lag}");
        let r = h.result();
        assert!(r.resumed);
        assert_eq!(r.parts_reused as usize, on_server.len(), "lag {lag}");
        assert!(
            on_server.len() >= recorded + lag,
            "lag {lag}: {on_server:?}"
        );
    }
}

#[test]
fn an_unrecorded_part_whose_bytes_differ_is_sent_again() {
    let (mut oss, cp, file, on_server) = lagging_record(2);
    let unrecorded = *on_server.last().expect("parts on the server");
    assert!(cp.parts.iter().all(|p| p.part_number != unrecorded));
    // The server's part is another file's bytes (its ETag and CRC-64 are theirs, consistently).
    let upload = oss.uploads.get_mut(&cp.upload_id).expect("upload");
    let part = upload.parts.get_mut(&unrecorded).expect("part");
    part.data[5] ^= 0xff;
    part.etag = etag_of(&part.data);
    let mut h = resume(oss, Some(cp), file);
    h.run();
    h.assert_object_is_file();
    let sent = sent_parts(&h);
    assert!(
        sent.contains(&unrecorded),
        "part {unrecorded} kept although it differs: {sent:?}"
    );
    assert_eq!(h.result().parts_reused as usize, on_server.len() - 1);
}

#[test]
fn parts_listed_without_a_crc64_are_sent_again() {
    let (mut oss, cp, file, on_server) = lagging_record(1);
    oss.list_without_crc = true;
    let mut h = resume(oss, Some(cp), file);
    h.run();
    h.assert_object_is_file();
    let sent = sent_parts(&h);
    assert_eq!(
        sent.len(),
        11,
        "nothing can be proved without HashCrc64ecma: {sent:?} ({on_server:?} listed)"
    );
    assert_eq!(h.result().parts_reused, 0);
}

#[test]
fn no_such_upload_on_resume_drops_the_checkpoint_and_starts_once_more() {
    let (mut oss, cp, file) = first_session(6 * PART, 2, 3);
    let old_id = cp.id();
    oss.uploads.clear(); // a lifecycle rule removed it
    let mut h = resume(oss, Some(cp), file);
    h.run();
    h.assert_object_is_file();
    let ops = h.oss.ops();
    assert_eq!(ops[0], Op::ListParts { marker: None });
    // No object at the key either (issue 15: a completed upload would be found by this HEAD).
    assert_eq!(ops[1], Op::HeadObject);
    assert_eq!(ops[2], Op::InitiateMultipartUpload);
    assert_eq!(h.oss.count(|o| matches!(o, Op::UploadPart(_))), 6);
    let r = h.result();
    assert!(!r.resumed);
    assert_eq!(r.parts_reused, 0);
    // The old record was deleted before the new one was written.
    let delete_at = h
        .actions
        .iter()
        .position(|a| matches!(a, Action::DeleteCheckpoint { id } if *id == old_id))
        .expect("old checkpoint deleted");
    let save_at = h
        .actions
        .iter()
        .position(|a| matches!(a, Action::SaveCheckpoint(_)))
        .expect("new checkpoint saved");
    assert!(delete_at < save_at);
    assert!(h.store.is_none());
}

#[test]
fn a_second_no_such_upload_fails_instead_of_looping() {
    let (mut oss, cp, file) = first_session(6 * PART, 2, 3);
    oss.uploads.clear();
    // The new upload vanishes too.
    oss.fault(
        |o| matches!(o, Op::UploadPart(_)),
        1,
        FaultKind::Status(404, "NoSuchUpload"),
    );
    let mut h = resume(oss, Some(cp), file);
    h.run();
    assert_eq!(h.error().code, "NoSuchUpload");
    assert_eq!(h.error().status, Some(404));
    assert_eq!(h.oss.count(|o| *o == Op::InitiateMultipartUpload), 1);
}

#[test]
fn damaged_checkpoint_is_deleted_and_the_upload_starts_fresh() {
    let (oss, mut cp, file) = first_session(6 * PART, 2, 3);
    let id = cp.id();
    cp.upload_id = "UPLOAD99999999".to_owned(); // edited without resealing
    let mut h = resume(oss, Some(cp), file);
    h.run();
    h.assert_object_is_file();
    assert!(
        matches!(&h.actions[..2], [Action::DeleteCheckpoint { id: d }, _] | [_, Action::DeleteCheckpoint { id: d }] if *d == id)
    );
    assert_eq!(h.oss.count(|o| matches!(o, Op::ListParts { .. })), 0);
    assert_eq!(h.oss.ops()[0], Op::InitiateMultipartUpload);
    assert!(!h.result().resumed);
}

#[test]
fn checkpoint_of_another_file_or_key_is_deleted_and_ignored() {
    // Same name and size, but the bytes changed (sampled CRC differs).
    let (oss, cp, mut file) = first_session(6 * PART, 2, 3);
    file[0] ^= 1;
    let id = cp.id();
    let mut h = resume(oss, Some(cp.clone()), file);
    h.run();
    h.assert_object_is_file();
    assert!(h.deleted_checkpoints().contains(&&id));
    assert_eq!(h.oss.count(|o| matches!(o, Op::ListParts { .. })), 0);

    // Another key.
    let (oss, cp, file) = first_session(6 * PART, 2, 3);
    let mut cfg = config(Some(PART), 3);
    cfg.key = "other/key.bin".to_owned();
    let id = cp.id();
    let mut h = Harness::new(file, cfg, Some(cp), oss);
    h.run();
    assert!(h.deleted_checkpoints().contains(&&id));
    assert_eq!(h.oss.count(|o| matches!(o, Op::ListParts { .. })), 0);
    assert!(h.oss.objects.contains_key("other/key.bin"));
}

#[test]
fn resume_with_every_part_on_the_server_goes_straight_to_complete() {
    let size = 4 * PART;
    let (oss, cp, file) = first_session(size, 1, 4);
    assert_eq!(cp.parts.len(), 4);
    let mut h = resume(oss, Some(cp), file);
    h.run();
    h.assert_object_is_file();
    assert_eq!(
        h.oss.ops(),
        vec![Op::ListParts { marker: None }, Op::CompleteMultipartUpload]
    );
    assert_eq!(h.result().parts_reused, 4);
}

#[test]
fn lost_complete_answer_then_no_such_upload_is_settled_by_head() {
    let mut h = Harness::simple(5 * PART + 3, Some(PART), 3);
    h.oss.fault(
        |o| *o == Op::CompleteMultipartUpload,
        1,
        FaultKind::LoseResponse,
    );
    h.run();
    h.assert_object_is_file();
    let ops = h.oss.ops();
    assert_eq!(
        &ops[ops.len() - 3..],
        &[
            Op::CompleteMultipartUpload,
            Op::CompleteMultipartUpload,
            Op::HeadObject
        ]
    );
    let r = h.result();
    assert_eq!(r.etag, h.oss.objects[KEY].etag);
    assert!(h.store.is_none(), "checkpoint not deleted");
}

#[test]
fn no_such_upload_on_complete_with_no_object_fails() {
    let mut h = Harness::simple(3 * PART, Some(PART), 3);
    h.oss.fault(
        |o| *o == Op::CompleteMultipartUpload,
        1,
        FaultKind::Status(404, "NoSuchUpload"),
    );
    h.run();
    let e = h.error();
    assert_eq!(e.code, "NoSuchUpload");
    assert_eq!(e.status, Some(404));
    assert!(e.request_id.is_some());
    assert_eq!(h.oss.ops().last(), Some(&Op::HeadObject));
}

#[test]
fn no_such_upload_on_complete_with_another_object_at_the_key_fails() {
    let mut h = Harness::simple(3 * PART, Some(PART), 3);
    h.oss.objects.insert(
        KEY.to_owned(),
        FakeObject {
            data: vec![7; 3 * PART as usize],
            etag: "\"X\"".to_owned(),
        },
    );
    h.oss.fault(
        |o| *o == Op::CompleteMultipartUpload,
        1,
        FaultKind::Status(404, "NoSuchUpload"),
    );
    h.run();
    let e = h.error();
    assert_eq!(e.code, "NoSuchUpload");
    assert!(e.message.contains("not this file"), "{}", e.message);
}

/// The file changed between sessions where the identity cannot see it (same name, size,
/// lastModified and sampled bytes): the reused part whose local bytes differ from the server's
/// is found by hashing it before Complete and re-sent, so the object is the current file.
#[test]
fn reused_parts_are_checked_against_the_local_file_before_complete() {
    let (oss, cp, mut file) = first_session(10 * PART + 99, 3, 5);
    let hinted: Vec<u32> = cp.parts.iter().map(|p| p.part_number).collect();
    assert!(
        hinted.contains(&2),
        "part 2 was uploaded in the first session: {hinted:?}"
    );
    // Part 2 is [PART, 2*PART): away from the sampled start, middle and end.
    let at = PART as usize + 10;
    file[at] ^= 0xff;
    let mut h = resume(oss, Some(cp), file);
    h.run();
    h.assert_object_is_file();
    let r = h.result();
    assert!(r.resumed);
    assert_eq!(
        r.parts_reused as usize,
        hinted.len() - 1,
        "part 2 no longer counts as reused"
    );
    let sent = sent_parts(&h);
    assert!(sent.contains(&2), "the changed part was re-sent: {sent:?}");
    // Every reused part was hashed locally (one Hash per part of the file, none skipped).
    let hashes = h
        .actions
        .iter()
        .filter(|a| matches!(a, Action::Hash { .. }))
        .count();
    assert!(hashes >= 11, "{hashes} hashes for 11 parts");
}

/// A first session that completed on the server, its page gone before Complete's answer was
/// read: the last checkpoint it saved (before Complete) is still in the store (issue 15).
fn completed_on_server(size: u64) -> (FakeOss, Checkpoint, Vec<u8>) {
    let mut h = Harness::simple(size, Some(PART), 2);
    h.run();
    h.assert_object_is_file();
    let cp = (*h
        .saved_checkpoints()
        .last()
        .expect("a checkpoint was saved"))
    .clone();
    assert!(h.oss.uploads.is_empty(), "Complete consumed the upload id");
    (std::mem::take(&mut h.oss), cp, h.file.clone())
}

fn hashed_bytes(h: &Harness) -> u64 {
    h.actions
        .iter()
        .filter_map(|a| match a {
            Action::Hash { start, end, .. } => Some(end - start),
            _ => None,
        })
        .sum()
}

#[test]
fn resume_of_an_upload_completed_on_the_server_is_settled_by_head_and_a_local_hash() {
    let (oss, cp, file) = completed_on_server(5 * PART + 3);
    let old_id = cp.id();
    let etag = oss.objects[KEY].etag.clone();
    let mut h = resume(oss, Some(cp.clone()), file);
    h.store = Some(cp);
    h.run();
    // Nothing sent again: the ListParts that found the upload gone, then the HEAD.
    assert_eq!(
        h.oss.ops(),
        vec![Op::ListParts { marker: None }, Op::HeadObject]
    );
    // The whole file was hashed locally to prove the object is this file.
    assert_eq!(hashed_bytes(&h), h.file.len() as u64);
    h.assert_object_is_file();
    let r = h.result();
    assert!(r.resumed);
    assert_eq!(r.etag, etag);
    assert_eq!(r.callback, None);
    assert!(h.deleted_checkpoints().contains(&&old_id));
    assert!(h.store.is_none(), "checkpoint not deleted");
    assert!(h.saved_checkpoints().is_empty());
    let loaded: Vec<u64> = h.progress().iter().map(|(l, _)| *l).collect();
    assert!(loaded.windows(2).all(|w| w[0] <= w[1]), "{loaded:?}");
    assert_eq!(loaded.last(), Some(&(h.file.len() as u64)));
}

#[test]
fn resume_of_a_completed_upload_whose_object_is_another_file_starts_over_once() {
    let (mut oss, cp, file) = completed_on_server(5 * PART + 3);
    // Someone else stored a file of the same size at the key since.
    let other = file_bytes(file.len() as u64, 99);
    oss.objects.insert(
        KEY.to_owned(),
        FakeObject {
            etag: etag_of(&other),
            data: other,
        },
    );
    let mut h = resume(oss, Some(cp), file);
    h.run();
    h.assert_object_is_file();
    let ops = h.oss.ops();
    assert_eq!(
        &ops[..3],
        &[
            Op::ListParts { marker: None },
            Op::HeadObject,
            Op::InitiateMultipartUpload
        ]
    );
    assert_eq!(h.oss.count(|o| *o == Op::InitiateMultipartUpload), 1);
    assert_eq!(h.oss.count(|o| matches!(o, Op::UploadPart(_))), 6);
    assert!(!h.result().resumed);
    assert!(h.store.is_none());
}

#[test]
fn resume_of_a_completed_upload_whose_object_is_gone_starts_over() {
    let (mut oss, cp, file) = completed_on_server(5 * PART + 3);
    oss.objects.clear();
    let mut h = resume(oss, Some(cp), file);
    h.run();
    h.assert_object_is_file();
    let ops = h.oss.ops();
    assert_eq!(
        &ops[..3],
        &[
            Op::ListParts { marker: None },
            Op::HeadObject,
            Op::InitiateMultipartUpload
        ]
    );
    assert_eq!(h.oss.count(|o| matches!(o, Op::UploadPart(_))), 6);
    assert!(!h.result().resumed);
}

#[test]
fn resume_of_a_completed_upload_with_the_crc_header_hidden_starts_over() {
    let (mut oss, cp, file) = completed_on_server(5 * PART + 3);
    // CORS hides x-oss-hash-crc64ecma: HEAD cannot prove the object is this file.
    oss.hide_crc = true;
    let mut h = resume(oss, Some(cp), file);
    h.run();
    h.assert_object_is_file();
    let ops = h.oss.ops();
    assert_eq!(
        &ops[..3],
        &[
            Op::ListParts { marker: None },
            Op::HeadObject,
            Op::InitiateMultipartUpload
        ]
    );
    assert_eq!(h.oss.count(|o| matches!(o, Op::UploadPart(_))), 6);
    assert!(!h.result().resumed);
}
