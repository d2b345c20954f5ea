//! The part table and the scheduling rules: which part to hash next and which to send, how many of
//! each at once (`parallel` UploadParts in flight, hashing at most `parallel` parts ahead), when
//! reused parts are checked against the local file, and what follows once every part is on the
//! server (a ListParts check of hidden CRCs, or Complete).

use super::early::Early;
use super::{Action, Stage, Upload};
use crate::crc64;
use crate::operation::Operation;
use crate::plan::MultipartPlan;
use crate::request;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PartState {
    Pending,
    Hashing { id: u64 },
    Hashed,
    Sending { call: u64 },
    Done,
}

/// A part found on the server at resume is only as good as the local file still being the one
/// it came from. Identity (name, size, lastModified, sampled bytes) can miss an edit elsewhere,
/// so each reused part is hashed locally before Complete; a part that differs is re-sent, which
/// makes the object the current file's bytes and never a mix of two files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LocalCheck {
    NotNeeded,
    Pending,
    Hashing { id: u64 },
}

#[derive(Debug, Clone)]
pub(super) struct Part {
    pub(super) number: u32,
    pub(super) start: u64,
    pub(super) end: u64,
    pub(super) state: PartState,
    /// Our CRC-64 of the bytes (or, for a reused part, the server's, equal to the hint's).
    pub(super) crc64: Option<u64>,
    /// As returned by UploadPart or ListParts, quotes included.
    pub(super) etag: Option<String>,
    /// OSS reported the same CRC-64 (response header or ListParts).
    pub(super) crc_confirmed: bool,
    pub(super) crc_resends: u32,
    /// Bytes of the current attempt reported sent.
    pub(super) in_flight: u64,
    pub(super) reused: bool,
    /// For a reused part: whether the local file's bytes were checked against the server's CRC.
    pub(super) local_check: LocalCheck,
    /// Sent before its hash finished (`early.rs`), until the hash is in.
    pub(super) early: Option<Early>,
}

impl Part {
    /// A part not started yet.
    pub(super) fn pending(number: u32, start: u64, end: u64) -> Part {
        Part {
            number,
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
            early: None,
        }
    }

    pub(super) fn size(&self) -> u64 {
        self.end - self.start
    }
}

/// A file small enough for one PutObject: its hash action, CRC-64 and bytes in flight.
#[derive(Debug, Default)]
pub(super) struct Single {
    /// The `Hash` action of the whole file, while it runs.
    pub(super) hash: Option<u64>,
    pub(super) crc: Option<u64>,
    pub(super) in_flight: u64,
    pub(super) crc_resends: u32,
}

/// What the file is cut into and where each piece stands.
#[derive(Debug)]
pub(super) struct PartTable {
    /// `None` for a single PutObject.
    pub(super) plan: Option<MultipartPlan>,
    /// Empty for a single PutObject.
    pub(super) parts: Vec<Part>,
    pub(super) single: Single,
    /// How many more parts may be sent before they are hashed (`early.rs`).
    pub(super) early_left: usize,
    /// A resume's first part that may be sent ahead of ListParts' answer (`early.rs`).
    pub(super) ahead_from: u32,
}

impl PartTable {
    pub(super) fn new(plan: Option<MultipartPlan>) -> PartTable {
        PartTable {
            plan,
            parts: Vec::new(),
            single: Single::default(),
            early_left: 0,
            ahead_from: 0,
        }
    }

    /// Cuts the file into the plan's parts, none of them started.
    pub(super) fn cut(&mut self) {
        let Some(plan) = &self.plan else {
            return;
        };
        self.parts = plan
            .parts()
            .map(|(n, start, end)| Part::pending(n, start, end))
            .collect();
    }

    pub(super) fn part_mut(&mut self, number: u32) -> Option<&mut Part> {
        self.parts.iter_mut().find(|p| p.number == number)
    }

    /// Takes the CRC-64 of hash action `id` (of a part to send, or of a reused part being
    /// checked). True when a reused part's bytes turned out not to be the server's: it is then
    /// sent again and no longer counts as reused.
    pub(super) fn hashed(&mut self, id: u64, crc: u64) -> bool {
        if let Some(part) = self
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
                return true;
            }
        }
        false
    }

    /// CRC-64 of the whole object, folded from the parts in order (§6.3).
    pub(super) fn combined_crc(&self) -> u64 {
        self.parts.iter().fold(0, |acc, p| {
            crc64::combine(acc, p.crc64.unwrap_or(0), p.size())
        })
    }

    /// Stops every hash: returns the ids of those that were running. Parts that were hashing must
    /// hash again; sending parts fall back to hashed (their Sends are withdrawn by the caller).
    pub(super) fn withdraw(&mut self) -> Vec<u64> {
        let mut ids: Vec<u64> = Vec::new();
        for part in &mut self.parts {
            if let Some(early) = part.early.take() {
                // Sent (or answered) before its hash: without the hash it starts over.
                ids.push(early.hash);
                part.state = PartState::Pending;
                part.crc64 = None;
            }
            part.state = match part.state {
                PartState::Hashing { id } => {
                    ids.push(id);
                    PartState::Pending
                }
                PartState::Sending { .. } => PartState::Hashed,
                s => s,
            };
            if let LocalCheck::Hashing { id } = part.local_check {
                ids.push(id);
                part.local_check = LocalCheck::Pending;
            }
            part.in_flight = 0;
        }
        ids.extend(self.single.hash.take());
        ids
    }

    /// For a new upload after the old one vanished: nothing is on the server any more; the
    /// hashes of our own bytes are kept, a reused part's (the server's) is not.
    pub(super) fn forget_server(&mut self) {
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
            part.early = None;
        }
        self.early_left = 0;
    }
}

impl Upload {
    /// At most `parallel` UploadParts in flight; hashing runs at most `parallel` parts ahead
    /// (with the pace, [`Upload::hash_ahead`]).
    /// A shared `maxPartsInFlight` (`handle.rs`) lowers the first bound further. Without a fixed
    /// `parallel`, the pace's target stands for it (`pace.rs`).
    pub(super) fn schedule_parts(&mut self, now_ms: i64) {
        let parallel = self.parallel();
        let sending_limit = self.sending_limit();
        let parts = &self.parts.parts;
        let sending = parts
            .iter()
            .filter(|p| matches!(p.state, PartState::Sending { .. }))
            .count();
        let ready: Vec<u32> = parts
            .iter()
            .filter(|p| p.state == PartState::Hashed)
            .map(|p| p.number)
            .take(sending_limit.saturating_sub(sending))
            .collect();
        let free = sending_limit.saturating_sub(sending + ready.len());
        for n in ready {
            self.send_part(n, now_ms);
        }
        if free > 0 && self.parts.early_left > 0 {
            self.send_early(free, now_ms);
        }
        let parts = &self.parts.parts;
        let active = parts
            .iter()
            .filter(|p| {
                matches!(
                    p.state,
                    PartState::Hashing { .. } | PartState::Hashed | PartState::Sending { .. }
                )
            })
            .count();
        let room = (parallel + self.hash_ahead()).saturating_sub(active);
        let to_hash: Vec<u32> = parts
            .iter()
            .filter(|p| p.state == PartState::Pending)
            .map(|p| p.number)
            .take(room)
            .collect();
        let room = room.saturating_sub(to_hash.len());
        for n in to_hash {
            let id = self.calls.fresh_id();
            if let Some(part) = self.parts.part_mut(n) {
                part.state = PartState::Hashing { id };
                let (start, end) = (part.start, part.end);
                self.calls.push(Action::Hash { id, start, end });
            }
        }
        // Reused parts are checked against the local file with whatever hashing room is left,
        // after the parts still to send, so resuming starts sending at once.
        let parts = &self.parts.parts;
        let checking = parts
            .iter()
            .filter(|p| matches!(p.local_check, LocalCheck::Hashing { .. }))
            .count();
        let to_check: Vec<u32> = parts
            .iter()
            .filter(|p| p.local_check == LocalCheck::Pending)
            .map(|p| p.number)
            .take(room.min(parallel.saturating_sub(checking)))
            .collect();
        for n in to_check {
            let id = self.calls.fresh_id();
            if let Some(part) = self.parts.part_mut(n) {
                part.local_check = LocalCheck::Hashing { id };
                let (start, end) = (part.start, part.end);
                self.calls.push(Action::Hash { id, start, end });
            }
        }
        if self
            .parts
            .parts
            .iter()
            .all(|p| p.state == PartState::Done && p.local_check == LocalCheck::NotNeeded)
        {
            self.after_parts(now_ms);
        }
    }

    /// UploadParts this upload may have in flight: `parallel`, lowered by a shared part cap.
    pub(super) fn sending_limit(&self) -> usize {
        let parallel = self.parallel();
        self.steer
            .part_cap
            .map_or(parallel, |cap| cap.min(parallel))
    }

    pub(super) fn send_part(&mut self, number: u32, now_ms: i64) {
        let Some(upload_id) = self.remote.upload_id.clone() else {
            return;
        };
        let Some(part) = self.parts.part_mut(number) else {
            return;
        };
        let template = request::upload_part(
            &self.config.bucket,
            &self.config.key,
            &upload_id,
            number,
            part.start,
            part.end,
        )
        .map(|mut req| {
            // trafficLimit and the other part headers, signed with the part (§10.3).
            req.headers
                .extend(self.config.object.part_headers.iter().cloned());
            req
        });
        let Some(call) = self.start_call(Operation::UploadPart, Some(number), template, now_ms)
        else {
            return;
        };
        if let Some(part) = self.parts.part_mut(number) {
            part.state = PartState::Sending { call };
            part.in_flight = 0;
        }
        self.pace_send(number, now_ms);
    }

    /// Every part is on the server: verify hidden CRCs by ListParts, or complete.
    fn after_parts(&mut self, now_ms: i64) {
        if self.parts.parts.iter().all(|p| p.crc_confirmed) {
            self.complete(now_ms);
        } else {
            // CORS hid x-oss-hash-crc64ecma: ListParts' HashCrc64ecma is in the body, always
            // readable (§7.1).
            self.stage = Stage::Verifying;
            self.remote.listed.clear();
            self.list_parts_page(None, now_ms);
        }
    }
}
