//! What OSS's answers mean for the upload: each successful answer (PutObject, Initiate,
//! UploadPart, ListParts for resume or for hidden CRCs, Complete, HEAD) moves it on; a failure
//! that the retry rules do not absorb ends it, or, for `NoSuchUpload`, restarts the upload or
//! checks whether an earlier Complete did succeed (§4.7), after Complete or on resume (issue 15).
//! CRC-64 checks (§6.2) and hidden CORS headers (§7.1) are judged here.

use super::calls::{request_id, Call, Failure};
use super::schedule::{LocalCheck, PartState};
use super::{Action, Event, Response, Stage, Upload, UploadResult};
use crate::error::{code, ClientCode, OssError, StoredObject};
use crate::operation::Operation;
use crate::retry::Decision;
use crate::vecmap::VecMap;
use crate::xml;

/// How many times a part is sent again after OSS reported a CRC-64 different from ours.
const MAX_CRC_RESENDS: u32 = 2;

/// The multipart upload on the server, and what resume learnt about it.
#[derive(Debug, Default)]
pub(super) struct Remote {
    pub(super) upload_id: Option<String>,
    /// Parts seen on the server by the current ListParts walk, keyed by part number.
    pub(super) listed: VecMap<u32, xml::Part>,
    /// A new upload was already started once after `NoSuchUpload`.
    restarted: bool,
    /// The `NoSuchUpload` Complete got, reported if HEAD does not show our object.
    pending_no_such_upload: Option<OssError>,
    /// The HEAD (and then the local hash) asks whether the checkpoint's upload was completed
    /// by an earlier session whose page closed before Complete's answer (issue 15).
    checking_resume: bool,
    /// The object HEAD found with the file's size: (ETag, CRC-64, request id), kept while the
    /// whole file is hashed to compare.
    found: Option<(String, u64, String)>,
    pub(super) resumed: bool,
    pub(super) parts_reused: u32,
}

impl Upload {
    /// A failed attempt the retry rules may still absorb.
    pub(super) fn on_failure(&mut self, key: u64, failure: Failure, now_ms: i64) {
        let Some((operation, part_number)) = self.calls.operation(key) else {
            return;
        };
        match operation {
            Operation::UploadPart => {
                if let Some(n) = part_number {
                    if let Some(part) = self.parts.part_mut(n) {
                        part.in_flight = 0;
                    }
                    self.pace_forget(n);
                }
            }
            Operation::PutObject => self.parts.single.in_flight = 0,
            _ => {}
        }
        if operation == Operation::HeadObject
            && failure.error.status == Some(404)
            && self.remote.checking_resume
        {
            // No object at the key: the upload vanished without completing; start over.
            self.calls.take(key);
            return self.restart(now_ms);
        }
        if operation == Operation::HeadObject && failure.error.status == Some(404) {
            // No object at the key: the NoSuchUpload from Complete stands.
            self.calls.take(key);
            let e = self
                .remote
                .pending_no_such_upload
                .take()
                .unwrap_or(failure.error);
            self.delete_saved_checkpoint();
            return self.fail(e);
        }
        match self.calls.on_failure(key, &failure, now_ms) {
            None => {}
            // Cancelling: the upload is already gone (§4.7), which is all cancel wants.
            Some(Decision::TreatAsSuccess) => self.cancelled(),
            Some(_) if self.stage == Stage::Cancelling => self.cancel_failed(failure.error),
            // A resume's HEAD that cannot be made (denied, network): start over as before it.
            Some(_) if self.remote.checking_resume => self.restart(now_ms),
            // A part sent ahead of a resume's ListParts (`early.rs`): the list will say the same,
            // and its answer decides (a HEAD first), not this part's.
            Some(Decision::RestartUpload | Decision::CheckObjectExists)
                if operation == Operation::UploadPart && self.stage == Stage::Resuming =>
            {
                if let Some(n) = part_number {
                    self.take_back(n);
                }
            }
            Some(Decision::RestartUpload | Decision::CheckObjectExists) => {
                self.on_no_such_upload(operation, failure.error, now_ms);
            }
            Some(_) => self.fail(failure.error),
        }
    }

    /// `NoSuchUpload`: the uploadId is gone (completed, aborted or removed by a lifecycle rule).
    fn on_no_such_upload(&mut self, operation: Operation, error: OssError, now_ms: i64) {
        match operation {
            Operation::CompleteMultipartUpload => {
                // An earlier Complete may have succeeded with its answer lost: look at the object.
                self.stage = Stage::CheckingObject;
                self.remote.pending_no_such_upload = Some(error);
                self.head_object(now_ms);
            }
            Operation::ListParts if self.stage == Stage::Resuming && !self.remote.restarted => {
                // The upload may be gone because an earlier session's Complete succeeded and
                // the page closed before reading its answer: look at the object before sending
                // the file again (issue 15, §4.3). The parts sent ahead of this answer went to
                // the vanished upload: taken back (`early.rs`).
                self.withdraw_all();
                self.stage = Stage::CheckingObject;
                self.remote.checking_resume = true;
                self.head_object(now_ms);
            }
            Operation::ListParts | Operation::UploadPart if !self.remote.restarted => {
                self.restart(now_ms);
            }
            _ => {
                // The record names an upload that no longer exists: it can never be resumed.
                self.delete_saved_checkpoint();
                self.fail(error);
            }
        }
    }

    /// Forget the vanished upload and start a new one, keeping the hashes already computed.
    fn restart(&mut self, now_ms: i64) {
        self.remote.restarted = true;
        self.remote.checking_resume = false;
        self.remote.found = None;
        self.withdraw_all();
        self.delete_saved_checkpoint();
        self.remote.listed.clear();
        self.remote.upload_id = None;
        self.remote.resumed = false;
        self.remote.parts_reused = 0;
        self.parts.forget_server();
        self.record.created_at_ms = now_ms;
        self.stage = Stage::Initiating;
        self.initiate(now_ms);
    }

    /// A 2xx answer: moves the upload on, unless its body or CRC header is unusable.
    pub(super) fn on_success(&mut self, key: u64, resp: Response, now_ms: i64) {
        let Some((operation, part_number)) = self.calls.operation(key) else {
            return;
        };
        if let Some(error) = unusable_answer(operation, &resp) {
            // Garbage in a 2xx answer: retried like a transient failure, then InvalidResponse.
            return self.on_failure(key, Failure::unusable(error), now_ms);
        }
        let Some(call) = self.calls.take(key) else {
            return;
        };
        match operation {
            Operation::PutObject => self.on_put_object(call, &resp, now_ms),
            Operation::InitiateMultipartUpload => self.on_initiate(&resp, now_ms),
            Operation::UploadPart => {
                if let Some(n) = part_number {
                    self.on_upload_part(n, &resp, now_ms);
                }
            }
            Operation::ListParts => self.on_list_parts(&resp, now_ms),
            Operation::CompleteMultipartUpload => self.on_complete(&resp, now_ms),
            Operation::HeadObject => self.on_head_object(&resp, now_ms),
            Operation::AbortMultipartUpload => self.cancelled(),
            // Never started by the upload.
            Operation::ListMultipartUploads => {}
        }
    }

    /// PutObject stored the object: done when OSS's CRC-64 is ours (or hidden); otherwise `call`
    /// is sent again while resends are left.
    fn on_put_object(&mut self, call: Call, resp: &Response, now_ms: i64) {
        let local = self.parts.single.crc.unwrap_or(0);
        match response_crc(resp) {
            Err(e) => return self.fail(e),
            Ok(Some(remote)) if remote != local => {
                if self.parts.single.crc_resends < MAX_CRC_RESENDS {
                    self.parts.single.crc_resends += 1;
                    self.parts.single.in_flight = 0;
                    self.calls.resume(call, now_ms);
                } else {
                    self.fail(crc_mismatch(resp, "PutObject", local, remote));
                }
                return;
            }
            // Hidden by CORS: a PutObject has nothing else to check against (documented).
            Ok(_) => {}
        }
        self.progress.sent_done = self.file.size;
        self.parts.single.in_flight = self.file.size;
        let result = UploadResult {
            bucket: self.config.bucket.clone(),
            key: self.config.key.clone(),
            etag: resp.header("etag").unwrap_or_default().to_owned(),
            crc64: local,
            size: self.file.size,
            upload_id: String::new(),
            resumed: false,
            parts_reused: 0,
            request_id: request_id(resp).unwrap_or_default(),
            callback: None,
        };
        let has_callback = self.config.object.callback.is_some();
        self.stored(result, resp, has_callback, now_ms);
    }

    /// The object is stored: done, with the callback server's answer when there was a callback,
    /// or, on `203 CallbackFailed`, failed with an error that still names the stored object
    /// (the object exists; the app decides what a failed callback means, §10.1).
    fn stored(&mut self, mut result: UploadResult, resp: &Response, callback: bool, now_ms: i64) {
        if resp.status == 203 {
            let mut e = match xml::parse::<xml::OssErrorBody>(&resp.body) {
                Ok(body) => OssError::from_response(resp.status, &body),
                Err(_) => {
                    let mut e = response_error(
                        ClientCode::InvalidResponse,
                        "the object was stored but its upload callback failed".to_owned(),
                        resp,
                    );
                    // The status alone says CallbackFailed (§10.1).
                    e.code = code::CALLBACK_FAILED.to_owned();
                    e
                }
            }
            .with_request_id(request_id(resp))
            .with_ec(resp.header("x-oss-ec").map(str::to_owned));
            e.message = format!(
                "{} (the object {:?} was stored: ETag {}, CRC-64 {}; only the callback failed)",
                e.message, result.key, result.etag, result.crc64
            );
            e.stored = Some(Box::new(StoredObject {
                bucket: result.bucket,
                key: result.key,
                etag: result.etag,
                crc64: result.crc64,
                size: result.size,
            }));
            return self.fail(e);
        }
        if callback {
            // OSS requires the callback server to answer JSON, so UTF-8 (§10.1).
            result.callback = Some(String::from_utf8(resp.body.clone()).unwrap_or_default());
        }
        self.succeed(result, now_ms);
    }

    fn on_initiate(&mut self, resp: &Response, now_ms: i64) {
        let upload_id = match xml::parse::<xml::InitiateMultipartUploadResult>(&resp.body) {
            Ok(r) if !r.upload_id.is_empty() => r.upload_id,
            _ => {
                return self.fail(invalid_response(
                    resp,
                    "InitiateMultipartUpload answered without an UploadId",
                ))
            }
        };
        self.remote.upload_id = Some(upload_id.clone());
        self.save_checkpoint(now_ms);
        if self.stage == Stage::Cancelling {
            // Cancelled while Initiate was out: abort the upload it created.
            return self.abort_remote(now_ms);
        }
        self.stage = Stage::Uploading;
        self.started(upload_id, false);
    }

    fn on_upload_part(&mut self, number: u32, resp: &Response, now_ms: i64) {
        let Some(etag) = resp
            .header("etag")
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
        else {
            // Without the ETag the part cannot be listed in Complete; only CORS can fix this.
            return self.fail(etag_not_exposed(&self.config.bucket, resp));
        };
        let remote = match response_crc(resp) {
            Ok(c) => c,
            Err(e) => return self.fail(e),
        };
        if self.early_answered(number, &etag, remote) {
            // Sent before its hash finished: judged when the hash is in (`early.rs`).
            return;
        }
        let Some(part) = self.parts.part_mut(number) else {
            return;
        };
        let local = part.crc64.unwrap_or(0);
        if let Some(remote) = remote.filter(|r| *r != local) {
            if part.crc_resends < MAX_CRC_RESENDS {
                part.crc_resends += 1;
                part.state = PartState::Hashed;
                part.in_flight = 0;
                return;
            }
            let e = crc_mismatch(resp, &format!("UploadPart {number}"), local, remote);
            return self.fail(e);
        }
        self.part_stored(number, etag, remote.is_some(), now_ms);
    }

    /// UploadPart `number` is on the server with our bytes (`confirmed`: OSS's CRC-64 said so;
    /// otherwise ListParts checks it before Complete, §7.1).
    pub(super) fn part_stored(&mut self, number: u32, etag: String, confirmed: bool, now_ms: i64) {
        let Some(part) = self.parts.part_mut(number) else {
            return;
        };
        part.etag = Some(etag);
        part.crc_confirmed = confirmed;
        part.state = PartState::Done;
        part.in_flight = 0;
        let size = part.size();
        self.progress.sent_done += size;
        self.events.push_back(Event::PartDone {
            part_number: number,
            size,
        });
        if self.stage == Stage::Resuming {
            // Sent ahead of ListParts' answer: no re-cut while the server's parts are unknown.
            self.pace_forget(number);
        } else {
            // Before saving: a re-cut plan is saved with this part.
            self.pace_done(number, now_ms);
        }
        self.save_checkpoint(now_ms);
    }

    fn on_list_parts(&mut self, resp: &Response, now_ms: i64) {
        let page = match xml::parse::<xml::ListPartsResult>(&resp.body) {
            Ok(p) => p,
            Err(_) => {
                return self.fail(invalid_response(
                    resp,
                    "ListParts answered an unreadable body",
                ))
            }
        };
        let last_seen = self.remote.listed.last_key().copied().unwrap_or(0);
        for part in page.parts {
            self.remote.listed.insert(part.part_number, part);
        }
        if page.is_truncated {
            match page.next_part_number_marker {
                // The marker must move forward, or a broken server would page us forever.
                marker if marker > last_seen => {
                    return self.list_parts_page(Some(marker), now_ms);
                }
                _ => {
                    return self.fail(invalid_response(
                        resp,
                        "ListParts is truncated but its NextPartNumberMarker does not advance",
                    ))
                }
            }
        }
        match self.stage {
            Stage::Resuming => self.reconcile(now_ms),
            Stage::Verifying => self.verify_listed(now_ms),
            _ => {}
        }
    }

    /// Resume: adopt every part the server holds whose size fits the plan and whose CRC-64
    /// ListParts reports, whether or not the checkpoint names it. The checkpoint can lag the
    /// server (a part's answer arrived, then the tab closed before the record was written), so
    /// it only says where to look; the server's CRC-64 says what the part is, and the local
    /// check before Complete (`LocalCheck`, schedule.rs) proves the file still has those bytes,
    /// re-sending any part that differs. A part listed without `HashCrc64ecma` cannot be proved
    /// and is sent again (docs/protocol.md §4.4, §6.1).
    ///
    /// Parts sent ahead of this answer (`early.rs`): one the server answered is ours, whatever
    /// the list says; one still out that the list shows stored is taken back and adopted.
    fn reconcile(&mut self, now_ms: i64) {
        let listed = std::mem::take(&mut self.remote.listed);
        let adoptable =
            |size: u64, server: &xml::Part| server.size == size && server.hash_crc64ecma.is_some();
        loop {
            let next = self
                .parts
                .parts
                .iter()
                .find(|p| {
                    matches!(p.state, PartState::Sending { .. })
                        && listed
                            .get(&p.number)
                            .is_some_and(|s| adoptable(p.size(), s))
                })
                .map(|p| p.number);
            let Some(n) = next else { break };
            self.take_back(n);
        }
        let mut reused = 0;
        for part in &mut self.parts.parts {
            let expected = part.end - part.start;
            let Some(server) = listed.get(&part.number) else {
                continue;
            };
            if part.state != PartState::Pending {
                // Sent ahead and answered: the server holds our bytes now.
                continue;
            }
            if adoptable(expected, server) {
                part.state = PartState::Done;
                part.etag = Some(server.etag.clone());
                part.crc64 = server.hash_crc64ecma;
                part.crc_confirmed = true;
                part.reused = true;
                part.local_check = LocalCheck::Pending;
                reused += 1;
                self.events.push_back(Event::PartDone {
                    part_number: part.number,
                    size: expected,
                });
            }
        }
        self.remote.parts_reused = reused;
        self.remote.resumed = true;
        self.stage = Stage::Uploading;
        // The record now says exactly what the server confirmed.
        self.save_checkpoint(now_ms);
        let upload_id = self.remote.upload_id.clone().unwrap_or_default();
        self.started(upload_id, true);
    }

    /// CRC headers were hidden: compare each unconfirmed part with ListParts' HashCrc64ecma.
    fn verify_listed(&mut self, now_ms: i64) {
        let listed = std::mem::take(&mut self.remote.listed);
        let mut failed: Option<OssError> = None;
        let mut resend = false;
        for part in self.parts.parts.iter_mut().filter(|p| !p.crc_confirmed) {
            let local = part.crc64.unwrap_or(0);
            let server = listed.get(&part.number);
            let ok = server.is_some_and(|s| {
                s.size == part.end - part.start
                    && part.etag.as_deref().is_some_and(|e| same_etag(e, &s.etag))
                    // A listing without HashCrc64ecma cannot disprove the part (documented).
                    && s.hash_crc64ecma.is_none_or(|c| c == local)
            });
            if ok {
                part.crc_confirmed = true;
            } else if part.crc_resends < MAX_CRC_RESENDS {
                part.crc_resends += 1;
                part.state = PartState::Hashed;
                part.etag = None;
                self.progress.sent_done = self
                    .progress
                    .sent_done
                    .saturating_sub(part.end - part.start);
                resend = true;
            } else {
                failed.get_or_insert(OssError::client(
                    ClientCode::CrcMismatch,
                    format!(
                        "part {} on the server does not match the file (CRC-64 {} expected, {:?} listed)",
                        part.number,
                        local,
                        server.and_then(|s| s.hash_crc64ecma)
                    ),
                ));
            }
        }
        if let Some(e) = failed {
            return self.fail(e);
        }
        if resend {
            self.stage = Stage::Uploading;
        } else {
            self.complete(now_ms);
        }
    }

    fn on_complete(&mut self, resp: &Response, now_ms: i64) {
        let combined = self.parts.combined_crc();
        match response_crc(resp) {
            Err(e) => return self.fail(e),
            Ok(Some(remote)) if remote != combined => {
                // The upload id is consumed by Complete: the record can never be resumed.
                self.delete_saved_checkpoint();
                return self.fail(crc_mismatch(
                    resp,
                    "CompleteMultipartUpload",
                    combined,
                    remote,
                ));
            }
            // Hidden by CORS: every part's CRC was confirmed before Complete, so the object's is
            // the combined one (documented in docs/machine-interface.md).
            Ok(_) => {}
        }
        let etag = resp
            .header("etag")
            .map(str::to_owned)
            .or_else(|| {
                // With a callback the body is the callback's answer, not this XML.
                xml::parse::<xml::CompleteMultipartUploadResult>(&resp.body)
                    .ok()
                    .map(|r| r.etag)
            })
            .unwrap_or_default();
        let result = self.multipart_result(etag, combined, request_id(resp).unwrap_or_default());
        // Stored, whether or not its callback worked: the upload id is consumed.
        self.delete_saved_checkpoint();
        let has_callback = self.record.object.callback.is_some();
        self.stored(result, resp, has_callback, now_ms);
    }

    /// A resume's HEAD: an object with the file's size and a readable CRC-64 may be this file,
    /// stored by the earlier session's Complete; the whole file is hashed to prove it
    /// (`on_object_hashed`). Anything else cannot be proved: start over.
    fn on_resume_head(&mut self, resp: &Response, now_ms: i64) {
        let size = resp
            .header("content-length")
            .and_then(|v| v.trim().parse::<u64>().ok());
        // Hidden by CORS (§7.1): no CRC-64, no proof.
        let crc = response_crc(resp).ok().flatten();
        match crc {
            Some(crc) if size == Some(self.file.size) => {
                let etag = resp.header("etag").unwrap_or_default().to_owned();
                let rid = request_id(resp).unwrap_or_default();
                self.remote.found = Some((etag, crc, rid));
                let id = self.calls.fresh_id();
                self.parts.single.hash = Some(id);
                self.calls.push(Action::Hash {
                    id,
                    start: 0,
                    end: self.file.size,
                });
            }
            _ => self.restart(now_ms),
        }
    }

    /// The whole file's CRC-64, against the object a resume's HEAD found: equal, the upload was
    /// completed and nothing is sent again; its callback's answer is lost (§10.1), so
    /// `callback` is absent. Different: another file is at the key; start over.
    pub(super) fn on_object_hashed(&mut self, crc: u64, now_ms: i64) {
        self.remote.checking_resume = false;
        match self.remote.found.take() {
            Some((etag, remote, rid)) if remote == crc => {
                self.delete_saved_checkpoint();
                self.remote.resumed = true;
                self.remote.parts_reused = u32::try_from(self.parts.parts.len()).unwrap_or(0);
                let upload_id = self.remote.upload_id.clone().unwrap_or_default();
                self.started(upload_id, true);
                let result = self.multipart_result(etag, crc, rid);
                self.succeed(result, now_ms);
            }
            _ => self.restart(now_ms),
        }
    }

    /// Whether the whole-file hash in `parts.single.hash` is a resume's proof (not a PutObject's).
    pub(super) fn checking_resume(&self) -> bool {
        self.remote.checking_resume
    }

    fn on_head_object(&mut self, resp: &Response, now_ms: i64) {
        if self.remote.checking_resume {
            return self.on_resume_head(resp, now_ms);
        }
        let combined = self.parts.combined_crc();
        let size = resp
            .header("content-length")
            .and_then(|v| v.trim().parse::<u64>().ok());
        let crc = response_crc(resp).ok().flatten();
        let original = self.remote.pending_no_such_upload.take();
        self.delete_saved_checkpoint();
        if size == Some(self.file.size) && crc == Some(combined) {
            let etag = resp.header("etag").unwrap_or_default().to_owned();
            let result =
                self.multipart_result(etag, combined, request_id(resp).unwrap_or_default());
            self.succeed(result, now_ms);
        } else {
            let mut e = original
                .unwrap_or_else(|| OssError::client(ClientCode::InvalidResponse, "NoSuchUpload"));
            e.message = format!(
                "{} (CompleteMultipartUpload said NoSuchUpload and the object at the key is not \
                 this file: size {:?}, CRC-64 {:?}, expected {} and {})",
                e.message, size, crc, self.file.size, combined
            );
            self.fail(e);
        }
    }

    fn multipart_result(&self, etag: String, crc64: u64, request_id: String) -> UploadResult {
        UploadResult {
            bucket: self.config.bucket.clone(),
            key: self.config.key.clone(),
            etag,
            crc64,
            size: self.file.size,
            upload_id: self.remote.upload_id.clone().unwrap_or_default(),
            resumed: self.remote.resumed,
            parts_reused: self.remote.parts_reused,
            request_id,
            callback: None,
        }
    }
}

/// A client error about a response: carries its status and request id.
fn response_error(code: ClientCode, message: String, resp: &Response) -> OssError {
    OssError::client(code, message)
        .with_status(resp.status)
        .with_request_id(request_id(resp))
}

fn invalid_response(resp: &Response, what: &str) -> OssError {
    response_error(ClientCode::InvalidResponse, what.to_owned(), resp)
}

fn crc_mismatch(resp: &Response, what: &str, local: u64, remote: u64) -> OssError {
    response_error(
        ClientCode::CrcMismatch,
        format!(
            "{what}: OSS stored CRC-64 {remote} but the file's bytes have CRC-64 {local}; the data \
             was damaged on the way or the file changed"
        ),
        resp,
    )
}

fn etag_not_exposed(bucket: &str, resp: &Response) -> OssError {
    response_error(
        ClientCode::EtagNotExposed,
        format!(
            "the browser hid the ETag header of UploadPart, so the upload cannot be completed: add \
             ExposeHeader ETag, x-oss-request-id and x-oss-hash-crc64ecma to the CORS rule of \
             bucket {bucket}"
        ),
        resp,
    )
}

/// `x-oss-hash-crc64ecma` (unsigned decimal, §6.2): `None` when CORS hides it, an error when
/// garbled.
fn response_crc(resp: &Response) -> Result<Option<u64>, OssError> {
    match resp.header("x-oss-hash-crc64ecma") {
        None => Ok(None),
        Some(v) => v.trim().parse::<u64>().map(Some).map_err(|_| {
            invalid_response(
                resp,
                "x-oss-hash-crc64ecma is not an unsigned decimal number",
            )
        }),
    }
}

/// ETags compare without their quotes and case (OSS returns `"HEX"`; some proxies re-quote).
fn same_etag(a: &str, b: &str) -> bool {
    a.trim()
        .trim_matches('"')
        .eq_ignore_ascii_case(b.trim().trim_matches('"'))
}

/// Why a 2xx answer cannot be used: a garbled CRC header, or a body that is not what the
/// operation returns.
fn unusable_answer(operation: Operation, resp: &Response) -> Option<OssError> {
    if let Err(e) = response_crc(resp) {
        return Some(e);
    }
    match operation {
        Operation::InitiateMultipartUpload => {
            match xml::parse::<xml::InitiateMultipartUploadResult>(&resp.body) {
                Ok(r) if !r.upload_id.is_empty() => None,
                _ => Some(invalid_response(
                    resp,
                    "InitiateMultipartUpload answered without a readable UploadId",
                )),
            }
        }
        Operation::ListParts => xml::parse::<xml::ListPartsResult>(&resp.body)
            .err()
            .map(|e| {
                invalid_response(
                    resp,
                    &format!("ListParts answered an unreadable body ({e})"),
                )
            }),
        _ => None,
    }
}
