//! The adaptive pace: with neither `parallel` nor `partSize` given by the app, how many
//! UploadParts are in flight and how large the parts not yet cut are, from what the parts that
//! completed measured (docs/architecture.md, "Adaptive pace").
//!
//! Why: every UploadPart pays a CORS preflight (each part URL differs, so the browser caches none,
//! docs/protocol.md §7.2) and a request/answer round trip, during which its connection sends
//! nothing. On a long fat link (300 Mbit/s, 150 ms) 8 MiB × 3 leaves a third of the link idle;
//! on a slow link more parts only share the same bytes and make a failed part costlier.
//!
//! The rule, on the machine's clock (`now_ms` of the `handle_*` calls), deterministic:
//! - **Measure** in epochs. An epoch starts at the first part completed after the in-flight
//!   target changed and lasts until `target` more parts completed, about one round of every
//!   connection (or, once it lasted 20 s, at the next completion). Its throughput is the part bytes the driver reported sent
//!   (`handle_progress`) over its duration. Each part completed in it gives a sample: overhead =
//!   (first progress − send) + (answer − last byte), the time its connection sent nothing, and
//!   its own send rate = bytes / (last byte − first progress).
//! - **In flight**: a hill climb over 2..=6 (and under the `maxPartsInFlight` share). From 3 it
//!   probes one more; a raise is kept while it raises the epoch's throughput by ≥ 5 %
//!   ([`RAISE_GAIN`]) and the climb goes on; otherwise it steps back. After [`HOLD_EPOCHS`]
//!   epochs at one level it probes again, alternately one less and one more; one less is kept
//!   while it loses < 2 % ([`LOWER_KEEP`]) of the throughput measured where the descent began, so
//!   a link that got slower sheds parts that only slow each other.
//! - **Part size**: parts not yet cut (not hashing, not sent) are cut so that a part's transfer
//!   at its measured rate lasts ≥ 10 × its overhead ([`OVERHEAD_RATIO`]): its connection then
//!   idles < 1/11 of the time, which the other parts in flight fill. Sizes are the plan's size
//!   × 2^k, at most 64 MiB ([`MAX_ADAPTIVE_PART_SIZE`]), never below the plan's size; a size
//!   grows as soon as the target passes it and shrinks only once the target is a quarter of it,
//!   so a change of the share between parts does not flip it. The plan (`plan.rs`) keeps OSS's
//!   limits: 100 KiB..=5 GiB, at most 10,000 parts; the checkpoint records the runs.

use super::schedule::{LocalCheck, Part, PartState};
use super::Upload;
use crate::plan::MultipartPlan;

/// In flight at the start: the fixed default's 3 (Alibaba's Go SDK v2 and C++ SDK use 3 too).
pub const START_IN_FLIGHT: usize = 3;
/// Chromium opens at most six HTTP/1.1 connections per host; a seventh part would only wait for
/// one, its body read and its deadline running.
pub const MAX_IN_FLIGHT: usize = 6;
/// Two, so one part's preflight and answer are always covered by another part's transfer.
pub const MIN_IN_FLIGHT: usize = 2;
/// A raise is kept when the epoch's throughput rose by at least this factor: smaller gains are
/// within a real link's noise and not worth another connection and a costlier failure.
pub const RAISE_GAIN: f64 = 1.05;
/// One part less is kept while the throughput stays above this share of where the descent
/// began: fewer parts in flight for (almost) the same bytes per second.
pub const LOWER_KEEP: f64 = 0.98;
/// An epoch also ends at any completion once it lasted this long: after the link slowed down, a
/// round of large parts can take minutes, and the bytes sent over 20 s already measure it.
pub const EPOCH_LONG_MS: i64 = 20_000;
/// Epochs at one level before probing its neighbours again.
pub const HOLD_EPOCHS: u32 = 2;
/// A part's transfer should last at least this many times its overhead (see the module docs).
pub const OVERHEAD_RATIO: f64 = 10.0;
/// Largest part the pace cuts: what a failed part costs to send again; the glue hashes a part in
/// chunks and sends it as a `Blob` slice, so memory does not grow with it.
pub const MAX_ADAPTIVE_PART_SIZE: u64 = 64 << 20;
/// Bytes of parts hashed ahead of the sends with the pace (see [`Upload::hash_ahead`]): two
/// parts of 64 MiB.
const HASH_AHEAD_BYTES: u64 = 128 << 20;
/// At most this many runs in a plan (and so in a checkpoint).
const MAX_RUNS: usize = 32;

/// One UploadPart attempt's times, in ms.
#[derive(Debug, Clone, Copy)]
struct Timing {
    part: u32,
    sent_at: i64,
    /// First progress report: (time, bytes).
    first: Option<(i64, u64)>,
    /// Latest progress report: (time, bytes).
    last: Option<(i64, u64)>,
}

/// What one completed part measured.
#[derive(Debug, Clone, Copy)]
struct Sample {
    /// Time its connection sent nothing: preflight, request head, answer.
    overhead_ms: f64,
    /// Bytes per ms while it was sending.
    rate: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Probe {
    Up,
    Down,
}

/// The adaptive state; `None` in [`Upload`] when the app fixed `parallel` or `partSize`.
#[derive(Debug)]
pub(super) struct Pace {
    target: usize,
    /// Size the pace cuts new parts at (starts at the plan's).
    part_size: u64,
    /// The plan's own size: the floor, and the base of the size steps.
    base_size: u64,
    timings: Vec<Timing>,
    /// Part bytes reported sent, over the whole upload.
    sent: u64,
    /// (start ms, `sent` at start, parts completed since); `None` until the epoch's first part.
    epoch: Option<(i64, u64, usize)>,
    samples: Vec<Sample>,
    probe: Option<Probe>,
    /// Level and throughput before the current probe.
    before: (usize, f64),
    /// Throughput where a descent began.
    descent_from: f64,
    held: u32,
    next_up: bool,
    /// Highest in-flight target reached, for tests and reports.
    peak: usize,
}

impl Pace {
    pub(super) fn new(plan: &MultipartPlan) -> Pace {
        let last_run = plan.runs().last().map_or(plan.part_size(), |r| r.part_size);
        Pace {
            target: START_IN_FLIGHT,
            part_size: last_run,
            base_size: plan.part_size(),
            timings: Vec::new(),
            sent: 0,
            epoch: None,
            samples: Vec::new(),
            probe: None,
            before: (START_IN_FLIGHT, 0.0),
            descent_from: 0.0,
            // Probe upwards at the end of the first epoch.
            held: HOLD_EPOCHS,
            next_up: true,
            peak: START_IN_FLIGHT,
        }
    }

    fn on_send(&mut self, part: u32, now_ms: i64) {
        self.timings.retain(|t| t.part != part);
        self.timings.push(Timing {
            part,
            sent_at: now_ms,
            first: None,
            last: None,
        });
    }

    fn on_progress(&mut self, part: u32, bytes: u64, now_ms: i64) {
        let Some(t) = self.timings.iter_mut().find(|t| t.part == part) else {
            return;
        };
        let before = t.last.map_or(0, |(_, b)| b);
        if bytes <= before {
            return;
        }
        self.sent += bytes - before;
        if t.first.is_none() {
            t.first = Some((now_ms, bytes));
        }
        t.last = Some((now_ms, bytes));
    }

    /// A failed attempt: its retry is not timed (the retry goes out without `on_send`).
    fn forget(&mut self, part: u32) {
        self.timings.retain(|t| t.part != part);
    }

    /// Part `part` completed at `now_ms`. Returns a new part size when one is due.
    fn on_done(&mut self, part: u32, now_ms: i64, limit: usize) -> Option<u64> {
        let timing = self.timings.iter().position(|t| t.part == part);
        let timing = timing.map(|i| self.timings.swap_remove(i));
        let Some((start_ms, start_sent, done)) = self.epoch else {
            self.epoch = Some((now_ms, self.sent, 0));
            self.samples.clear();
            return None;
        };
        if let Some(s) = timing.and_then(|t| sample(&t, now_ms)) {
            self.samples.push(s);
        }
        let done = done + 1;
        self.epoch = Some((start_ms, start_sent, done));
        let long = now_ms - start_ms >= EPOCH_LONG_MS;
        if (done < self.target && !long) || now_ms <= start_ms {
            return None;
        }
        let throughput = (self.sent - start_sent) as f64 / (now_ms - start_ms) as f64;
        self.climb(throughput, limit);
        self.epoch = None;
        let size = self.size_for_samples();
        self.samples.clear();
        size
    }

    /// One hill-climb step with the throughput of the epoch just ended (see the module docs).
    fn climb(&mut self, throughput: f64, limit: usize) {
        let max = MAX_IN_FLIGHT.min(limit).max(1);
        let min = MIN_IN_FLIGHT.min(max);
        let level = self.target.clamp(min, max);
        match self.probe {
            Some(Probe::Up) if throughput >= self.before.1 * RAISE_GAIN && level < max => {
                self.before = (level, throughput);
                self.target = level + 1;
            }
            Some(Probe::Up) if throughput >= self.before.1 * RAISE_GAIN => self.hold(level, false),
            Some(Probe::Up) => self.hold(self.before.0, false),
            Some(Probe::Down) if throughput >= self.descent_from * LOWER_KEEP && level > min => {
                self.before = (level, throughput);
                self.target = level - 1;
            }
            Some(Probe::Down) if throughput >= self.descent_from * LOWER_KEEP => {
                self.hold(level, true)
            }
            Some(Probe::Down) => self.hold(self.before.0, true),
            None => {
                self.held += 1;
                if self.held < HOLD_EPOCHS {
                    self.target = level;
                    return;
                }
                let up = (self.next_up && level < max) || level <= min;
                self.before = (level, throughput);
                if up && level < max {
                    self.probe = Some(Probe::Up);
                    self.target = level + 1;
                } else if level > min {
                    self.probe = Some(Probe::Down);
                    self.descent_from = throughput;
                    self.target = level - 1;
                } else {
                    self.target = level;
                    self.held = 0;
                }
            }
        }
        self.target = self.target.clamp(min, max);
        self.peak = self.peak.max(self.target);
    }

    /// Stays at `level`; the next probe goes up when `next_up`.
    fn hold(&mut self, level: usize, next_up: bool) {
        self.target = level;
        self.probe = None;
        self.held = 0;
        self.next_up = next_up;
    }

    /// The part size the epoch's samples ask for, when it differs from the current one.
    fn size_for_samples(&mut self) -> Option<u64> {
        if self.samples.is_empty() {
            return None;
        }
        let n = self.samples.len() as f64;
        let overhead = self.samples.iter().map(|s| s.overhead_ms).sum::<f64>() / n;
        let rate = self.samples.iter().map(|s| s.rate).sum::<f64>() / n;
        let wanted = OVERHEAD_RATIO * overhead * rate;
        let ceiling = MAX_ADAPTIVE_PART_SIZE.max(self.base_size);
        let mut size = self.base_size;
        while (size as f64) < wanted && size < ceiling {
            size = size.saturating_mul(2).min(ceiling);
        }
        // Grow at once; shrink only when a quarter of the current size would do.
        let change = size > self.part_size || size.saturating_mul(4) <= self.part_size;
        if change {
            self.part_size = size;
            Some(size)
        } else {
            None
        }
    }
}

/// The sample a completed part gives, when its progress was reported.
fn sample(t: &Timing, answered_at: i64) -> Option<Sample> {
    let ((first_at, first_bytes), (last_at, last_bytes)) = (t.first?, t.last?);
    if last_at > first_at && last_bytes > first_bytes {
        let overhead = (first_at - t.sent_at) + (answered_at - last_at);
        return Some(Sample {
            overhead_ms: overhead.max(0) as f64,
            rate: (last_bytes - first_bytes) as f64 / (last_at - first_at) as f64,
        });
    }
    // One report only (a body sent faster than the browser's progress interval, as Firefox does
    // on a fast link): the rate is at least the bytes over the time to that report, and the
    // overhead at least the wait for the answer.
    if last_at > t.sent_at {
        return Some(Sample {
            overhead_ms: (answered_at - last_at).max(0) as f64,
            rate: last_bytes as f64 / (last_at - t.sent_at) as f64,
        });
    }
    None
}

impl Upload {
    /// UploadParts allowed in flight: the pace's target, or the app's `parallel`.
    pub(super) fn parallel(&self) -> usize {
        self.pace
            .as_ref()
            .map_or(self.config.parallel, |p| p.target)
    }

    /// What [`Upload::parts_wanted`] asks of a shared limit: `parallel`, or the pace's target and
    /// one more (at most 6), since a share no larger than the target would stop the climb.
    pub(super) fn parts_to_ask_for(&self) -> usize {
        match &self.pace {
            Some(p) => (p.target + 1).min(MAX_IN_FLIGHT),
            None => self.config.parallel,
        }
    }

    /// Parts hashed ahead of the sends: `parallel` when fixed; with the pace, its target, but no
    /// more than [`HASH_AHEAD_BYTES`] of parts (and at least 2), so that parts not yet cut can
    /// still take a new size soon when parts are large, while small parts keep as many hashed
    /// ahead as before (a slow hasher must not bound the parts in flight).
    pub(super) fn hash_ahead(&self) -> usize {
        match &self.pace {
            Some(p) => {
                let by_bytes = usize::try_from(HASH_AHEAD_BYTES / p.part_size.max(1)).unwrap_or(2);
                by_bytes.clamp(2, p.target.max(2))
            }
            None => self.config.parallel,
        }
    }

    /// The highest in-flight target the pace reached (`None` with a fixed `parallel`).
    pub fn pace_peak(&self) -> Option<usize> {
        self.pace.as_ref().map(|p| p.peak)
    }

    pub(super) fn pace_send(&mut self, part: u32, now_ms: i64) {
        if let Some(p) = &mut self.pace {
            p.on_send(part, now_ms);
        }
    }

    pub(super) fn pace_progress(&mut self, part: u32, bytes: u64, now_ms: i64) {
        if let Some(p) = &mut self.pace {
            p.on_progress(part, bytes, now_ms);
        }
    }

    pub(super) fn pace_forget(&mut self, part: u32) {
        if let Some(p) = &mut self.pace {
            p.forget(part);
        }
    }

    /// Part `part` is on the server: one more measure, and maybe new parts cut.
    pub(super) fn pace_done(&mut self, part: u32, now_ms: i64) {
        let limit = self.steer.part_cap.unwrap_or(MAX_IN_FLIGHT);
        let Some(size) = self
            .pace
            .as_mut()
            .and_then(|p| p.on_done(part, now_ms, limit))
        else {
            return;
        };
        self.recut(size);
    }

    /// Cuts every part not yet touched (pending, not found on the server) at `size` bytes. Parts
    /// hashing, sent or done keep their boundaries; the plan gains a run (`plan.rs`).
    fn recut(&mut self, size: u64) {
        let parts = &self.parts.parts;
        let first = parts
            .iter()
            .rposition(|p| {
                p.state != PartState::Pending || p.reused || p.local_check != LocalCheck::NotNeeded
            })
            .map_or(0, |i| i + 1);
        let (Some(number), Some(plan)) = (parts.get(first).map(|p| p.number), &self.parts.plan)
        else {
            return;
        };
        let Ok(plan) = plan.resized_from(number, size) else {
            // More than 10,000 parts or out of range: keep the current cut.
            return;
        };
        if plan.runs().len() > MAX_RUNS {
            return;
        }
        self.parts.parts.truncate(first);
        self.parts.parts.extend(
            plan.parts()
                .skip(first)
                .map(|(n, start, end)| Part::pending(n, start, end)),
        );
        self.parts.plan = Some(plan);
    }
}

/// The pace for a new upload, when the app left both `parallel` and `partSize` to it.
pub(super) fn pace_for(adaptive: bool, plan: Option<&MultipartPlan>) -> Option<Pace> {
    match plan {
        Some(plan) if adaptive => Some(Pace::new(plan)),
        _ => None,
    }
}
