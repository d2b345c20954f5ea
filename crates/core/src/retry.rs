//! Failure classification and backoff: what to do when a request fails (docs/protocol.md §5.2,
//! §5.3, §8.2; docs/machine-interface.md, "Behaviour the driver can rely on").
//!
//! [`classify`] is the pure rule: one failure of one operation → one [`Decision`]. [`RequestRetry`]
//! applies the limits around it for one request: at most `max_attempts` tries, one credential
//! refresh, one clock correction, and backoff delays from [`Backoff`]. Randomness is passed in
//! (`random` in `[0, 1)`), so tests replay exact delays. Shape after arrow-rs object_store's
//! `RetryConfig`/`Backoff`; rule set after go-v2's retryer and the browser tools (anchors.md).

use crate::error::code;
/// The operation a failure belongs to: some codes mean different things per operation.
pub use crate::operation::Operation;
use crate::xml::OssErrorBody;

/// How a request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No HTTP answer: connection refused or reset, DNS, offline, CORS refusal (status 0 in a
    /// browser), or our own timeout (`timeout: true`).
    Transport {
        /// Our own timeout fired (no answer in time), rather than the browser reporting an error.
        timeout: bool,
    },
    /// A non-2xx answer. `code` is the `<Code>` of the error body (or of `x-oss-err` on HEAD);
    /// `server_time_ms` is its `<ServerTime>`.
    Http {
        /// The HTTP status.
        status: u16,
        /// OSS's error code, when the answer carried one.
        code: Option<String>,
        /// The server's clock, in Unix milliseconds, when the answer carried it.
        server_time_ms: Option<u64>,
    },
    /// The bytes OSS hashed differ from the bytes we read (`x-oss-hash-crc64ecma` mismatch).
    CrcMismatch,
    /// A 2xx answer we could not use (truncated or garbage body).
    InvalidResponse,
}

impl Failure {
    /// A failure from an HTTP status and its parsed error body, if any.
    pub fn http(status: u16, body: Option<&OssErrorBody>) -> Self {
        Failure::Http {
            status,
            code: body.map(|b| b.code.clone()),
            server_time_ms: body.and_then(OssErrorBody::server_time_ms),
        }
    }
}

/// What to do about one failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Transient: wait (see [`Backoff`]), re-sign and send again.
    Retry,
    /// The credentials are stale or were rejected: fetch new ones, re-sign, send again.
    RefreshCredentialsThenRetry,
    /// Our clock is off by more than OSS allows: take the server's time, re-sign, send again.
    FixClockThenRetry {
        /// The server's clock, in Unix milliseconds.
        server_time_ms: u64,
    },
    /// The upload id is gone (completed, aborted, lifecycle-removed): drop the checkpoint and
    /// start a new upload (the machine does this once).
    RestartUpload,
    /// Complete answered `NoSuchUpload`: a previous Complete may have succeeded. HEAD the object
    /// and compare size and CRC-64 before deciding (§4.3).
    CheckObjectExists,
    /// What the request wanted is already true (Abort of an upload that no longer exists).
    TreatAsSuccess,
    /// Permanent: report the error.
    Fail,
}

/// Codes that mean "the credentials, not the request, are wrong" (§5.2, §8.2 item 4).
/// `SignatureDoesNotMatch` is included because §5.2 advises one refresh in case the secret
/// rotated; a second one in the same request fails.
const CREDENTIAL_CODES: [&str; 5] = [
    code::SECURITY_TOKEN_EXPIRED,
    code::INVALID_ACCESS_KEY_ID,
    code::INVALID_SECURITY_TOKEN,
    code::ACCESS_KEY_ID_AND_SECURITY_TOKEN_NOT_MATCH,
    code::SIGNATURE_DOES_NOT_MATCH,
];

/// Codes OSS documents as transient whatever their status (§5.2): `RequestTimeout` comes as
/// 400, `InternalError` as 500. `BadRequest` is retried because go-v2's retryer does
/// (`retry/retryable_error.go`): OSS has returned it for transient front-end conditions, and a
/// permanent one costs only the bounded attempts. `ServiceUnavailable`/`SlowDown`: throttling.
const TRANSIENT_CODES: [&str; 5] = [
    code::REQUEST_TIMEOUT,
    code::INTERNAL_ERROR,
    code::BAD_REQUEST,
    code::SERVICE_UNAVAILABLE,
    code::SLOW_DOWN,
];

/// The rule for one failure of `operation`, before any limit.
///
/// - Transport errors: retry. Every request here is safe to repeat: UploadPart overwrites the
///   same part number, ListParts/HEAD read, Abort is idempotent, a repeated Complete is caught
///   by `CheckObjectExists`, and a repeated Initiate at worst leaves an empty upload id.
/// - CRC mismatch and unusable 2xx bodies: retry (go-v2 retries "crc is inconsistent"); the
///   bytes are re-read and re-sent. A file that really changed fails again and runs out of tries.
/// - Credential codes: refresh then retry (§5.2, §8.2).
/// - `RequestTimeTooSkewed`: correct the clock from `<ServerTime>` (§5.3). `x-oss-server-time`
///   is not a clock and `Date` is not readable under CORS, so without `<ServerTime>` it fails.
/// - `NoSuchUpload`: restart on UploadPart/ListParts, check the object on Complete, success on
///   Abort (§4.7; alibabacloud-oss-python-sdk-v2#174 shows what crashing here costs).
/// - Transient codes, 5xx, 408 Request Timeout, 429 Too Many Requests: retry.
/// - 401 without a known code: refresh then retry (go-v2 retries 401; OSS itself answers 403).
/// - Any other status: fail with OSS's code (fixing the request is the caller's job).
pub fn classify(operation: Operation, failure: &Failure) -> Decision {
    let (status, code, server_time_ms) = match failure {
        Failure::Transport { .. } | Failure::CrcMismatch | Failure::InvalidResponse => {
            return Decision::Retry;
        }
        Failure::Http {
            status,
            code,
            server_time_ms,
        } => (*status, code.as_deref(), *server_time_ms),
    };
    match code {
        Some(c) if CREDENTIAL_CODES.contains(&c) => return Decision::RefreshCredentialsThenRetry,
        Some(code::REQUEST_TIME_TOO_SKEWED) => {
            return match server_time_ms {
                Some(server_time_ms) => Decision::FixClockThenRetry { server_time_ms },
                None => Decision::Fail,
            };
        }
        Some(code::NO_SUCH_UPLOAD) => {
            return match operation {
                Operation::UploadPart | Operation::ListParts => Decision::RestartUpload,
                Operation::CompleteMultipartUpload => Decision::CheckObjectExists,
                Operation::AbortMultipartUpload => Decision::TreatAsSuccess,
                _ => Decision::Fail,
            };
        }
        Some(c) if TRANSIENT_CODES.contains(&c) => return Decision::Retry,
        _ => {}
    }
    match status {
        500..=599 | 408 | 429 => Decision::Retry,
        401 if code.is_none() => Decision::RefreshCredentialsThenRetry,
        _ => Decision::Fail,
    }
}

/// Retry limits and backoff bounds (the JS `retry` option).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries per request, the first included (so 5 = up to 4 retries); reset after progress.
    pub max_attempts: u32,
    /// First and smallest delay.
    pub base_delay_ms: u64,
    /// Largest delay.
    pub max_delay_ms: u64,
    /// While the browser says it is offline, requests wait for the network instead of spending
    /// tries, for at most this long (`retry.offlineWaitMs`); then the upload fails.
    pub offline_wait_ms: u64,
}

/// Default [`RetryPolicy::offline_wait_ms`]: ten minutes, long enough for a train tunnel or a
/// Wi-Fi hand-over, short enough that a forgotten tab gives up.
pub const DEFAULT_OFFLINE_WAIT_MS: u64 = 10 * 60 * 1000;

/// The app's say in retries (`retry.shouldRetry(error, attempt)`): asked only when the rules
/// above would retry (a transient failure, a credential refresh, a clock fix), with the error
/// that would be reported and the number of the try that failed (1 for the first); `false` ends
/// the request with that error. A policy, not I/O: the machine stays deterministic for a
/// deterministic hook.
#[derive(Clone)]
pub struct ShouldRetry(pub std::rc::Rc<ShouldRetryFn>);

/// The function behind [`ShouldRetry`]: `(error, attempt) -> retry?`.
pub type ShouldRetryFn = dyn Fn(&crate::error::OssError, u32) -> bool;

impl std::fmt::Debug for ShouldRetry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ShouldRetry(..)")
    }
}

impl Default for RetryPolicy {
    /// 5 tries, 200 ms to 20 s: go-v2's bounds (200 ms base, 20 s cap) with two more tries,
    /// since a browser on a flaky network loses more requests than a server does.
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_delay_ms: 200,
            max_delay_ms: 20_000,
            offline_wait_ms: DEFAULT_OFFLINE_WAIT_MS,
        }
    }
}

/// Decorrelated-jitter backoff (AWS Architecture Blog, "Exponential Backoff And Jitter"):
/// `delay = min(max, random_between(base, previous × 3))`. Jitter spreads the retries of
/// parallel parts that failed together; growth from the previous delay (not the attempt number)
/// avoids synchronised waves.
#[derive(Debug, Clone, PartialEq)]
pub struct Backoff {
    base_ms: u64,
    max_ms: u64,
    previous_ms: u64,
}

impl Backoff {
    /// A backoff at its first step, with `policy`'s base and cap.
    pub fn new(policy: &RetryPolicy) -> Self {
        let base_ms = policy.base_delay_ms;
        let max_ms = policy.max_delay_ms.max(base_ms);
        Self {
            base_ms,
            max_ms,
            previous_ms: base_ms,
        }
    }

    /// The next delay in ms. `random` is a uniform sample in `[0, 1)` (values outside are
    /// clamped, NaN counts as 0).
    pub fn next(&mut self, random: f64) -> u64 {
        let r = if random.is_nan() {
            0.0
        } else {
            random.clamp(0.0, 1.0)
        };
        let high = self.previous_ms.saturating_mul(3).min(self.max_ms);
        let span = high.saturating_sub(self.base_ms) as f64;
        // f64 → u64 saturates; the span is at most max_ms, far below 2^53.
        let delay = (self.base_ms + (span * r) as u64).min(self.max_ms);
        self.previous_ms = delay.max(self.base_ms);
        delay
    }

    /// Back to the base delay, after progress.
    pub fn reset(&mut self) {
        self.previous_ms = self.base_ms;
    }
}

/// What the machine does next for a failed request, limits applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// What to do.
    pub decision: Decision,
    /// How long to wait before acting; non-zero only for [`Decision::Retry`].
    pub delay_ms: u64,
}

/// The retry state of one request (one part, one Complete, …).
#[derive(Debug, Clone, PartialEq)]
pub struct RequestRetry {
    policy: RetryPolicy,
    backoff: Backoff,
    attempts: u32,
    refreshed: bool,
    clock_fixed: bool,
}

impl RequestRetry {
    /// A request that has not failed yet, under `policy`.
    pub fn new(policy: RetryPolicy) -> Self {
        Self {
            policy,
            backoff: Backoff::new(&policy),
            attempts: 1,
            refreshed: false,
            clock_fixed: false,
        }
    }

    /// Tries made so far, the current one included.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Decides after the current try failed. Retrying decisions count as a new try; when the
    /// tries are used up, or a refresh/clock fix already happened for this request (ali-oss
    /// retries skew without limit), the verdict is `Fail`.
    pub fn on_failure(&mut self, operation: Operation, failure: &Failure, random: f64) -> Verdict {
        let decision = classify(operation, failure);
        let fail = Verdict {
            decision: Decision::Fail,
            delay_ms: 0,
        };
        let retrying = match decision {
            Decision::Retry => true,
            Decision::RefreshCredentialsThenRetry => {
                if self.refreshed {
                    return fail;
                }
                self.refreshed = true;
                true
            }
            Decision::FixClockThenRetry { .. } => {
                if self.clock_fixed {
                    return fail;
                }
                self.clock_fixed = true;
                true
            }
            Decision::RestartUpload
            | Decision::CheckObjectExists
            | Decision::TreatAsSuccess
            | Decision::Fail => false,
        };
        if !retrying {
            return Verdict {
                decision,
                delay_ms: 0,
            };
        }
        if self.attempts >= self.policy.max_attempts {
            return fail;
        }
        self.attempts += 1;
        let delay_ms = match decision {
            Decision::Retry => self.backoff.next(random),
            _ => 0,
        };
        Verdict { decision, delay_ms }
    }

    /// The request made progress (bytes were sent, or a page arrived): the next failure starts
    /// a fresh count, like tus-js-client's reset after progress. A refresh or clock fix may then
    /// happen again, since the earlier one evidently worked.
    pub fn on_progress(&mut self) {
        self.attempts = 1;
        self.refreshed = false;
        self.clock_fixed = false;
        self.backoff.reset();
    }
}
