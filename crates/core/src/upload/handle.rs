//! What the app steers while an upload runs, besides pausing: `Uploader.cancel(id)` (abort on the
//! server, with the upload's own request rules: backoff, credential refresh, clock fix), the
//! network going away and coming back (`navigator.onLine`), the part cap of a shared
//! `maxPartsInFlight` (`share.rs`), and the answers of the app's signer; and `onStart`, the
//! moment the upload id is known.

use super::schedule::PartState;
use super::{Event, Stage, Upload};
use crate::error::{ClientCode, OssError};
use crate::operation::Operation;
use crate::request;

/// The app's handles on a running upload.
#[derive(Debug, Default)]
pub(super) struct Steering {
    /// UploadParts in flight allowed by the shared limit (`None`: `parallel` alone).
    pub(super) part_cap: Option<usize>,
    /// `Event::Started` was emitted.
    started: bool,
}

impl Upload {
    /// `Uploader.cancel(id)`: stops everything in flight, aborts the multipart upload on the
    /// server (AbortMultipartUpload, §4.5, retried like every request) and deletes the
    /// checkpoint; ends with `Failed(Cancelled)`. While Initiate is out, its answer is awaited so
    /// the upload it creates is aborted too. A small file's PutObject is only stopped (there is
    /// nothing to abort; an object the server already stored stays). If the abort fails, the
    /// upload ends with that error and the checkpoint is kept, for `discard(id)`.
    pub fn cancel(&mut self, now_ms: i64) {
        if self.finished || self.stage == Stage::Cancelling {
            return;
        }
        if self.stage == Stage::Single {
            return self.fail(cancelled_error());
        }
        if self.remote.upload_id.is_none() {
            // Initiate (or, after a restart, the new one) is in flight: wait for its upload id.
            self.stage = Stage::Cancelling;
            return;
        }
        self.withdraw_all();
        self.calls.clear();
        self.abort_remote(now_ms);
    }

    /// AbortMultipartUpload of our upload id.
    pub(super) fn abort_remote(&mut self, now_ms: i64) {
        self.stage = Stage::Cancelling;
        let Some(upload_id) = self.remote.upload_id.clone() else {
            return self.cancelled();
        };
        let template =
            request::abort_multipart_upload(&self.config.bucket, &self.config.key, &upload_id);
        self.start_call(Operation::AbortMultipartUpload, None, template, now_ms);
    }

    /// The upload is gone from the server: forget the checkpoint and end.
    pub(super) fn cancelled(&mut self) {
        self.delete_saved_checkpoint();
        self.fail(cancelled_error());
    }

    /// The abort failed for good: end with why, keeping the checkpoint for `discard(id)`.
    pub(super) fn cancel_failed(&mut self, error: OssError) {
        let message = format!(
            "the upload was cancelled, but aborting it on the server failed ({}); its checkpoint \
             is kept, so discard(id) can try again",
            error.message
        );
        self.fail(OssError { message, ..error });
    }

    /// Emits `Event::Started` the first time the upload id is known (empty for PutObject).
    pub(super) fn started(&mut self, upload_id: String, resumed: bool) {
        if !self.steer.started {
            self.steer.started = true;
            self.events.push_back(Event::Started { upload_id, resumed });
        }
    }

    /// The app's signer answered [`super::Action::Sign`] with a signature (or failed): the
    /// request is sent, or the upload ends with `SignerError`.
    pub fn handle_signature(&mut self, id: u64, result: Result<String, OssError>, now_ms: i64) {
        if self.finished {
            return;
        }
        match self.calls.on_signature(id, result) {
            Ok(()) => self.drive(now_ms),
            Err(e) => self.fail(e),
        }
    }

    /// `navigator.onLine` changed. Offline, requests wait (progress phase `Offline`) and
    /// transport failures spend no try, for at most `retry.offline_wait_ms`; online again, the
    /// waiting requests go at once.
    pub fn set_online(&mut self, online: bool, now_ms: i64) {
        if self.finished {
            return;
        }
        self.calls.set_online(online, now_ms);
        self.drive(now_ms);
    }

    /// The most UploadParts this upload may have in flight from now on (a shared
    /// `maxPartsInFlight`, see [`super::PartShare`]); `parallel` still applies. Lowering it
    /// cancels nothing: parts in flight finish, and no new one starts above the cap.
    pub fn set_part_cap(&mut self, cap: Option<usize>, now_ms: i64) {
        // The driver passes the cap at every turn: only a change needs the schedule again.
        if self.steer.part_cap != cap {
            self.steer.part_cap = cap;
            self.drive(now_ms);
        }
    }

    /// UploadParts started and not yet answered for good (sending, backing off, or waiting for
    /// credentials, a signature or the network).
    pub fn parts_in_flight(&self) -> usize {
        self.parts
            .parts
            .iter()
            .filter(|p| matches!(p.state, PartState::Sending { .. }))
            .count()
    }

    /// How many UploadParts this upload would have in flight now without a shared limit:
    /// `parallel` (with the adaptive pace, its target and one more, so that its climb can probe
    /// under a shared limit: `pace.rs`), or fewer when fewer parts are left to send; none outside
    /// the upload stage and a resume's ListParts (the parts sent ahead of its answer).
    pub fn parts_wanted(&self) -> usize {
        if self.finished || !matches!(self.stage, Stage::Uploading | Stage::Resuming) {
            return 0;
        }
        let left = self
            .parts
            .parts
            .iter()
            .filter(|p| p.state != PartState::Done)
            .count();
        left.min(self.parts_to_ask_for())
    }
}

fn cancelled_error() -> OssError {
    OssError::client(
        ClientCode::Cancelled,
        "the upload was cancelled (Uploader.cancel) and aborted on the server",
    )
}
