//! Requests and their retries: [`Calls`] signs every attempt (here with the secret, or through
//! the app's signer: `Action::Sign`, then the checked answer), keeps the STS credentials (one
//! fetch in flight, a proactive refresh before expiry, one more on a token error), keeps the
//! clock offset OSS taught us, applies `retry::RequestRetry` with jittered backoff and the app's
//! `shouldRetry`, parks requests while the browser is offline instead of spending tries, and
//! queues the actions for the driver. Both machines, [`super::Upload`] and [`super::Abort`], own one and decide only what
//! an answer means to them. The second half builds the upload's own requests.

mod steer;

use std::collections::VecDeque;

use super::{Action, Response, Stage, TransportError, Upload};
use crate::error::{ClientCode, OssError};
use crate::operation::Operation;
use crate::request::{self, Request, RequestError};
use crate::retry::{self, Decision, RequestRetry, RetryPolicy, ShouldRetry};
use crate::sign::{self, Credentials, SignatureVersion};
use crate::vecmap::VecMap;
use crate::xml;

/// Refresh STS credentials when less than this much of their life is left (or 20% of it, whichever
/// is larger), measured on the server-corrected clock (§8.2).
const REFRESH_MARGIN_MS: i64 = 5 * 60 * 1000;
/// ListParts page size; OSS's maximum (§4.4).
const LIST_PARTS_MAX: u32 = 1000;

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
    /// Prepared and handed to the app's signer as `Action::Sign { id, .. }`.
    Signing {
        id: u64,
    },
    /// The browser is offline: waiting for the network, no try spent.
    AwaitingNetwork,
}

/// One logical request and its retries; each attempt is signed anew and gets a new action id.
#[derive(Debug)]
pub(super) struct Call {
    pub(super) operation: Operation,
    /// The part an UploadPart sends; `None` for every other operation.
    pub(super) part_number: Option<u32>,
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

impl Call {
    /// The operation as messages name it: `UploadPart 3`, `CompleteMultipartUpload`.
    fn name(&self) -> String {
        match self.part_number {
            Some(n) => format!("{} {n}", self.operation),
            None => self.operation.to_string(),
        }
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
pub(super) struct Failure {
    pub(super) retry: retry::Failure,
    pub(super) error: OssError,
}

impl Failure {
    /// No answer: the connection failed, or the driver's timer fired (`timeout`).
    pub(super) fn transport(timeout: bool, what: &str) -> Failure {
        let how = if timeout {
            "timed out"
        } else {
            "failed (network error, or a CORS preflight the bucket rejected)"
        };
        Failure {
            retry: retry::Failure::Transport { timeout },
            error: OssError::client(
                ClientCode::NetworkError,
                format!("{what} {how}, and retries were exhausted"),
            ),
        }
    }

    /// A 2xx answer that cannot be used: retried like a transient failure, then this error.
    pub(super) fn unusable(error: OssError) -> Failure {
        Failure {
            retry: retry::Failure::InvalidResponse,
            error,
        }
    }

    /// The failure a non-2xx answer means: OSS's error from the XML body or (HEAD has no body)
    /// the base64 `x-oss-err` header, with `<ServerTime>` (§5.1); a garbage body becomes the
    /// status alone.
    fn from_response(resp: &Response) -> Failure {
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
}

/// What the driver's answer to an attempt says.
#[derive(Debug)]
pub(super) enum Answer {
    /// A 2xx response.
    Success(Response),
    Failure(Failure),
    /// The body could not be read from the file (`NotReadableError`).
    FileUnreadable,
}

/// `x-oss-request-id` of a response, when CORS lets us read it (§7.1).
pub(super) fn request_id(resp: &Response) -> Option<String> {
    resp.header("x-oss-request-id")
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// The requests of one machine, the credentials and clock they are signed with, and the actions
/// waiting for the driver.
#[derive(Debug)]
pub(super) struct Calls {
    region: String,
    signature_version: SignatureVersion,
    policy: RetryPolicy,
    /// Every logical request not yet settled, by call key.
    table: VecMap<u64, Call>,
    /// Action id of an in-flight Send → call key.
    in_flight: VecMap<u64, u64>,
    /// Next action id (Send and Hash share the sequence).
    next_id: u64,
    next_call: u64,
    credentials: CredentialState,
    /// Server time minus driver time, learnt from `RequestTimeTooSkewed` (§5.3).
    clock_offset_ms: i64,
    jitter: Jitter,
    actions: VecDeque<Action>,
    /// The app's `retry.shouldRetry`.
    should_retry: Option<ShouldRetry>,
    /// Requests out at the app's signer, by action id.
    signing: VecMap<u64, steer::Signing>,
    /// Since when (driver clock) the browser has been offline.
    offline_since: Option<i64>,
}

impl Calls {
    /// Signs with V4 in `region` (or V1), retries per `policy` and `should_retry`, jitter seeded
    /// with `jitter_seed`.
    pub(super) fn new(
        region: &str,
        signature_version: SignatureVersion,
        policy: RetryPolicy,
        should_retry: Option<ShouldRetry>,
        jitter_seed: u64,
    ) -> Calls {
        Calls {
            region: region.to_owned(),
            signature_version,
            policy,
            table: VecMap::new(),
            in_flight: VecMap::new(),
            next_id: 1,
            next_call: 1,
            credentials: CredentialState::default(),
            clock_offset_ms: 0,
            jitter: Jitter(jitter_seed),
            actions: VecDeque::new(),
            should_retry,
            signing: VecMap::new(),
            offline_since: None,
        }
    }

    /// A new action id.
    pub(super) fn fresh_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Queues an action for the driver.
    pub(super) fn push(&mut self, action: Action) {
        self.actions.push_back(action);
    }

    /// The next action for the driver.
    pub(super) fn pop(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// The operation and part number of call `key`.
    pub(super) fn operation(&self, key: u64) -> Option<(Operation, Option<u32>)> {
        self.table
            .get(&key)
            .map(|call| (call.operation, call.part_number))
    }

    /// Removes call `key` from the table, whatever its state.
    pub(super) fn take(&mut self, key: u64) -> Option<Call> {
        self.table.remove(&key)
    }

    /// Starts a call from an unsigned request; returns its key.
    pub(super) fn start(
        &mut self,
        operation: Operation,
        part_number: Option<u32>,
        template: Request,
        now_ms: i64,
    ) -> u64 {
        let call = Call {
            operation,
            part_number,
            template,
            state: CallState::AwaitingCredentials,
            retry: RequestRetry::new(self.policy),
            signed_with: 0,
            best_sent: 0,
        };
        self.resume(call, now_ms)
    }

    /// Sends a settled call again, under a new key, with the tries it has left.
    pub(super) fn resume(&mut self, call: Call, now_ms: i64) -> u64 {
        let key = self.next_call;
        self.next_call += 1;
        self.table.insert(key, call);
        self.issue(key, now_ms);
        key
    }

    fn server_now(&self, now_ms: i64) -> i64 {
        now_ms.saturating_add(self.clock_offset_ms)
    }

    /// Asks the driver for credentials unless a fetch is already outstanding.
    pub(super) fn ensure_credentials_fetch(&mut self) {
        if !self.credentials.fetching {
            self.credentials.fetching = true;
            self.actions.push_back(Action::FetchCredentials);
        }
    }

    /// Whether a `FetchCredentials` is outstanding (an answer to none is ignored).
    pub(super) fn fetching(&self) -> bool {
        self.credentials.fetching
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

    /// Takes the answer to `FetchCredentials` and sends every call that waited for it. An error
    /// (`CredentialsError`) is for the machine to end with.
    pub(super) fn on_credentials(
        &mut self,
        result: Result<Credentials, OssError>,
        now_ms: i64,
    ) -> Result<(), OssError> {
        self.credentials.fetching = false;
        let creds = match result {
            Ok(c)
                if !c.access_key_id.is_empty() && (c.signer || !c.access_key_secret.is_empty()) =>
            {
                c
            }
            Ok(_) => {
                return Err(OssError::client(
                    ClientCode::CredentialsError,
                    "the credential provider returned an empty AccessKeyId or AccessKeySecret",
                ));
            }
            Err(e) => {
                return Err(OssError::client(
                    ClientCode::CredentialsError,
                    format!("the credential provider failed ({}: {})", e.code, e.message),
                ));
            }
        };
        let server_now = self.server_now(now_ms);
        self.credentials.expires_at_ms = creds.expiration_ms.filter(|exp| *exp > server_now);
        self.credentials.refresh_at_ms = self.credentials.expires_at_ms.map(|exp| {
            let lifetime = exp - server_now;
            let margin = REFRESH_MARGIN_MS.max(lifetime / 5);
            // Not before half the lifetime (or 30 s): short-lived credentials must not turn into
            // a refresh loop.
            (exp - margin).max(server_now + (lifetime / 2).max(30_000))
        });
        self.credentials.current = Some(creds);
        self.credentials.generation += 1;
        self.credentials.rejected = false;
        let waiting: Vec<u64> = self
            .table
            .iter()
            .filter(|(_, c)| c.state == CallState::AwaitingCredentials)
            .map(|(k, _)| *k)
            .collect();
        for key in waiting {
            self.issue(key, now_ms);
        }
        Ok(())
    }

    /// Earliest driver time something is due: a backoff ends, or credentials should be refreshed.
    pub(super) fn next_deadline(&self) -> Option<i64> {
        let backoffs = self.table.values().filter_map(|c| match c.state {
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
        let offline = self.offline_deadline();
        backoffs.chain(refresh).chain(offline).min()
    }

    /// Sends the calls whose backoff has ended, and starts a proactive refresh when it is due.
    /// An error when the browser has been offline for longer than `retry.offlineWaitMs`.
    pub(super) fn on_timers(&mut self, now_ms: i64) -> Result<(), OssError> {
        if self.offline_deadline().is_some_and(|end| end <= now_ms) {
            return Err(OssError::client(
                ClientCode::NetworkError,
                format!(
                    "the browser has been offline for {} s (retry.offlineWaitMs)",
                    self.policy.offline_wait_ms / 1000
                ),
            ));
        }
        let due: Vec<u64> = self
            .table
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
        Ok(())
    }

    /// Signs a fresh attempt of the call and hands it to the driver, or parks it until usable
    /// credentials arrive.
    fn issue(&mut self, key: u64, now_ms: i64) {
        let usable = self.credentials_usable(now_ms);
        let server_now = self.server_now(now_ms);
        let generation = self.credentials.generation;
        let id = self.next_id;
        let Some(call) = self.table.get_mut(&key) else {
            return;
        };
        if self.offline_since.is_some() {
            call.state = CallState::AwaitingNetwork;
            return;
        }
        let creds = match (&self.credentials.current, usable) {
            (Some(c), true) => c,
            _ => {
                call.state = CallState::AwaitingCredentials;
                self.ensure_credentials_fetch();
                return;
            }
        };
        call.signed_with = generation;
        self.next_id += 1;
        // Fresh x-oss-date and current credentials on every attempt: a signature binds both.
        if creds.signer {
            // The secret is on the app's server: hand it the StringToSign (`steer.rs`).
            let request = call.template.clone();
            return self.issue_to_signer(key, id, request, server_now);
        }
        let mut request = call.template.clone();
        sign::sign_request(
            &mut request,
            creds,
            self.signature_version,
            &self.region,
            server_now,
        );
        call.state = CallState::InFlight { id };
        self.in_flight.insert(id, key);
        self.actions.push_back(Action::Send { id, request });
    }

    /// Upload progress of attempt `id`: bytes beyond what any earlier attempt reached reset the
    /// call's tries. Returns the call's operation and part number; `None` for a stale attempt.
    pub(super) fn on_progress(
        &mut self,
        id: u64,
        bytes_sent: u64,
    ) -> Option<(Operation, Option<u32>)> {
        let key = self.in_flight.get(&id)?;
        let call = self.table.get_mut(key)?;
        if bytes_sent > call.best_sent {
            // Further than any attempt got before: the network works, start counting afresh.
            call.best_sent = bytes_sent;
            call.retry.on_progress();
        }
        Some((call.operation, call.part_number))
    }

    /// Reads the driver's answer to attempt `id`: the call it belongs to and what it says, or
    /// `None` for an attempt that was cancelled or superseded.
    pub(super) fn answer(
        &mut self,
        id: u64,
        result: Result<Response, TransportError>,
    ) -> Option<(u64, Answer)> {
        let key = self.in_flight.remove(&id)?;
        let call = self.table.get(&key)?;
        if call.state != (CallState::InFlight { id }) {
            return None;
        }
        let answer = match result {
            Err(TransportError::FileUnreadable) => Answer::FileUnreadable,
            Err(t) => Answer::Failure(Failure::transport(
                t == TransportError::Timeout,
                &call.name(),
            )),
            Ok(resp) if (200..300).contains(&resp.status) => Answer::Success(resp),
            Ok(resp) => Answer::Failure(Failure::from_response(&resp)),
        };
        Some((key, answer))
    }

    /// Applies the retry rules to a failed attempt of call `key`. A retry (after a backoff, a
    /// credential refresh or a clock fix) is arranged here and gives `None`; any other decision
    /// settles the call, which leaves the table, and is returned for the machine to act on.
    pub(super) fn on_failure(
        &mut self,
        key: u64,
        failure: &Failure,
        now_ms: i64,
    ) -> Option<Decision> {
        let random = self.jitter.next_f64();
        let generation = self.credentials.generation;
        let offline = self.offline_since.is_some();
        let call = self.table.get_mut(&key)?;
        if offline && matches!(failure.retry, retry::Failure::Transport { .. }) {
            // No network at all: wait for it rather than spend a try (`retry.offlineWaitMs`).
            call.state = CallState::AwaitingNetwork;
            return None;
        }
        let attempt = call.retry.attempts();
        let verdict = call
            .retry
            .on_failure(call.operation, &failure.retry, random);
        let retrying = matches!(
            verdict.decision,
            Decision::Retry
                | Decision::RefreshCredentialsThenRetry
                | Decision::FixClockThenRetry { .. }
        );
        if retrying
            && self
                .should_retry
                .as_ref()
                .is_some_and(|hook| !(hook.0)(&failure.error, attempt))
        {
            // The app said no: the request ends with the error it would have retried.
            self.table.remove(&key);
            return Some(Decision::Fail);
        }
        match verdict.decision {
            Decision::Retry => {
                call.state = CallState::Backoff {
                    until_ms: now_ms
                        .saturating_add(i64::try_from(verdict.delay_ms).unwrap_or(i64::MAX)),
                };
            }
            Decision::RefreshCredentialsThenRetry => {
                if call.signed_with < generation {
                    // Signed before the latest refresh: just sign again with the new credentials.
                    self.issue(key, now_ms);
                } else {
                    // One refresh for every request that fails on the same credentials.
                    call.state = CallState::AwaitingCredentials;
                    self.credentials.rejected = true;
                    self.ensure_credentials_fetch();
                }
            }
            Decision::FixClockThenRetry { server_time_ms } => {
                // Kept for every later signature and for the expiry checks (§5.3).
                self.clock_offset_ms = i64::try_from(server_time_ms)
                    .unwrap_or(i64::MAX)
                    .saturating_sub(now_ms);
                self.issue(key, now_ms);
            }
            decision => {
                self.table.remove(&key);
                return Some(decision);
            }
        }
        None
    }

    /// Withdraws every in-flight Send, and the Hashes `hashes`: dropped from the queue if the
    /// driver has not taken them yet, otherwise cancelled. UploadPart calls are forgotten (the
    /// part table decides what to send again); other calls stay.
    pub(super) fn withdraw(&mut self, hashes: Vec<u64>) {
        // Out at the signer: its answer will find no entry and be ignored.
        let signing: Vec<u64> = self.signing.keys().copied().collect();
        self.actions
            .retain(|a| !matches!(a, Action::Sign { id, .. } if signing.contains(id)));
        self.signing.clear();
        let mut ids: Vec<u64> = self.in_flight.keys().copied().collect();
        ids.extend(hashes);
        crate::sort::sort_by_key(&mut ids, |&id| id);
        for id in ids {
            self.withdraw_action(id);
        }
        self.in_flight.clear();
        let parts: Vec<u64> = self
            .table
            .iter()
            .filter(|(_, c)| c.operation == Operation::UploadPart)
            .map(|(k, _)| *k)
            .collect();
        for key in parts {
            self.table.remove(&key);
        }
    }

    /// Withdraws the Send or Hash `id`: dropped from the queue if the driver has not taken it
    /// yet, otherwise cancelled.
    pub(super) fn withdraw_action(&mut self, id: u64) {
        let before = self.actions.len();
        self.actions.retain(
            |a| !matches!(a, Action::Send { id: i, .. } | Action::Hash { id: i, .. } if *i == id),
        );
        if self.actions.len() == before {
            self.actions.push_back(Action::Cancel { id });
        }
    }

    /// Withdraws call `key` alone and forgets it: its attempt in flight is withdrawn. One out at
    /// the app's signer needs nothing: its answer finds no call and is ignored (`on_signature`).
    pub(super) fn withdraw_call(&mut self, key: u64) {
        self.table.remove(&key);
        // A call has one attempt in flight at most.
        let attempt = self
            .in_flight
            .iter()
            .find(|(_, k)| **k == key)
            .map(|(id, _)| *id);
        if let Some(id) = attempt {
            self.in_flight.remove(&id);
            self.withdraw_action(id);
        }
    }

    /// Forgets every call (after [`Calls::withdraw`], when the machine ends).
    pub(super) fn clear(&mut self) {
        self.table.clear();
    }
}

// ---------------------------------------------------------------------------------------------
// The upload's requests
// ---------------------------------------------------------------------------------------------

impl Upload {
    /// Starts a call from a freshly built request; a request that cannot be built ends the upload
    /// (`InvalidResponse` when OSS handed us an upload id no request can carry).
    pub(super) fn start_call(
        &mut self,
        operation: Operation,
        part_number: Option<u32>,
        template: Result<Request, RequestError>,
        now_ms: i64,
    ) -> Option<u64> {
        match template {
            Ok(t) => Some(self.calls.start(operation, part_number, t, now_ms)),
            Err(e) => {
                let code = match e {
                    RequestError::InvalidUploadId(_) => ClientCode::InvalidResponse,
                    _ => ClientCode::InvalidArgument,
                };
                self.fail(OssError::client(code, e.to_string()));
                None
            }
        }
    }

    pub(super) fn initiate(&mut self, now_ms: i64) {
        let template = request::initiate_multipart_upload(
            &self.config.bucket,
            &self.config.key,
            &self.config.object,
        );
        self.start_call(Operation::InitiateMultipartUpload, None, template, now_ms);
    }

    pub(super) fn list_parts_page(&mut self, marker: Option<u32>, now_ms: i64) {
        let Some(upload_id) = self.remote.upload_id.clone() else {
            return;
        };
        let template = request::list_parts(
            &self.config.bucket,
            &self.config.key,
            &upload_id,
            marker,
            Some(LIST_PARTS_MAX),
        );
        self.start_call(Operation::ListParts, None, template, now_ms);
    }

    pub(super) fn complete(&mut self, now_ms: i64) {
        let Some(upload_id) = self.remote.upload_id.clone() else {
            return;
        };
        self.stage = Stage::Completing;
        // Ascending part numbers (InvalidPartOrder otherwise), ETags exactly as OSS returned them
        // (§4.3).
        let mut list: Vec<(u32, String)> = self
            .parts
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
            self.record.object.forbid_overwrite,
        )
        .map(|mut req| {
            // The callback fires when Complete stores the object; it is the record's, so a
            // resumed upload calls back as it was started (§10.1).
            if let Some(callback) = &self.record.object.callback {
                req.headers.extend(callback.headers());
            }
            req
        });
        self.start_call(Operation::CompleteMultipartUpload, None, template, now_ms);
    }

    /// HEAD of the object, after Complete answered `NoSuchUpload` (§4.3).
    pub(super) fn head_object(&mut self, now_ms: i64) {
        let template = request::head_object(&self.config.bucket, &self.config.key);
        self.start_call(Operation::HeadObject, None, template, now_ms);
    }
}
