//! Discarding an upload: AbortMultipartUpload of a checkpoint's upload id (§4.5), then the
//! deletion of the checkpoint, as a sans-IO machine with the upload's own request rules. It asks
//! for credentials, sends, backs off and wakes up through the same [`Action`]s and
//! `poll_timeout` as [`super::Upload`], so one driver performs both, and failures are classified
//! by `retry::classify` like every other request: backoff on transient failures, one credential
//! refresh, one clock correction (§5.2, §5.3). `NoSuchUpload` is success: the upload is already
//! gone (completed, aborted or expired, §4.7), which is all discarding wants.

use super::calls::{Answer, Calls, Failure};
use super::{Action, Response, TransportError};
use crate::checkpoint::Checkpoint;
use crate::error::{ClientCode, OssError};
use crate::operation::Operation;
use crate::request;
use crate::retry::{Decision, RetryPolicy, ShouldRetry};
use crate::sign::{Credentials, SignatureVersion};

/// How to sign and retry the abort (the uploader's settings; the target is the checkpoint's).
#[derive(Debug, Clone)]
pub struct AbortConfig {
    /// V4 signing region, e.g. `cn-hangzhou`.
    pub region: String,
    /// Which signature to compute.
    pub signature_version: SignatureVersion,
    /// How often and how long to retry.
    pub retry: RetryPolicy,
    /// The app's `retry.shouldRetry`, asked before each retry the rules would make.
    pub should_retry: Option<ShouldRetry>,
    /// Seed of the backoff jitter; any value, e.g. from `Math.random()` in the browser.
    pub jitter_seed: u64,
}

/// The abort of one checkpoint's multipart upload: see the module docs.
#[derive(Debug)]
pub struct Abort {
    calls: Calls,
    /// The record to delete once the upload is gone.
    checkpoint_id: String,
    outcome: Option<Result<(), OssError>>,
    finished: bool,
}

impl Abort {
    /// Starts aborting the upload `checkpoint` records (its bucket, key and upload id). Fails
    /// only on a record no request can be built from.
    pub fn new(
        config: AbortConfig,
        checkpoint: &Checkpoint,
        now_ms: i64,
    ) -> Result<Abort, OssError> {
        let template = request::abort_multipart_upload(
            &checkpoint.bucket,
            &checkpoint.key,
            &checkpoint.upload_id,
        )
        .map_err(|e| OssError::client(ClientCode::InvalidArgument, e.to_string()))?;
        let mut calls = Calls::new(
            &config.region,
            config.signature_version,
            config.retry,
            config.should_retry,
            config.jitter_seed,
        );
        // Credentials are never passed in: ask for them first, as the upload does.
        calls.ensure_credentials_fetch();
        calls.start(Operation::AbortMultipartUpload, None, template, now_ms);
        Ok(Abort {
            calls,
            checkpoint_id: checkpoint.id(),
            outcome: None,
            finished: false,
        })
    }

    /// The next thing the driver should do, if any. Call until `None` after every `handle_*`.
    pub fn poll_action(&mut self, now_ms: i64) -> Option<Action> {
        self.handle_timeout(now_ms);
        self.calls.pop()
    }

    /// How it ended, once: `Ok` when the upload is gone from the server (and
    /// `DeleteCheckpoint` was queued), or the error that stopped it (the checkpoint is kept, so
    /// discarding can be tried again).
    pub fn poll_outcome(&mut self) -> Option<Result<(), OssError>> {
        self.outcome.take()
    }

    /// Earliest driver time at which [`Abort::handle_timeout`] is due (a backoff ends, or
    /// credentials should be refreshed).
    pub fn poll_timeout(&self) -> Option<i64> {
        if self.finished {
            return None;
        }
        self.calls.next_deadline()
    }

    /// Wakes the machine at (or after) [`Abort::poll_timeout`].
    pub fn handle_timeout(&mut self, now_ms: i64) {
        if self.finished {
            return;
        }
        if let Err(e) = self.calls.on_timers(now_ms) {
            self.end(Err(e));
        }
    }

    /// The app's signer answered [`Action::Sign`] (see `Upload::handle_signature`).
    pub fn handle_signature(&mut self, id: u64, result: Result<String, OssError>) {
        if self.finished {
            return;
        }
        if let Err(e) = self.calls.on_signature(id, result) {
            self.end(Err(e));
        }
    }

    /// `navigator.onLine` changed (see `Upload::set_online`).
    pub fn set_online(&mut self, online: bool, now_ms: i64) {
        if !self.finished {
            self.calls.set_online(online, now_ms);
        }
    }

    /// The answer to [`Action::FetchCredentials`].
    pub fn handle_credentials(&mut self, result: Result<Credentials, OssError>, now_ms: i64) {
        if self.finished || !self.calls.fetching() {
            return;
        }
        if let Err(e) = self.calls.on_credentials(result, now_ms) {
            self.end(Err(e));
        }
    }

    /// The answer to [`Action::Send`].
    pub fn handle_response(
        &mut self,
        id: u64,
        result: Result<Response, TransportError>,
        now_ms: i64,
    ) {
        if self.finished {
            return;
        }
        let Some((key, answer)) = self.calls.answer(id, result) else {
            return;
        };
        let failure = match answer {
            Answer::Success(_) => return self.end(Ok(())),
            Answer::Failure(failure) => failure,
            // A DELETE has no body to read; should a driver say so anyway, it is no answer.
            Answer::FileUnreadable => {
                Failure::transport(false, Operation::AbortMultipartUpload.as_str())
            }
        };
        match self.calls.on_failure(key, &failure, now_ms) {
            None => {}
            Some(Decision::TreatAsSuccess) => self.end(Ok(())),
            Some(_) => self.end(Err(failure.error)),
        }
    }

    /// True once the outcome is known. The driver should still drain [`Abort::poll_action`]
    /// (the final `DeleteCheckpoint`).
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    fn end(&mut self, outcome: Result<(), OssError>) {
        self.calls.withdraw(Vec::new());
        self.calls.clear();
        if outcome.is_ok() {
            self.calls.push(Action::DeleteCheckpoint {
                id: self.checkpoint_id.clone(),
            });
        }
        self.outcome = Some(outcome);
        self.finished = true;
    }
}
