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
//! - resume asks the server (every ListParts page) and trusts a part only when its number, size,
//!   ETag and CRC-64 agree with the checkpoint's hint; the checkpoint is a hint, the server is truth;
//! - a reused part is hashed locally (after the parts still to send) and re-sent if the file's
//!   bytes no longer match the server's CRC, so an edit the file identity missed never yields an
//!   object mixing two files;
//! - one credential refresh in flight, shared; proactive before expiry, once more on a token error;
//! - `RequestTimeTooSkewed` corrects a kept clock offset; transient failures back off with
//!   decorrelated jitter; every retried request is signed again;
//! - pause cancels in-flight work and keeps the remote upload and the checkpoint.
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

use std::collections::VecDeque;

use crate::checkpoint::{self, Checkpoint, FileIdentity, PartHint};
use crate::crc64;
use crate::error::{ClientCode, OssError};
use crate::plan::{self, MultipartPlan, Plan};
use crate::request::{self, Endpoint, ObjectOptions, Request, RequestError};
use crate::retry::{self, Decision, Operation, RequestRetry, RetryPolicy};
use crate::sign::{self, Credentials, SignatureVersion};
use crate::vecmap::VecMap;
use crate::xml;

/// How many times a part is sent again after OSS reported a CRC-64 different from ours.
const MAX_CRC_RESENDS: u32 = 2;
/// Refresh STS credentials when less than this much of their life is left (or 20% of it, whichever
/// is larger), measured on the server-corrected clock.
const REFRESH_MARGIN_MS: i64 = 5 * 60 * 1000;
/// Width of the sliding window behind `Progress::bytes_per_second`.
const SPEED_WINDOW_MS: i64 = 5_000;
/// Byte counts alone are reported at most this often. Engines differ wildly in how often XHR
/// fires upload progress (WebKit every ~8 KiB: 8,210 events for 64 MiB, Chromium and Firefox
/// about 20), and a page repaints at most every 16 ms; a change of phase or of parts done, and the
/// final report, are never held back.
pub const PROGRESS_EVERY_MS: i64 = 50;
/// ListParts page size; OSS's maximum.
const LIST_PARTS_MAX: u32 = 1000;

/// What the driver knows about the upload before it starts.
#[derive(Debug, Clone)]
pub struct UploadConfig {
    /// Parsed endpoint; knows path-style vs virtual-hosted.
    pub endpoint: Endpoint,
    pub bucket: String,
    pub key: String,
    /// V4 signing region, e.g. `cn-hangzhou`.
    pub region: String,
    pub signature_version: SignatureVersion,
    /// `None` = `plan::DEFAULT_PART_SIZE`; raised by the plan to stay within 10,000 parts.
    pub part_size: Option<u64>,
    /// Parts in flight, at least 1.
    pub parallel: usize,
    pub retry: RetryPolicy,
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
    Hash { id: u64, start: u64, end: u64 },
    /// Perform this already-signed request; answer with [`Upload::handle_response`] (and report
    /// upload progress with [`Upload::handle_progress`]).
    Send { id: u64, request: Request },
    /// Abort the in-flight `Send` or `Hash` with this id; its result, if any, is ignored.
    Cancel { id: u64 },
    /// Store this record (already sealed; holds no secret) under `Checkpoint::id()`.
    SaveCheckpoint(Checkpoint),
    /// Remove the stored record with this id.
    DeleteCheckpoint { id: String },
}

/// An HTTP response as the browser let us see it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// Lowercase names; only the headers CORS exposes (ETag, x-oss-hash-crc64ecma and
    /// x-oss-request-id may be missing when the bucket's CORS rule does not expose them).
    pub headers: Vec<(String, String)>,
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
    PartDone {
        part_number: u32,
        size: u64,
    },
    Completed(UploadResult),
    Failed(OssError),
    Paused,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub loaded: u64,
    pub total: u64,
    pub parts_done: u32,
    pub parts_total: u32,
    pub bytes_per_second: f64,
    pub phase: Phase,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Credentials, Initiate, ListParts on resume, hashing a small file.
    Preparing,
    /// Bytes are moving.
    Uploading,
    /// CRC verification by ListParts, Complete, HEAD: the "100% but not finished" part.
    Completing,
    Done,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadResult {
    pub bucket: String,
    pub key: String,
    pub etag: String,
    /// CRC-64 of the whole object as verified (or, when CORS hides OSS's, as combined from
    /// verified parts).
    pub crc64: u64,
    pub size: u64,
    /// Empty for PutObject.
    pub upload_id: String,
    /// True when parts of an earlier session were found on the server and kept.
    pub resumed: bool,
    pub parts_reused: u32,
    /// `x-oss-request-id` of the final request (empty if CORS hides it).
    pub request_id: String,
}

// ---------------------------------------------------------------------------------------------
// Internal state
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
    Finished,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CallKind {
    PutObject,
    InitiateMultipartUpload,
    UploadPart { part_number: u32 },
    ListParts,
    CompleteMultipartUpload,
    HeadObject,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CallState {
    /// Waiting for usable credentials.
    AwaitingCredentials,
    /// Backing off until this time (driver clock).
    Backoff {
        until_ms: i64,
    },
    InFlight {
        id: u64,
    },
}

/// One logical request and its retries; each attempt is signed anew and gets a new action id.
#[derive(Debug)]
struct Call {
    kind: CallKind,
    /// Unsigned; cloned and signed for each attempt.
    template: Request,
    state: CallState,
    /// Tries, backoff, the one credential refresh and the one clock fix this call may use.
    retry: RequestRetry,
    /// Credentials generation the in-flight attempt was signed with.
    signed_with: u64,
    /// Most bytes any attempt reported sent; only going beyond it counts as progress.
    best_sent: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PartState {
    Pending,
    Hashing { id: u64 },
    Hashed,
    Sending { call: u64 },
    Done,
}

#[derive(Debug, Clone)]
struct Part {
    number: u32,
    start: u64,
    end: u64,
    state: PartState,
    /// Our CRC-64 of the bytes (or, for a reused part, the server's, equal to the hint's).
    crc64: Option<u64>,
    /// As returned by UploadPart or ListParts, quotes included.
    etag: Option<String>,
    /// OSS reported the same CRC-64 (response header or ListParts).
    crc_confirmed: bool,
    crc_resends: u32,
    /// Bytes of the current attempt reported sent.
    in_flight: u64,
    reused: bool,
    /// For a reused part: whether the local file's bytes were checked against the server's CRC.
    local_check: LocalCheck,
}

/// A part found on the server at resume is only as good as the local file still being the one
/// it came from. Identity (name, size, lastModified, sampled bytes) can miss an edit elsewhere,
/// so each reused part is hashed locally before Complete; a part that differs is re-sent, which
/// makes the object the current file's bytes and never a mix of two files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LocalCheck {
    NotNeeded,
    Pending,
    Hashing { id: u64 },
}

impl Part {
    fn size(&self) -> u64 {
        self.end - self.start
    }
}

#[derive(Debug, Default)]
struct CredentialState {
    current: Option<Credentials>,
    /// Bumped on every accepted set of credentials.
    generation: u64,
    fetching: bool,
    /// A token error was seen for the current generation: do not sign with it any more.
    rejected: bool,
    /// Proactive refresh time on the server-corrected clock.
    refresh_at_ms: Option<i64>,
    /// Expiry we believe (server clock); `None` when absent or already past on arrival, since
    /// then our clock may be the wrong one and OSS judges.
    expires_at_ms: Option<i64>,
}

/// splitmix64: tiny, deterministic, good enough for jitter (not for anything secret).
#[derive(Debug, Clone)]
struct Jitter(u64);

impl Jitter {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // 53 random bits → [0, 1).
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Why an attempt failed: as the retry rules see it, and as the user sees it if that is final.
#[derive(Debug, Clone)]
struct Failure {
    retry: retry::Failure,
    error: OssError,
}

/// A resumable upload of one file to one object: see the module docs.
#[derive(Debug)]
pub struct Upload {
    config: UploadConfig,
    file: FileIdentity,
    /// `None` for a single PutObject.
    multipart: Option<MultipartPlan>,
    /// Sent on Complete too (OSS checks it there); from the checkpoint when resuming.
    forbid_overwrite: bool,
    /// Object options as the checkpoint records them (the resumed record's when resuming).
    checkpoint_object: checkpoint::ObjectOptions,
    stage: Stage,
    parts: Vec<Part>,
    /// Single plan: the hash action, the body's CRC-64 and bytes of the PutObject in flight.
    single_hash: Option<u64>,
    single_crc: Option<u64>,
    single_in_flight: u64,
    single_crc_resends: u32,
    upload_id: Option<String>,
    /// Parts seen on the server by the current ListParts walk, keyed by part number.
    listed: VecMap<u32, xml::Part>,
    /// The checkpoint being resumed (its part hints), until reconciliation is done.
    hint: Option<Checkpoint>,
    created_at_ms: i64,
    /// Id of our stored record, once saved (or the resumed one's).
    saved_checkpoint: Option<String>,
    /// A new upload was already started once after `NoSuchUpload`.
    restarted: bool,
    /// The `NoSuchUpload` Complete got, reported if HEAD does not show our object.
    pending_no_such_upload: Option<OssError>,
    resumed: bool,
    parts_reused: u32,
    calls: VecMap<u64, Call>,
    /// Action id of an in-flight Send → call key.
    in_flight: VecMap<u64, u64>,
    next_id: u64,
    next_call: u64,
    credentials: CredentialState,
    /// Server time minus driver time, learnt from `RequestTimeTooSkewed`.
    clock_offset_ms: i64,
    jitter: Jitter,
    actions: VecDeque<Action>,
    events: VecDeque<Event>,
    finished: bool,
    loaded_high_water: u64,
    last_progress: Option<Progress>,
    /// When `last_progress` was reported.
    last_progress_at: i64,
    speed_samples: VecDeque<(i64, u64)>,
    /// Bytes this session sent in confirmed parts (the speed counts only bytes that moved).
    sent_done: u64,
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
            jitter: Jitter(config.jitter_seed),
            config,
            file,
            multipart: match fresh_plan {
                Plan::Multipart(m) => Some(m),
                Plan::Single { .. } => None,
            },
            forbid_overwrite: false,
            checkpoint_object: checkpoint::ObjectOptions::default(),
            stage: Stage::Initiating,
            parts: Vec::new(),
            single_hash: None,
            single_crc: None,
            single_in_flight: 0,
            single_crc_resends: 0,
            upload_id: None,
            listed: VecMap::new(),
            hint: None,
            created_at_ms: now_ms,
            saved_checkpoint: None,
            restarted: false,
            pending_no_such_upload: None,
            resumed: false,
            parts_reused: 0,
            calls: VecMap::new(),
            in_flight: VecMap::new(),
            next_id: 1,
            next_call: 1,
            credentials: CredentialState::default(),
            clock_offset_ms: 0,
            actions: VecDeque::new(),
            events: VecDeque::new(),
            finished: false,
            loaded_high_water: 0,
            last_progress: None,
            last_progress_at: i64::MIN,
            speed_samples: VecDeque::new(),
            sent_done: 0,
        };
        // Credentials are needed by every path; fetch them while hashing or planning.
        up.forbid_overwrite = up.config.object.forbid_overwrite;
        up.checkpoint_object = checkpoint_object(&up.config.object);
        up.ensure_credentials_fetch();
        let single = up.multipart.is_none();
        let resumable = match checkpoint {
            Some(cp) => match up.checkpoint_plan(&cp) {
                Some(plan) if !single => Some((cp, plan)),
                _ => {
                    // Damaged, foreign or for another plan: it can never be resumed, so drop it.
                    up.actions
                        .push_back(Action::DeleteCheckpoint { id: cp.id() });
                    None
                }
            },
            None => None,
        };
        if single {
            up.stage = Stage::Single;
            let id = up.fresh_id();
            up.single_hash = Some(id);
            up.actions.push_back(Action::Hash {
                id,
                start: 0,
                end: up.file.size,
            });
        } else if let Some((cp, plan)) = resumable {
            // The checkpoint's part size and object options win: its parts and upload were
            // made with them.
            up.multipart = Some(plan);
            up.forbid_overwrite = cp.object.forbid_overwrite;
            up.checkpoint_object = cp.object.clone();
            up.cut_parts();
            up.created_at_ms = i64::try_from(cp.created_at_ms).unwrap_or(now_ms);
            up.upload_id = Some(cp.upload_id.clone());
            up.saved_checkpoint = Some(cp.id());
            up.hint = Some(cp);
            up.stage = Stage::Resuming;
            up.list_parts_page(None, now_ms);
        } else {
            up.cut_parts();
            up.stage = Stage::Initiating;
            up.initiate(now_ms);
        }
        up.update_progress(now_ms);
        Ok(up)
    }

    /// The next thing the driver should do, if any. Call until `None` after every `handle_*`.
    pub fn poll_action(&mut self, now_ms: i64) -> Option<Action> {
        self.drive(now_ms);
        self.actions.pop_front()
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
        let backoffs = self.calls.values().filter_map(|c| match c.state {
            CallState::Backoff { until_ms } => Some(until_ms),
            _ => None,
        });
        let refresh = match (&self.credentials.current, self.credentials.fetching) {
            (Some(_), false) => self
                .credentials
                .refresh_at_ms
                .map(|server_ms| server_ms.saturating_sub(self.clock_offset_ms)),
            _ => None,
        };
        backoffs.chain(refresh).min()
    }

    /// Wakes the machine at (or after) [`Upload::poll_timeout`].
    pub fn handle_timeout(&mut self, now_ms: i64) {
        self.drive(now_ms);
    }

    /// The answer to [`Action::FetchCredentials`].
    pub fn handle_credentials(&mut self, result: Result<Credentials, OssError>, now_ms: i64) {
        if self.finished || !self.credentials.fetching {
            return;
        }
        self.credentials.fetching = false;
        let creds = match result {
            Ok(c) if !c.access_key_id.is_empty() && !c.access_key_secret.is_empty() => c,
            Ok(_) => {
                self.fail(OssError::client(
                    ClientCode::CredentialsError,
                    "the credential provider returned an empty AccessKeyId or AccessKeySecret",
                ));
                return;
            }
            Err(e) => {
                self.fail(OssError::client(
                    ClientCode::CredentialsError,
                    format!("the credential provider failed ({}: {})", e.code, e.message),
                ));
                return;
            }
        };
        let server_now = self.server_now(now_ms);
        self.credentials.expires_at_ms = creds.expiration_ms.filter(|exp| *exp > server_now);
        self.credentials.refresh_at_ms = self.credentials.expires_at_ms.map(|exp| {
            let lifetime = exp - server_now;
            {
                let margin = REFRESH_MARGIN_MS.max(lifetime / 5);
                // Not before half the lifetime (or 30 s): short-lived credentials must not
                // turn into a refresh loop.
                (exp - margin).max(server_now + (lifetime / 2).max(30_000))
            }
        });
        self.credentials.current = Some(creds);
        self.credentials.generation += 1;
        self.credentials.rejected = false;
        let waiting: Vec<u64> = self
            .calls
            .iter()
            .filter(|(_, c)| c.state == CallState::AwaitingCredentials)
            .map(|(k, _)| *k)
            .collect();
        for key in waiting {
            self.issue(key, now_ms);
        }
        self.drive(now_ms);
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
        if self.single_hash == Some(id) {
            self.single_hash = None;
            self.single_crc = Some(crc);
            let template = request::put_object(
                &self.config.bucket,
                &self.config.key,
                0,
                self.file.size,
                &self.config.object,
            );
            self.start_call(CallKind::PutObject, template, now_ms);
        } else if let Some(part) = self
            .parts
            .iter_mut()
            .find(|p| p.state == PartState::Hashing { id })
        {
            part.crc64 = Some(crc);
            part.state = PartState::Hashed;
        } else if let Some(part) = self
            .parts
            .iter_mut()
            .find(|p| p.local_check == LocalCheck::Hashing { id })
        {
            part.local_check = LocalCheck::NotNeeded;
            if part.crc64 != Some(crc) {
                // The server's part is not this file's bytes: send the bytes we have now.
                part.reused = false;
                part.crc64 = Some(crc);
                part.etag = None;
                part.crc_confirmed = false;
                part.state = PartState::Hashed;
                self.parts_reused = self.parts_reused.saturating_sub(1);
            }
        }
        self.drive(now_ms);
    }

    /// Upload progress of an in-flight `Send`: `bytes_sent` of its body so far.
    pub fn handle_progress(&mut self, id: u64, bytes_sent: u64, now_ms: i64) {
        let Some(&key) = self.in_flight.get(&id) else {
            return;
        };
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        if bytes_sent > call.best_sent {
            // Further than any attempt got before: the network works, start counting afresh.
            call.best_sent = bytes_sent;
            call.retry.on_progress();
        }
        match call.kind {
            CallKind::UploadPart { part_number } => {
                if let Some(part) = self.part_mut(part_number) {
                    part.in_flight = bytes_sent.min(part.size());
                }
            }
            CallKind::PutObject => self.single_in_flight = bytes_sent.min(self.file.size),
            _ => {}
        }
        // Bytes alone never change the phase or the parts done: until a byte-count report is due,
        // skip the sums over every part (WebKit calls this every ~8 KiB).
        if now_ms.saturating_sub(self.last_progress_at) >= PROGRESS_EVERY_MS {
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
        let Some(key) = self.in_flight.remove(&id) else {
            return;
        };
        let Some(call) = self.calls.get(&key) else {
            return;
        };
        if call.state != (CallState::InFlight { id }) {
            return;
        }
        match result {
            Err(TransportError::FileUnreadable) => {
                // The browser could not read the slice: the file changed; retrying cannot help.
                self.fail(file_changed("the browser could not read the file"));
            }
            Err(t) => {
                let timeout = t == TransportError::Timeout;
                let failure = Failure {
                    retry: retry::Failure::Transport { timeout },
                    error: transport_error(timeout, call.kind),
                };
                self.on_failure(key, failure, now_ms);
            }
            Ok(resp) if (200..300).contains(&resp.status) => self.on_success(key, resp, now_ms),
            Ok(resp) => {
                let failure = failure_from_response(&resp);
                self.on_failure(key, failure, now_ms);
            }
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

    // -----------------------------------------------------------------------------------------
    // Planning and scheduling
    // -----------------------------------------------------------------------------------------

    /// The plan a checkpoint implies, when it is intact, for this file and target, and cut with
    /// a part size the plan accepts for this file.
    fn checkpoint_plan(&self, cp: &Checkpoint) -> Option<MultipartPlan> {
        // validate(): magic, version, integrity, parts within the plan of its part size.
        if cp.validate().is_err()
            || !cp.matches(
                &checkpoint_endpoint(&self.config.endpoint),
                &self.config.bucket,
                &self.config.key,
                &self.file,
            )
        {
            return None;
        }
        cp.plan().ok()
    }

    fn cut_parts(&mut self) {
        let Some(plan) = self.multipart else {
            return;
        };
        self.parts = plan
            .parts()
            .map(|(n, start, end)| Part {
                number: n,
                start,
                end,
                state: PartState::Pending,
                crc64: None,
                etag: None,
                crc_confirmed: false,
                crc_resends: 0,
                in_flight: 0,
                reused: false,
                local_check: LocalCheck::NotNeeded,
            })
            .collect();
    }

    fn fresh_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn part_mut(&mut self, number: u32) -> Option<&mut Part> {
        self.parts.iter_mut().find(|p| p.number == number)
    }

    /// Everything time-driven, then part scheduling, then progress.
    fn drive(&mut self, now_ms: i64) {
        if self.finished {
            return;
        }
        let due: Vec<u64> = self
            .calls
            .iter()
            .filter(
                |(_, c)| matches!(c.state, CallState::Backoff { until_ms } if until_ms <= now_ms),
            )
            .map(|(k, _)| *k)
            .collect();
        for key in due {
            self.issue(key, now_ms);
        }
        if let (Some(_), Some(at)) = (&self.credentials.current, self.credentials.refresh_at_ms) {
            if at <= self.server_now(now_ms) {
                // Proactive: keep signing with the current credentials while the refresh runs.
                self.credentials.refresh_at_ms = None;
                self.ensure_credentials_fetch();
            }
        }
        if self.stage == Stage::Uploading {
            self.schedule_parts(now_ms);
        }
        self.update_progress(now_ms);
    }

    /// At most `parallel` UploadParts in flight; hashing runs at most `parallel` parts ahead.
    fn schedule_parts(&mut self, now_ms: i64) {
        let parallel = self.config.parallel;
        let sending = self
            .parts
            .iter()
            .filter(|p| matches!(p.state, PartState::Sending { .. }))
            .count();
        let ready: Vec<u32> = self
            .parts
            .iter()
            .filter(|p| p.state == PartState::Hashed)
            .map(|p| p.number)
            .take(parallel.saturating_sub(sending))
            .collect();
        for n in ready {
            self.send_part(n, now_ms);
        }
        let active = self
            .parts
            .iter()
            .filter(|p| {
                matches!(
                    p.state,
                    PartState::Hashing { .. } | PartState::Hashed | PartState::Sending { .. }
                )
            })
            .count();
        let room = (2 * parallel).saturating_sub(active);
        let to_hash: Vec<u32> = self
            .parts
            .iter()
            .filter(|p| p.state == PartState::Pending)
            .map(|p| p.number)
            .take(room)
            .collect();
        let room = room.saturating_sub(to_hash.len());
        for n in to_hash {
            let id = self.fresh_id();
            if let Some(part) = self.part_mut(n) {
                part.state = PartState::Hashing { id };
                let (start, end) = (part.start, part.end);
                self.actions.push_back(Action::Hash { id, start, end });
            }
        }
        // Reused parts are checked against the local file with whatever hashing room is left,
        // after the parts still to send, so resuming starts sending at once.
        let checking = self
            .parts
            .iter()
            .filter(|p| matches!(p.local_check, LocalCheck::Hashing { .. }))
            .count();
        let to_check: Vec<u32> = self
            .parts
            .iter()
            .filter(|p| p.local_check == LocalCheck::Pending)
            .map(|p| p.number)
            .take(room.min(parallel.saturating_sub(checking)))
            .collect();
        for n in to_check {
            let id = self.fresh_id();
            if let Some(part) = self.part_mut(n) {
                part.local_check = LocalCheck::Hashing { id };
                let (start, end) = (part.start, part.end);
                self.actions.push_back(Action::Hash { id, start, end });
            }
        }
        if self
            .parts
            .iter()
            .all(|p| p.state == PartState::Done && p.local_check == LocalCheck::NotNeeded)
        {
            self.after_parts(now_ms);
        }
    }

    fn send_part(&mut self, number: u32, now_ms: i64) {
        let Some(upload_id) = self.upload_id.clone() else {
            return;
        };
        let Some(part) = self.parts.iter().find(|p| p.number == number) else {
            return;
        };
        let template = request::upload_part(
            &self.config.bucket,
            &self.config.key,
            &upload_id,
            number,
            part.start,
            part.end,
        );
        let Some(call) = self.start_call(
            CallKind::UploadPart {
                part_number: number,
            },
            template,
            now_ms,
        ) else {
            return;
        };
        if let Some(part) = self.part_mut(number) {
            part.state = PartState::Sending { call };
            part.in_flight = 0;
        }
    }

    /// Every part is on the server: verify hidden CRCs by ListParts, or complete.
    fn after_parts(&mut self, now_ms: i64) {
        if self.parts.iter().all(|p| p.crc_confirmed) {
            self.complete(now_ms);
        } else {
            // CORS hid x-oss-hash-crc64ecma: ListParts' HashCrc64ecma is in the body, always readable.
            self.stage = Stage::Verifying;
            self.listed.clear();
            self.list_parts_page(None, now_ms);
        }
    }

    fn initiate(&mut self, now_ms: i64) {
        let template = request::initiate_multipart_upload(
            &self.config.bucket,
            &self.config.key,
            &self.config.object,
        );
        self.start_call(CallKind::InitiateMultipartUpload, template, now_ms);
    }

    fn list_parts_page(&mut self, marker: Option<u32>, now_ms: i64) {
        let Some(upload_id) = self.upload_id.clone() else {
            return;
        };
        let template = request::list_parts(
            &self.config.bucket,
            &self.config.key,
            &upload_id,
            marker,
            Some(LIST_PARTS_MAX),
        );
        self.start_call(CallKind::ListParts, template, now_ms);
    }

    fn complete(&mut self, now_ms: i64) {
        let Some(upload_id) = self.upload_id.clone() else {
            return;
        };
        self.stage = Stage::Completing;
        // Ascending part numbers (InvalidPartOrder otherwise), ETags exactly as OSS returned them.
        let mut list: Vec<(u32, String)> = self
            .parts
            .iter()
            .map(|p| (p.number, p.etag.clone().unwrap_or_default()))
            .collect();
        crate::sort::sort_by_key(&mut list, |(n, _)| *n);
        let template = request::complete_multipart_upload(
            &self.config.bucket,
            &self.config.key,
            &upload_id,
            &list,
            self.forbid_overwrite,
        );
        self.start_call(CallKind::CompleteMultipartUpload, template, now_ms);
    }

    /// CRC-64 of the whole object, folded from the parts in order.
    fn combined_crc(&self) -> u64 {
        self.parts.iter().fold(0, |acc, p| {
            crc64::combine(acc, p.crc64.unwrap_or(0), p.size())
        })
    }

    // -----------------------------------------------------------------------------------------
    // Calls: signing, retries, credentials
    // -----------------------------------------------------------------------------------------

    fn server_now(&self, now_ms: i64) -> i64 {
        now_ms.saturating_add(self.clock_offset_ms)
    }

    fn ensure_credentials_fetch(&mut self) {
        if !self.credentials.fetching {
            self.credentials.fetching = true;
            self.actions.push_back(Action::FetchCredentials);
        }
    }

    /// Credentials we may sign with now: present, not rejected by OSS, not past their expiry.
    fn credentials_usable(&self, now_ms: i64) -> bool {
        let server_now = self.server_now(now_ms);
        self.credentials.current.is_some()
            && !self.credentials.rejected
            && self
                .credentials
                .expires_at_ms
                .is_none_or(|exp| exp > server_now)
    }

    /// Starts a call from a freshly built request; a request that cannot be built ends the upload
    /// (`InvalidResponse` when OSS handed us an upload id no request can carry).
    fn start_call(
        &mut self,
        kind: CallKind,
        template: Result<Request, RequestError>,
        now_ms: i64,
    ) -> Option<u64> {
        let template = match template {
            Ok(t) => t,
            Err(e) => {
                let code = match e {
                    RequestError::InvalidUploadId(_) => ClientCode::InvalidResponse,
                    _ => ClientCode::InvalidArgument,
                };
                self.fail(OssError::client(code, e.to_string()));
                return None;
            }
        };
        let key = self.next_call;
        self.next_call += 1;
        self.calls.insert(
            key,
            Call {
                kind,
                template,
                state: CallState::AwaitingCredentials,
                retry: RequestRetry::new(self.config.retry),
                signed_with: 0,
                best_sent: 0,
            },
        );
        self.issue(key, now_ms);
        Some(key)
    }

    /// Signs a fresh attempt of the call and hands it to the driver, or parks it until usable
    /// credentials arrive.
    fn issue(&mut self, key: u64, now_ms: i64) {
        let usable = self.credentials_usable(now_ms);
        let server_now = self.server_now(now_ms);
        let generation = self.credentials.generation;
        let id = self.next_id;
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let creds = match (&self.credentials.current, usable) {
            (Some(c), true) => c,
            _ => {
                call.state = CallState::AwaitingCredentials;
                self.ensure_credentials_fetch();
                return;
            }
        };
        let mut request = call.template.clone();
        // Fresh x-oss-date and current credentials on every attempt: a signature binds both.
        sign::sign_request(
            &mut request,
            creds,
            self.config.signature_version,
            &self.config.region,
            server_now,
        );
        call.state = CallState::InFlight { id };
        call.signed_with = generation;
        self.next_id += 1;
        self.in_flight.insert(id, key);
        self.actions.push_back(Action::Send { id, request });
    }

    /// Applies the retry rules to a failed attempt.
    fn on_failure(&mut self, key: u64, failure: Failure, now_ms: i64) {
        let Some(kind) = self.calls.get(&key).map(|c| c.kind) else {
            return;
        };
        if let CallKind::UploadPart { part_number } = kind {
            if let Some(part) = self.part_mut(part_number) {
                part.in_flight = 0;
            }
        }
        if let CallKind::PutObject = kind {
            self.single_in_flight = 0;
        }
        if kind == CallKind::HeadObject && failure.error.status == Some(404) {
            // No object at the key: the NoSuchUpload from Complete stands.
            self.calls.remove(&key);
            let e = self.pending_no_such_upload.take().unwrap_or(failure.error);
            self.delete_saved_checkpoint();
            return self.fail(e);
        }
        let random = self.jitter.next_f64();
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let verdict = call
            .retry
            .on_failure(operation(kind), &failure.retry, random);
        match verdict.decision {
            Decision::Retry => {
                call.state = CallState::Backoff {
                    until_ms: now_ms
                        .saturating_add(i64::try_from(verdict.delay_ms).unwrap_or(i64::MAX)),
                };
            }
            Decision::RefreshCredentialsThenRetry => {
                if call.signed_with < self.credentials.generation {
                    // Signed before the latest refresh: just sign again with the new credentials.
                    self.issue(key, now_ms);
                } else {
                    // One refresh for every request that fails on the same credentials.
                    self.credentials.rejected = true;
                    call.state = CallState::AwaitingCredentials;
                    self.ensure_credentials_fetch();
                }
            }
            Decision::FixClockThenRetry { server_time_ms } => {
                // Kept for every later signature and for the expiry checks.
                self.clock_offset_ms = i64::try_from(server_time_ms)
                    .unwrap_or(i64::MAX)
                    .saturating_sub(now_ms);
                self.issue(key, now_ms);
            }
            Decision::RestartUpload | Decision::CheckObjectExists => {
                self.calls.remove(&key);
                self.on_no_such_upload(kind, failure.error, now_ms);
            }
            // Only Abort gets this, and the machine never aborts.
            Decision::TreatAsSuccess | Decision::Fail => {
                let e = match failure.retry {
                    retry::Failure::Transport { timeout } => transport_error(timeout, kind),
                    _ => failure.error,
                };
                self.fail(e);
            }
        }
    }

    /// `NoSuchUpload`: the uploadId is gone (completed, aborted or removed by a lifecycle rule).
    fn on_no_such_upload(&mut self, kind: CallKind, error: OssError, now_ms: i64) {
        match kind {
            CallKind::CompleteMultipartUpload => {
                // An earlier Complete may have succeeded with its answer lost: look at the object.
                self.stage = Stage::CheckingObject;
                self.pending_no_such_upload = Some(error);
                let template = request::head_object(&self.config.bucket, &self.config.key);
                self.start_call(CallKind::HeadObject, template, now_ms);
            }
            CallKind::ListParts | CallKind::UploadPart { .. } if !self.restarted => {
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
        self.restarted = true;
        self.withdraw_all();
        self.delete_saved_checkpoint();
        self.hint = None;
        self.listed.clear();
        self.upload_id = None;
        self.resumed = false;
        self.parts_reused = 0;
        for part in &mut self.parts {
            part.state = if part.reused || part.crc64.is_none() {
                part.crc64 = None;
                PartState::Pending
            } else {
                PartState::Hashed
            };
            part.etag = None;
            part.crc_confirmed = false;
            part.crc_resends = 0;
            part.in_flight = 0;
            part.reused = false;
            part.local_check = LocalCheck::NotNeeded;
        }
        self.created_at_ms = now_ms;
        self.stage = Stage::Initiating;
        self.initiate(now_ms);
    }

    // -----------------------------------------------------------------------------------------
    // Successful answers
    // -----------------------------------------------------------------------------------------

    fn on_success(&mut self, key: u64, resp: Response, now_ms: i64) {
        let Some(kind) = self.calls.get(&key).map(|c| c.kind) else {
            return;
        };
        if let Some(error) = unusable_answer(kind, &resp) {
            // Garbage in a 2xx answer: retried like a transient failure, then InvalidResponse.
            let failure = Failure {
                retry: retry::Failure::InvalidResponse,
                error,
            };
            return self.on_failure(key, failure, now_ms);
        }
        let Some(call) = self.calls.remove(&key) else {
            return;
        };
        match call.kind {
            CallKind::PutObject => self.on_put_object(call, resp, now_ms),
            CallKind::InitiateMultipartUpload => self.on_initiate(&resp, now_ms),
            CallKind::UploadPart { part_number } => self.on_upload_part(part_number, &resp, now_ms),
            CallKind::ListParts => self.on_list_parts(&resp, now_ms),
            CallKind::CompleteMultipartUpload => self.on_complete(&resp, now_ms),
            CallKind::HeadObject => self.on_head_object(&resp, now_ms),
        }
    }

    fn on_put_object(&mut self, call: Call, resp: Response, now_ms: i64) {
        let local = self.single_crc.unwrap_or(0);
        match response_crc(&resp) {
            Err(e) => return self.fail(e),
            Ok(Some(remote)) if remote != local => {
                if self.single_crc_resends < MAX_CRC_RESENDS {
                    self.single_crc_resends += 1;
                    self.single_in_flight = 0;
                    let key = self.next_call;
                    self.next_call += 1;
                    self.calls.insert(key, call);
                    self.issue(key, now_ms);
                } else {
                    self.fail(crc_mismatch(&resp, "PutObject", local, remote));
                }
                return;
            }
            // Hidden by CORS: a PutObject has nothing else to check against (documented).
            Ok(_) => {}
        }
        self.sent_done = self.file.size;
        self.single_in_flight = self.file.size;
        let result = UploadResult {
            bucket: self.config.bucket.clone(),
            key: self.config.key.clone(),
            etag: resp.header("etag").unwrap_or_default().to_owned(),
            crc64: local,
            size: self.file.size,
            upload_id: String::new(),
            resumed: false,
            parts_reused: 0,
            request_id: request_id(&resp).unwrap_or_default(),
        };
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
        self.upload_id = Some(upload_id);
        self.save_checkpoint(now_ms);
        self.stage = Stage::Uploading;
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
        let Some(part) = self.parts.iter_mut().find(|p| p.number == number) else {
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
        part.etag = Some(etag);
        part.crc_confirmed = remote.is_some();
        part.state = PartState::Done;
        part.in_flight = 0;
        let size = part.size();
        self.sent_done += size;
        self.events.push_back(Event::PartDone {
            part_number: number,
            size,
        });
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
        let last_seen = self.listed.last_key().copied().unwrap_or(0);
        for part in page.parts {
            self.listed.insert(part.part_number, part);
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

    /// Resume: trust a listed part only when number, size, ETag and CRC-64 agree with the hint.
    fn reconcile(&mut self, now_ms: i64) {
        let hints: VecMap<u32, PartHint> = self
            .hint
            .take()
            .map(|cp| cp.parts.into_iter().map(|h| (h.part_number, h)).collect())
            .unwrap_or_default();
        let listed = std::mem::take(&mut self.listed);
        let mut reused = 0;
        for part in &mut self.parts {
            let expected = part.end - part.start;
            let (Some(server), Some(hint)) = (listed.get(&part.number), hints.get(&part.number))
            else {
                continue;
            };
            let agrees = server.size == expected
                && hint.size == expected
                && same_etag(&server.etag, &hint.etag)
                && server.hash_crc64ecma.is_some()
                && server.hash_crc64ecma == Some(hint.crc64);
            if agrees {
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
        self.parts_reused = reused;
        self.resumed = true;
        // The record now says exactly what the server confirmed.
        self.save_checkpoint(now_ms);
        self.stage = Stage::Uploading;
    }

    /// CRC headers were hidden: compare each unconfirmed part with ListParts' HashCrc64ecma.
    fn verify_listed(&mut self, now_ms: i64) {
        let listed = std::mem::take(&mut self.listed);
        let mut failed: Option<OssError> = None;
        let mut resend = false;
        for part in self.parts.iter_mut().filter(|p| !p.crc_confirmed) {
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
                self.sent_done = self.sent_done.saturating_sub(part.end - part.start);
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
        let combined = self.combined_crc();
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
                xml::parse::<xml::CompleteMultipartUploadResult>(&resp.body)
                    .ok()
                    .map(|r| r.etag)
            })
            .unwrap_or_default();
        let result = self.multipart_result(etag, combined, request_id(resp).unwrap_or_default());
        self.delete_saved_checkpoint();
        self.succeed(result, now_ms);
    }

    fn on_head_object(&mut self, resp: &Response, now_ms: i64) {
        let combined = self.combined_crc();
        let size = resp
            .header("content-length")
            .and_then(|v| v.trim().parse::<u64>().ok());
        let crc = response_crc(resp).ok().flatten();
        let original = self.pending_no_such_upload.take();
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
            upload_id: self.upload_id.clone().unwrap_or_default(),
            resumed: self.resumed,
            parts_reused: self.parts_reused,
            request_id,
        }
    }

    // -----------------------------------------------------------------------------------------
    // Checkpoints, endings, progress
    // -----------------------------------------------------------------------------------------

    fn save_checkpoint(&mut self, now_ms: i64) {
        let Some(upload_id) = self.upload_id.clone() else {
            return;
        };
        let Some(plan) = self.multipart else {
            return;
        };
        let hints: Vec<PartHint> = self
            .parts
            .iter()
            .filter(|p| p.state == PartState::Done)
            .filter_map(|p| {
                Some(PartHint {
                    part_number: p.number,
                    size: p.size(),
                    etag: p.etag.clone()?,
                    crc64: p.crc64?,
                })
            })
            .collect();
        let made = Checkpoint::new(
            checkpoint_endpoint(&self.config.endpoint),
            &self.config.bucket,
            &self.config.key,
            upload_id,
            plan.part_size(),
            self.file.clone(),
            self.checkpoint_object.clone(),
            u64::try_from(self.created_at_ms).unwrap_or(0),
        );
        // Cannot fail for a record built from a valid plan; were it to, the upload goes on
        // without being resumable rather than failing.
        if let Ok(mut cp) = made {
            cp.parts = hints;
            cp.updated_at_ms = u64::try_from(now_ms).unwrap_or(0).max(cp.created_at_ms);
            cp.seal();
            self.saved_checkpoint = Some(cp.id());
            self.actions.push_back(Action::SaveCheckpoint(cp));
        }
    }

    fn delete_saved_checkpoint(&mut self) {
        if let Some(id) = self.saved_checkpoint.take() {
            self.actions.push_back(Action::DeleteCheckpoint { id });
        }
    }

    fn succeed(&mut self, result: UploadResult, now_ms: i64) {
        self.stage = Stage::Finished;
        self.loaded_high_water = self.file.size;
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
        let mut ids: Vec<u64> = self.in_flight.keys().copied().collect();
        ids.extend(self.parts.iter().filter_map(|p| match p.state {
            PartState::Hashing { id } => Some(id),
            _ => None,
        }));
        ids.extend(self.parts.iter().filter_map(|p| match p.local_check {
            LocalCheck::Hashing { id } => Some(id),
            _ => None,
        }));
        ids.extend(self.single_hash.take());
        crate::sort::sort_by_key(&mut ids, |&id| id);
        for id in ids {
            let before = self.actions.len();
            self.actions.retain(|a| {
                !matches!(a, Action::Send { id: i, .. } | Action::Hash { id: i, .. } if *i == id)
            });
            if self.actions.len() == before {
                self.actions.push_back(Action::Cancel { id });
            }
        }
        self.in_flight.clear();
        // Parts that were hashing must hash again; sending parts fall back to hashed.
        for part in &mut self.parts {
            part.state = match part.state {
                PartState::Hashing { .. } => PartState::Pending,
                PartState::Sending { .. } => PartState::Hashed,
                s => s,
            };
            if let LocalCheck::Hashing { .. } = part.local_check {
                part.local_check = LocalCheck::Pending;
            }
            part.in_flight = 0;
        }
        let keys: Vec<u64> = self
            .calls
            .iter()
            .filter(|(_, c)| matches!(c.kind, CallKind::UploadPart { .. }))
            .map(|(k, _)| *k)
            .collect();
        for key in keys {
            self.calls.remove(&key);
        }
    }

    fn phase(&self) -> Phase {
        match self.stage {
            Stage::Single if self.single_crc.is_some() => Phase::Uploading,
            Stage::Single | Stage::Resuming | Stage::Initiating => Phase::Preparing,
            Stage::Uploading => Phase::Uploading,
            Stage::Verifying | Stage::Completing | Stage::CheckingObject => Phase::Completing,
            Stage::Finished => Phase::Done,
        }
    }

    fn update_progress(&mut self, now_ms: i64) {
        if self.finished {
            return;
        }
        let phase = self.phase();
        self.emit_progress(now_ms, phase);
    }

    fn emit_progress(&mut self, now_ms: i64, phase: Phase) {
        let (done, in_flight, parts_done, parts_total) = if self.parts.is_empty() {
            let done = u32::from(phase == Phase::Done);
            (0, self.single_in_flight, done, 1)
        } else {
            let done: u64 = self
                .parts
                .iter()
                .filter(|p| p.state == PartState::Done)
                .map(Part::size)
                .sum();
            let in_flight: u64 = self.parts.iter().map(|p| p.in_flight).sum();
            // At most plan::MAX_PARTS (10,000) parts: the casts cannot truncate.
            let parts_done = self
                .parts
                .iter()
                .filter(|p| p.state == PartState::Done)
                .count() as u32;
            (done, in_flight, parts_done, self.parts.len() as u32)
        };
        let total = self.file.size;
        // A failed attempt's bytes leave `in_flight`: the high-water mark keeps the bar still.
        self.loaded_high_water = self.loaded_high_water.max((done + in_flight).min(total));
        let sent = self.sent_done + in_flight;
        if self.speed_samples.back().is_none_or(|&(_, s)| s != sent) {
            self.speed_samples.push_back((now_ms, sent));
        }
        while self.speed_samples.len() > 1
            && self
                .speed_samples
                .front()
                .is_some_and(|&(t, _)| t < now_ms - SPEED_WINDOW_MS)
        {
            self.speed_samples.pop_front();
        }
        let bytes_per_second = match self.speed_samples.front() {
            Some(&(t0, s0)) if now_ms > t0 => {
                sent.saturating_sub(s0) as f64 * 1000.0 / (now_ms - t0) as f64
            }
            _ => 0.0,
        };
        let progress = Progress {
            loaded: self.loaded_high_water,
            total,
            parts_done,
            parts_total,
            bytes_per_second,
            phase,
        };
        let (stage_changed, bytes_changed) = match &self.last_progress {
            None => (true, true),
            Some(p) => (
                p.parts_done != progress.parts_done || p.phase != phase,
                p.loaded != progress.loaded,
            ),
        };
        let due = now_ms.saturating_sub(self.last_progress_at) >= PROGRESS_EVERY_MS;
        if stage_changed || (bytes_changed && due) {
            self.events.push_back(Event::Progress(progress.clone()));
            self.last_progress = Some(progress);
            self.last_progress_at = now_ms;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Errors, responses, checkpoints: the seams to the other core modules
// ---------------------------------------------------------------------------------------------

/// The endpoint as a checkpoint records it (and as the driver must pass it to
/// `Checkpoint::id_for` to look a record up): `scheme://host[:port]`, path style aside, since the
/// same server is reached either way.
pub fn checkpoint_endpoint(endpoint: &Endpoint) -> String {
    format!("{}://{}", endpoint.scheme(), endpoint.authority())
}

fn request_id(resp: &Response) -> Option<String> {
    resp.header("x-oss-request-id")
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// A client error about a response: carries its status and request id.
fn response_error(code: ClientCode, message: String, resp: &Response) -> OssError {
    OssError::client(code, message)
        .with_status(resp.status)
        .with_request_id(request_id(resp))
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

fn transport_error(timeout: bool, kind: CallKind) -> OssError {
    let what = if timeout {
        "timed out"
    } else {
        "failed (network error, or a CORS preflight the bucket rejected)"
    };
    OssError::client(
        ClientCode::NetworkError,
        format!("{} {what}, and retries were exhausted", kind_name(kind)),
    )
}

fn kind_name(kind: CallKind) -> String {
    match kind {
        CallKind::PutObject => "PutObject".to_owned(),
        CallKind::InitiateMultipartUpload => "InitiateMultipartUpload".to_owned(),
        CallKind::UploadPart { part_number } => format!("UploadPart {part_number}"),
        CallKind::ListParts => "ListParts".to_owned(),
        CallKind::CompleteMultipartUpload => "CompleteMultipartUpload".to_owned(),
        CallKind::HeadObject => "HeadObject".to_owned(),
    }
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

/// `x-oss-hash-crc64ecma` (unsigned decimal): `None` when CORS hides it, an error when garbled.
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

/// The failure a non-2xx answer means: OSS's error from the XML body or (HEAD has no body) the
/// base64 `x-oss-err` header, with `<ServerTime>`; a garbage body becomes `InvalidResponse`.
fn failure_from_response(resp: &Response) -> Failure {
    let body = xml::parse::<xml::OssErrorBody>(&resp.body)
        .ok()
        .or_else(|| resp.header("x-oss-err").and_then(xml::parse_error_header));
    let error = match &body {
        Some(body) => OssError::from_response(resp.status, body)
            .with_request_id(request_id(resp))
            .with_ec(resp.header("x-oss-ec").map(str::to_owned)),
        None => OssError::from_status(resp.status).with_request_id(request_id(resp)),
    };
    Failure {
        retry: retry::Failure::http(resp.status, body.as_ref()),
        error,
    }
}

/// Why a 2xx answer cannot be used: a garbled CRC header, or a body that is not what the
/// operation returns.
fn unusable_answer(kind: CallKind, resp: &Response) -> Option<OssError> {
    if let Err(e) = response_crc(resp) {
        return Some(e);
    }
    match kind {
        CallKind::InitiateMultipartUpload => {
            match xml::parse::<xml::InitiateMultipartUploadResult>(&resp.body) {
                Ok(r) if !r.upload_id.is_empty() => None,
                _ => Some(invalid_response(
                    resp,
                    "InitiateMultipartUpload answered without a readable UploadId",
                )),
            }
        }
        CallKind::ListParts => xml::parse::<xml::ListPartsResult>(&resp.body)
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

fn operation(kind: CallKind) -> Operation {
    match kind {
        CallKind::PutObject => Operation::PutObject,
        CallKind::InitiateMultipartUpload => Operation::InitiateMultipartUpload,
        CallKind::UploadPart { .. } => Operation::UploadPart,
        CallKind::ListParts => Operation::ListParts,
        CallKind::CompleteMultipartUpload => Operation::CompleteMultipartUpload,
        CallKind::HeadObject => Operation::HeadObject,
    }
}

/// Request options as the checkpoint keeps them (sorted maps; names as given).
fn checkpoint_object(opts: &ObjectOptions) -> checkpoint::ObjectOptions {
    checkpoint::ObjectOptions {
        content_type: opts.content_type.clone(),
        meta: sorted_map(&opts.meta),
        headers: sorted_map(&opts.headers),
        forbid_overwrite: opts.forbid_overwrite,
    }
}

/// The pairs as a sorted map, a later name replacing an earlier one.
fn sorted_map(pairs: &[(String, String)]) -> VecMap<String, String> {
    pairs.iter().cloned().collect()
}
