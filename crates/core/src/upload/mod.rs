//! The upload machine: every decision of one resumable upload to OSS, with no I/O, no clock and no
//! randomness of its own (sans-IO, shaped after quinn-proto's `Connection`).
//!
//! The driver (the browser glue, or a scripted test on a virtual clock) asks for work with
//! [`Upload::poll_action`], performs it, and feeds every result back with the action's id
//! (`handle_*`); it shows [`Upload::poll_event`]s to the user and wakes the machine at
//! [`Upload::poll_timeout`]. The contract is `docs/machine-interface.md`.
//!
//! Decisions taken here, each pinned by a scripted test in `tests/upload_*.rs`:
//! - small files (below `plan::MIN_PART_SIZE`) go up in one PutObject; everything else by
//!   multipart, each part hashed (CRC-64) before it is sent and checked against OSS's CRC;
//! - resume asks the server (every ListParts page) and adopts every part it lists with its size
//!   and CRC-64; the checkpoint only says which parts not to send ahead of that answer
//!   (`early.rs`); the server is the truth;
//! - a reused part is hashed locally (after the parts still to send) and re-sent if the file's
//!   bytes no longer match the server's CRC, so an edit the file identity missed never yields an
//!   object mixing two files;
//! - one credential refresh in flight, shared; proactive before expiry, once more on a token error;
//! - `RequestTimeTooSkewed` corrects a kept clock offset; transient failures back off with
//!   decorrelated jitter; every retried request is signed again;
//! - pause cancels in-flight work and keeps the remote upload and the checkpoint; cancel
//!   (`Uploader.cancel`) cancels it too, then aborts the upload on the server with the same
//!   request rules and deletes the checkpoint;
//! - with a signer on the app's server, every attempt is prepared and handed out as
//!   [`Action::Sign`], and the answer is checked before it is sent;
//! - while the browser is offline, requests wait for the network instead of spending tries;
//! - with neither `parallel` nor `partSize` from the app, the pace (`pace.rs`) adapts the parts
//!   in flight (2..=6) and the size of parts not yet cut to what completed parts measured;
//! - a part cap set by the driver ([`Upload::set_part_cap`], from `share.rs`'s [`PartShare`])
//!   bounds UploadParts in flight below `parallel`, for one limit across uploads.
//!
//! When the bucket's CORS rule hides headers (docs/protocol.md §7.1):
//! - no `ETag` on UploadPart → `Failed(EtagNotExposed)` naming the rule to add (Complete needs it);
//! - no `x-oss-hash-crc64ecma` on UploadPart → the parts are checked against ListParts'
//!   `HashCrc64ecma` (a body, always readable) before Complete, and damaged ones re-sent;
//! - no CRC on Complete → accepted, since every part's CRC was confirmed and OSS assembles exactly
//!   the listed parts; `UploadResult::crc64` is then the combined CRC. A HEAD would not help: CORS
//!   hides the same header there;
//! - no CRC on PutObject → accepted unverified (nothing else reports the CRC of a small object).
//!
//! Jitter: the machine owns a tiny deterministic PRNG (splitmix64) seeded from
//! [`UploadConfig::jitter_seed`]; the browser driver seeds it from `Math.random()`, tests with a
//! constant, so scripted runs are reproducible.
//!
//! The machine's pieces, one file each; [`Upload`] holds one of each and this file its entry
//! points:
//! - `calls.rs`: the requests in flight and their retries, the credentials and the clock offset
//!   they are signed with, the actions queued for the driver; the upload's request builders;
//! - `pace.rs`: the adaptive pace: parts in flight and the size of parts not yet cut;
//! - `schedule.rs`: the part table, which part to hash or send next, and how many at once;
//! - `answers.rs`: what each OSS answer means (and `NoSuchUpload`: restart, or HEAD check);
//! - `record.rs`: the checkpoint: which stored record to trust, saving ours, deleting it;
//! - `progress.rs`: progress and speed for the user;
//! - `abort.rs`: [`Abort`], discarding an upload with the same request rules;
//! - `handle.rs`: what the app steers while the upload runs: cancel, the network, the part cap,
//!   the signer's answers;
//! - `share.rs`: [`PartShare`], one `maxPartsInFlight` shared fairly by many uploads.

mod abort;
mod answers;
mod calls;
mod early;
mod handle;
mod pace;
mod progress;
mod record;
mod schedule;
mod share;

use std::collections::VecDeque;

use crate::checkpoint::{Checkpoint, FileIdentity};
use crate::error::{ClientCode, OssError};
use crate::operation::Operation;
use crate::plan::{self, Plan};
use crate::request::{self, Endpoint, ObjectOptions, Request};
use crate::retry::{RetryPolicy, ShouldRetry};
use crate::sign::{Credentials, SignatureVersion};

pub use abort::{Abort, AbortConfig};
use answers::Remote;
use calls::{Answer, Calls};
use early::EarlyHashed;
pub use pace::{
    EPOCH_LONG_MS, HOLD_EPOCHS, LOWER_KEEP, MAX_ADAPTIVE_PART_SIZE, MAX_IN_FLIGHT, MIN_IN_FLIGHT,
    OVERHEAD_RATIO, RAISE_GAIN, START_IN_FLIGHT,
};
use progress::ProgressState;
pub use progress::PROGRESS_EVERY_MS;
pub use record::checkpoint_endpoint;
use record::Record;
use schedule::PartTable;
pub use share::PartShare;

/// What the driver knows about the upload before it starts.
#[derive(Debug, Clone)]
pub struct UploadConfig {
    /// Parsed endpoint; knows path-style vs virtual-hosted.
    pub endpoint: Endpoint,
    /// The bucket.
    pub bucket: String,
    /// The object key.
    pub key: String,
    /// V4 signing region, e.g. `cn-hangzhou`.
    pub region: String,
    /// Which signature to compute.
    pub signature_version: SignatureVersion,
    /// `None` = `plan::DEFAULT_PART_SIZE`; raised by the plan to stay within 10,000 parts.
    pub part_size: Option<u64>,
    /// Parts in flight, at least 1 (with `adaptive`, only checked: the pace decides).
    pub parallel: usize,
    /// The app gave neither `parallel` nor `partSize`: the pace (`pace.rs`) adapts the parts in
    /// flight and the size of parts not yet cut to the link. Needs `part_size: None`.
    pub adaptive: bool,
    /// How often and how long to retry each request.
    pub retry: RetryPolicy,
    /// The app's `retry.shouldRetry`, asked before each retry the rules would make.
    pub should_retry: Option<ShouldRetry>,
    /// Content type, metadata, headers, forbid-overwrite: fixed at Initiate (or PutObject).
    pub object: ObjectOptions,
    /// Seed of the backoff jitter; any value, e.g. from `Math.random()` in the browser.
    pub jitter_seed: u64,
}

/// Work for the driver. Every result comes back through a `handle_*` call with the same id.
// SaveCheckpoint is unboxed as the interface contract shows it; an action is moved once, so its
// few hundred bytes cost nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Action {
    /// Ask the page's STS provider for credentials; at most one outstanding at a time.
    FetchCredentials,
    /// CRC-64 of file bytes `[start, end)`; answer with [`Upload::handle_hash`].
    Hash {
        /// Names the answer.
        id: u64,
        /// The first byte.
        start: u64,
        /// The byte after the last.
        end: u64,
    },
    /// Perform this already-signed request; answer with [`Upload::handle_response`] (and report
    /// upload progress with [`Upload::handle_progress`]).
    Send {
        /// Names the answer.
        id: u64,
        /// The request, signed.
        request: Request,
    },
    /// Abort the in-flight `Send` or `Hash` with this id; its result, if any, is ignored.
    Cancel {
        /// The `Send` or `Hash` to abort.
        id: u64,
    },
    /// Store this record (already sealed; holds no secret) under `Checkpoint::id()`.
    SaveCheckpoint(Checkpoint),
    /// Remove the stored record with this id.
    DeleteCheckpoint {
        /// The record's id.
        id: String,
    },
    /// Ask the app's signer (`credentials.signer`) for the signature of this request, prepared
    /// and not yet authorized; answer with [`Upload::handle_signature`]. The `Send` follows.
    Sign {
        /// Names the answer.
        id: u64,
        /// The request, prepared and not yet authorized.
        request: Request,
        /// V4 (§3.3) or V1 (§2.1) StringToSign.
        string_to_sign: String,
        /// Which signature the string is for.
        version: SignatureVersion,
        /// The `x-oss-date` sent.
        date: String,
        /// The V4 signing region.
        region: String,
    },
}

/// An HTTP response as the browser let us see it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// Lowercase names; only the headers CORS exposes (ETag, x-oss-hash-crc64ecma and
    /// x-oss-request-id may be missing when the bucket's CORS rule does not expose them).
    pub headers: Vec<(String, String)>,
    /// The body, whole (OSS's answers to these calls are small XML documents).
    pub body: Vec<u8>,
}

impl Response {
    /// The first header with this name, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why a `Send` produced no response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportError {
    /// Connection refused or dropped, DNS, failed CORS preflight (browsers report all as one).
    Network,
    /// The driver's timer fired first.
    Timeout,
    /// The body could not be read (`NotReadableError`): the file changed or vanished.
    FileUnreadable,
}

/// What happened, for the user.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// `loaded` never decreases.
    Progress(Progress),
    /// A part is stored on the server and its CRC-64 checked.
    PartDone {
        /// The part.
        part_number: u32,
        /// Its length, in bytes.
        size: u64,
    },
    /// The object exists, its CRC-64 verified; the machine is finished.
    Completed(UploadResult),
    /// The upload stopped on an error; the checkpoint is kept when it can resume.
    Failed(OssError),
    /// The upload stopped on [`Upload::pause`]; the checkpoint is kept.
    Paused,
    /// The upload id is known (`onStart`): after Initiate or before a small file's PutObject
    /// (`upload_id` empty), before any part; after a resume's ListParts, whose first parts left
    /// with it (`early.rs`). Once.
    Started {
        /// The multipart upload's id; empty for a PutObject.
        upload_id: String,
        /// Whether parts of an earlier session were found.
        resumed: bool,
    },
}

/// How far the upload is.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// Bytes of the file stored on the server or on their way, never decreasing.
    pub loaded: u64,
    /// The file's size, in bytes.
    pub total: u64,
    /// Parts stored and checked.
    pub parts_done: u32,
    /// Parts in the plan (1 for a single PutObject).
    pub parts_total: u32,
    /// Recent upload speed, in bytes per second.
    pub bytes_per_second: f64,
    /// What the upload is doing.
    pub phase: Phase,
}

/// The stage an upload is in, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Credentials, Initiate, ListParts on resume, hashing a small file.
    Preparing,
    /// Bytes are moving.
    Uploading,
    /// CRC verification by ListParts, Complete, HEAD: the "100% but not finished" part.
    Completing,
    /// The object exists and is verified.
    Done,
    /// The browser is offline; requests wait for the network (`retry.offlineWaitMs`).
    Offline,
}

/// The uploaded object, as verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadResult {
    /// The bucket.
    pub bucket: String,
    /// The object key.
    pub key: String,
    /// The object's ETag, quotes included (not an MD5 for a multipart object, §4.3).
    pub etag: String,
    /// CRC-64 of the whole object as verified (or, when CORS hides OSS's, as combined from
    /// verified parts).
    pub crc64: u64,
    /// The object's size, in bytes.
    pub size: u64,
    /// Empty for PutObject.
    pub upload_id: String,
    /// True when parts of an earlier session were found on the server and kept.
    pub resumed: bool,
    /// How many parts of an earlier session were kept.
    pub parts_reused: u32,
    /// `x-oss-request-id` of the final request (empty if CORS hides it).
    pub request_id: String,
    /// The callback server's answer, which OSS returns as the body of the request that stored
    /// the object; `None` without a callback option (§10.1).
    pub callback: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// The machine
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// One PutObject (hash first).
    Single,
    /// Paging ListParts of the checkpoint's upload.
    Resuming,
    Initiating,
    Uploading,
    /// ListParts to verify parts whose CRC header CORS hid.
    Verifying,
    Completing,
    /// HEAD after `NoSuchUpload` on Complete: maybe an earlier attempt did complete.
    CheckingObject,
    /// `cancel`: AbortMultipartUpload (or waiting for Initiate's upload id to abort it).
    Cancelling,
    Finished,
}

/// A resumable upload of one file to one object: see the module docs.
#[derive(Debug)]
pub struct Upload {
    config: UploadConfig,
    file: FileIdentity,
    stage: Stage,
    /// Requests, credentials, clock offset and the actions queued for the driver.
    calls: Calls,
    /// The file cut into parts (or one PutObject), and where each stands.
    parts: PartTable,
    /// The multipart upload on the server, and what resume learnt about it.
    remote: Remote,
    /// Our checkpoint: what it records, and whether one is stored.
    record: Record,
    progress: ProgressState,
    events: VecDeque<Event>,
    finished: bool,
    /// What the app steers while the upload runs (`handle.rs`).
    steer: handle::Steering,
    /// The adaptive pace; `None` when the app fixed `parallel` or `partSize`.
    pace: Option<pace::Pace>,
}

impl Upload {
    /// Starts an upload of `file` to `config.bucket`/`config.key`. `checkpoint` is the stored
    /// record for this endpoint/bucket/key/file, if any: used as a hint when it matches and is
    /// intact, otherwise deleted and ignored. Fails only on arguments OSS would never accept.
    pub fn new(
        config: UploadConfig,
        file: FileIdentity,
        checkpoint: Option<Checkpoint>,
        now_ms: i64,
    ) -> Result<Upload, OssError> {
        if config.parallel == 0 {
            return Err(OssError::client(
                ClientCode::InvalidArgument,
                "parallel must be at least 1",
            ));
        }
        let fresh_plan = plan::plan(file.size, config.part_size)?;
        // Bucket, key and object options are checked once here, by building the first request.
        let probe = match fresh_plan {
            Plan::Single { size } => {
                request::put_object(&config.bucket, &config.key, 0, size, &config.object)
            }
            Plan::Multipart(_) => {
                request::initiate_multipart_upload(&config.bucket, &config.key, &config.object)
            }
        };
        probe.map_err(|e| OssError::client(ClientCode::InvalidArgument, e.to_string()))?;
        let mut up = Upload {
            calls: Calls::new(
                &config.region,
                config.signature_version,
                config.retry,
                config.should_retry.clone(),
                config.jitter_seed,
            ),
            pace: match &fresh_plan {
                Plan::Multipart(m) => {
                    pace::pace_for(config.adaptive && config.part_size.is_none(), Some(m))
                }
                Plan::Single { .. } => None,
            },
            parts: PartTable::new(match fresh_plan {
                Plan::Multipart(m) => Some(m),
                Plan::Single { .. } => None,
            }),
            remote: Remote::default(),
            record: Record::new(&config.object, now_ms),
            progress: ProgressState::default(),
            stage: Stage::Initiating,
            events: VecDeque::new(),
            finished: false,
            steer: handle::Steering::default(),
            config,
            file,
        };
        // Credentials are needed by every path; fetch them while hashing or planning.
        up.calls.ensure_credentials_fetch();
        let single = up.parts.plan.is_none();
        let resumable = match checkpoint {
            Some(cp) => match up.checkpoint_plan(&cp) {
                Some(plan) if !single => Some((cp, plan)),
                _ => {
                    // Damaged, foreign or for another plan: it can never be resumed, so drop it.
                    up.calls.push(Action::DeleteCheckpoint { id: cp.id() });
                    None
                }
            },
            None => None,
        };
        if single {
            up.stage = Stage::Single;
            let id = up.calls.fresh_id();
            up.parts.single.hash = Some(id);
            up.calls.push(Action::Hash {
                id,
                start: 0,
                end: up.file.size,
            });
        } else if let Some((cp, plan)) = resumable {
            up.resume_from(cp, plan, now_ms);
        } else {
            up.parts.cut();
            up.stage = Stage::Initiating;
            up.initiate(now_ms);
        }
        up.update_progress(now_ms);
        Ok(up)
    }

    /// The next thing the driver should do, if any. Call until `None` after every `handle_*`.
    pub fn poll_action(&mut self, now_ms: i64) -> Option<Action> {
        self.drive(now_ms);
        self.calls.pop()
    }

    /// The next event for the user, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Earliest driver time at which [`Upload::handle_timeout`] is due (a backoff ends, or
    /// credentials should be refreshed).
    pub fn poll_timeout(&self) -> Option<i64> {
        if self.finished {
            return None;
        }
        self.calls.next_deadline()
    }

    /// Wakes the machine at (or after) [`Upload::poll_timeout`].
    pub fn handle_timeout(&mut self, now_ms: i64) {
        self.drive(now_ms);
    }

    /// The answer to [`Action::FetchCredentials`].
    pub fn handle_credentials(&mut self, result: Result<Credentials, OssError>, now_ms: i64) {
        if self.finished || !self.calls.fetching() {
            return;
        }
        match self.calls.on_credentials(result, now_ms) {
            Ok(()) => self.drive(now_ms),
            Err(e) => self.fail(e),
        }
    }

    /// The answer to [`Action::Hash`]: the CRC-64 of the range, or why the file could not be read.
    pub fn handle_hash(&mut self, id: u64, result: Result<u64, OssError>, now_ms: i64) {
        if self.finished {
            return;
        }
        let crc = match result {
            Ok(crc) => crc,
            Err(e) => {
                self.fail(file_changed(&e.message));
                return;
            }
        };
        if self.parts.single.hash == Some(id) && self.checking_resume() {
            self.parts.single.hash = None;
            self.on_object_hashed(crc, now_ms);
        } else if self.parts.single.hash == Some(id) {
            self.parts.single.hash = None;
            self.parts.single.crc = Some(crc);
            // A small file has no upload id: it starts with its one PutObject.
            self.started(String::new(), false);
            let template = request::put_object(
                &self.config.bucket,
                &self.config.key,
                0,
                self.file.size,
                &self.config.object,
            );
            self.start_call(Operation::PutObject, None, template, now_ms);
        } else {
            match self.early_hashed(id, crc) {
                EarlyHashed::No => {
                    if self.parts.hashed(id, crc) {
                        self.remote.parts_reused = self.remote.parts_reused.saturating_sub(1);
                    }
                }
                EarlyHashed::Kept | EarlyHashed::Resend => {}
                EarlyHashed::Stored {
                    number,
                    etag,
                    confirmed,
                } => self.part_stored(number, etag, confirmed, now_ms),
            }
        }
        self.drive(now_ms);
    }

    /// Upload progress of an in-flight `Send`: `bytes_sent` of its body so far.
    pub fn handle_progress(&mut self, id: u64, bytes_sent: u64, now_ms: i64) {
        let Some((operation, part_number)) = self.calls.on_progress(id, bytes_sent) else {
            return;
        };
        match operation {
            Operation::UploadPart => {
                if let Some(n) = part_number {
                    if let Some(part) = self.parts.part_mut(n) {
                        part.in_flight = bytes_sent.min(part.size());
                    }
                    self.pace_progress(n, bytes_sent, now_ms);
                }
            }
            Operation::PutObject => self.parts.single.in_flight = bytes_sent.min(self.file.size),
            _ => {}
        }
        // Bytes alone never change the phase or the parts done: until a byte-count report is due,
        // skip the sums over every part (WebKit calls this every ~8 KiB).
        if self.progress.due(now_ms) {
            self.update_progress(now_ms);
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
        // Unknown ids are answers to cancelled or superseded attempts.
        let Some((key, answer)) = self.calls.answer(id, result) else {
            return;
        };
        match answer {
            // The browser could not read the slice: the file changed; retrying cannot help.
            Answer::FileUnreadable => {
                self.fail(file_changed("the browser could not read the file"))
            }
            Answer::Failure(failure) => self.on_failure(key, failure, now_ms),
            Answer::Success(resp) => self.on_success(key, resp, now_ms),
        }
        self.drive(now_ms);
    }

    /// The user's AbortSignal: cancel everything in flight, keep the remote upload and the
    /// checkpoint (no AbortMultipartUpload), emit [`Event::Paused`].
    pub fn pause(&mut self, now_ms: i64) {
        if self.finished {
            return;
        }
        self.update_progress(now_ms);
        self.stop();
        self.events.push_back(Event::Paused);
    }

    /// True once Completed, Failed or Paused was emitted. The driver should still drain
    /// [`Upload::poll_action`] (Cancel, SaveCheckpoint, DeleteCheckpoint) and events.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Everything time-driven, then part scheduling, then progress.
    fn drive(&mut self, now_ms: i64) {
        if self.finished {
            return;
        }
        if let Err(e) = self.calls.on_timers(now_ms) {
            return self.fail(e);
        }
        match self.stage {
            Stage::Uploading => self.schedule_parts(now_ms),
            Stage::Resuming => self.send_ahead(now_ms),
            _ => {}
        }
        self.update_progress(now_ms);
    }

    fn succeed(&mut self, result: UploadResult, now_ms: i64) {
        self.stage = Stage::Finished;
        self.progress.high_water = self.file.size;
        self.emit_progress(now_ms, Phase::Done);
        self.stop();
        self.events.push_back(Event::Completed(result));
    }

    fn fail(&mut self, error: OssError) {
        if self.finished {
            return;
        }
        self.stop();
        self.events.push_back(Event::Failed(error));
    }

    /// Cancels everything in flight and ends the machine.
    fn stop(&mut self) {
        self.withdraw_all();
        self.calls.clear();
        self.stage = Stage::Finished;
        self.finished = true;
    }

    /// Withdraws every in-flight Send and Hash: dropped from the queue if the driver has not
    /// taken it yet, otherwise cancelled.
    fn withdraw_all(&mut self) {
        let hashes = self.parts.withdraw();
        self.calls.withdraw(hashes);
    }
}

fn file_changed(detail: &str) -> OssError {
    OssError::client(
        ClientCode::FileChanged,
        format!(
            "the file can no longer be read ({detail}); it was probably changed, moved or \
             deleted: select it again to resume"
        ),
    )
}
