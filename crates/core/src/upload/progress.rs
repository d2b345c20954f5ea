//! Progress for the user: bytes loaded (a high-water mark that never goes back when an attempt
//! fails), parts done, the phase, and the speed over a sliding window of bytes that really moved;
//! byte counts alone are reported at most every [`PROGRESS_EVERY_MS`].

use std::collections::VecDeque;

use super::schedule::{Part, PartState, PartTable};
use super::{Event, Phase, Progress, Stage, Upload};

/// Width of the sliding window behind `Progress::bytes_per_second`.
const SPEED_WINDOW_MS: i64 = 5_000;
/// Byte counts alone are reported at most this often. Engines differ wildly in how often XHR
/// fires upload progress (WebKit every ~8 KiB: 8,210 events for 64 MiB, Chromium and Firefox
/// about 20), and a page repaints at most every 16 ms; a change of phase or of parts done, and the
/// final report, are never held back.
pub const PROGRESS_EVERY_MS: i64 = 50;

/// What was reported, and what the next report is computed from.
#[derive(Debug)]
pub(super) struct ProgressState {
    /// Most bytes ever counted as loaded: what `Progress::loaded` reports.
    pub(super) high_water: u64,
    last: Option<Progress>,
    /// When `last` was reported.
    last_at: i64,
    /// (time, bytes sent) samples within the speed window.
    speed_samples: VecDeque<(i64, u64)>,
    /// Bytes this session sent in confirmed parts (the speed counts only bytes that moved).
    pub(super) sent_done: u64,
}

impl Default for ProgressState {
    fn default() -> Self {
        ProgressState {
            high_water: 0,
            last: None,
            last_at: i64::MIN,
            speed_samples: VecDeque::new(),
            sent_done: 0,
        }
    }
}

impl ProgressState {
    /// Whether a report of byte counts alone is due.
    pub(super) fn due(&self, now_ms: i64) -> bool {
        now_ms.saturating_sub(self.last_at) >= PROGRESS_EVERY_MS
    }

    /// The report for this state of the parts, if one is to be made now: always on a change of
    /// phase or parts done, for bytes alone only when due.
    fn report(
        &mut self,
        parts: &PartTable,
        total: u64,
        phase: Phase,
        now_ms: i64,
    ) -> Option<Progress> {
        let (done, in_flight, parts_done, parts_total) = tally(parts, phase);
        // A failed attempt's bytes leave `in_flight`: the high-water mark keeps the bar still.
        self.high_water = self.high_water.max((done + in_flight).min(total));
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
            loaded: self.high_water,
            total,
            parts_done,
            parts_total,
            bytes_per_second,
            phase,
        };
        let (stage_changed, bytes_changed) = match &self.last {
            None => (true, true),
            Some(p) => (
                p.parts_done != progress.parts_done || p.phase != phase,
                p.loaded != progress.loaded,
            ),
        };
        if stage_changed || (bytes_changed && self.due(now_ms)) {
            self.last = Some(progress.clone());
            self.last_at = now_ms;
            return Some(progress);
        }
        None
    }
}

/// (bytes in done parts, bytes of attempts in flight, parts done, parts in all).
fn tally(parts: &PartTable, phase: Phase) -> (u64, u64, u32, u32) {
    if parts.parts.is_empty() {
        let done = u32::from(phase == Phase::Done);
        return (0, parts.single.in_flight, done, 1);
    }
    let done: u64 = parts
        .parts
        .iter()
        .filter(|p| p.state == PartState::Done)
        .map(Part::size)
        .sum();
    let in_flight: u64 = parts.parts.iter().map(|p| p.in_flight).sum();
    // At most plan::MAX_PARTS (10,000) parts: the casts cannot truncate.
    let parts_done = parts
        .parts
        .iter()
        .filter(|p| p.state == PartState::Done)
        .count() as u32;
    (done, in_flight, parts_done, parts.parts.len() as u32)
}

impl Upload {
    fn phase(&self) -> Phase {
        if self.calls.offline() {
            return Phase::Offline;
        }
        match self.stage {
            Stage::Single if self.parts.single.crc.is_some() => Phase::Uploading,
            Stage::Single | Stage::Resuming | Stage::Initiating => Phase::Preparing,
            Stage::Uploading => Phase::Uploading,
            Stage::Verifying | Stage::Completing | Stage::CheckingObject | Stage::Cancelling => {
                Phase::Completing
            }
            Stage::Finished => Phase::Done,
        }
    }

    /// Reports progress in the current phase, if a report is due.
    pub(super) fn update_progress(&mut self, now_ms: i64) {
        if self.finished {
            return;
        }
        let phase = self.phase();
        self.emit_progress(now_ms, phase);
    }

    /// Reports progress in `phase`, if a report is due.
    pub(super) fn emit_progress(&mut self, now_ms: i64, phase: Phase) {
        if let Some(p) = self
            .progress
            .report(&self.parts, self.file.size, phase, now_ms)
        {
            self.events.push_back(Event::Progress(p));
        }
    }
}
