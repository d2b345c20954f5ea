//! Parts sent before their CRC-64 is known, so that a resumed upload's first byte leaves with its
//! ListParts instead of after ListParts' answer and the hash of a whole part (issue 16).
//!
//! Only the first `parallel` parts after a resume go early; every later part is hashed first, as
//! before. An early part's hash runs beside its UploadPart, and nothing is trusted until both
//! are in: the part is done only once the server's CRC-64 (`x-oss-hash-crc64ecma`, §6.2) equals
//! the local one. The answer and the hash may arrive in either order:
//!
//! - hash first: the part is an ordinary sending part with its CRC known; the answer is judged
//!   as for any part (`answers.rs`);
//! - answer first: the ETag and the server's CRC are kept and the part waits in `Hashing` for its
//!   hash; a CRC that differs from the local one sends the part again (now hashed), so the object
//!   is never made of bytes the local hash did not see.
//!
//! Where CORS hides the CRC header (§7.1) the early part is checked like any other part whose
//! header was hidden, by ListParts before Complete against the local hash, and no further part
//! goes early: that upload hashes first, as before.
//!
//! **Ahead of ListParts.** The early parts leave with the resume's ListParts, not after its
//! answer. On a real link this saves ListParts' round trip and its CORS preflight (§7.1) before
//! the first byte; on loopback, 6–13 ms in a trace of the resume bench. Which parts: the first
//! ones past the highest part the record names by twice `parallel` (at least `MAX_IN_FLIGHT`,
//! the pace's most: the old page's parts in flight, and as many again answered after its last
//! record write). The parts just past the record are the ones the reload cut
//! off, and also any whose answer came after the last record was written (seen in 1 to 5 of
//! 8–12 trials, issue 15): sent ahead, those would be stored twice before the list could say
//! so. Past that window the old page had sent nothing. What the answer then says:
//!
//! - the part is not listed (the usual case): it goes on as any early part;
//! - it is listed with its size and CRC-64 (a record that lagged by more than the window): its
//!   request is withdrawn and the server's part adopted like any listed part (`answers.rs`,
//!   `reconcile`), so what was sent twice is only what left before the answer;
//! - our own request was answered first: ours is kept, whatever the list says;
//! - `NoSuchUpload`, on an ahead part or on ListParts: the ahead parts are taken back, and
//!   ListParts' answer alone decides (a HEAD, then perhaps a new upload, as before).
//!
//! While ListParts is out, a part that is stored does not write the record (ListParts' answer
//! writes it whole) and does not re-cut the plan (the parts the record names are on the server).

use super::schedule::PartState;
use super::{Action, Upload};

/// A part sent before its hash finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Early {
    /// The `Hash` action running for the part.
    pub(super) hash: u64,
    /// The UploadPart answer, when it came before the hash: ETag and the server's CRC-64
    /// (`None`: the header was hidden).
    pub(super) answer: Option<(String, Option<u64>)>,
}

/// How the local hash of an early part settled it.
pub(super) enum EarlyHashed {
    /// Not an early part's hash.
    No,
    /// Still sending, or the server's answer agreed (or its CRC was hidden): nothing to do.
    Kept,
    /// Answered and agreed: part `number` is stored; its ETag and whether the CRC was confirmed.
    Stored {
        number: u32,
        etag: String,
        confirmed: bool,
    },
    /// The server's CRC differs from the local one: the part is to be sent again.
    Resend,
}

impl Upload {
    /// Sends pending parts before hashing them while early sends are left and sending slots are
    /// free (`free`); their hashes start beside them.
    pub(super) fn send_early(&mut self, free: usize, now_ms: i64) {
        self.send_unhashed(free.min(self.parts.early_left), 0, now_ms);
    }

    /// While a resume's ListParts is out: the first parts from `PartTable::ahead_from` on leave
    /// now, within `parallel` and the shared part cap.
    pub(super) fn send_ahead(&mut self, now_ms: i64) {
        let take = self
            .sending_limit()
            .saturating_sub(self.parts_in_flight())
            .min(self.parts.early_left);
        self.send_unhashed(take, self.parts.ahead_from, now_ms);
    }

    /// Sends the first `take` pending parts numbered `from` or more, each with its hash started
    /// beside it.
    fn send_unhashed(&mut self, take: usize, from: u32, now_ms: i64) {
        for _ in 0..take {
            let Some(number) = self
                .parts
                .parts
                .iter()
                .find(|p| p.state == PartState::Pending && p.number >= from)
                .map(|p| p.number)
            else {
                return;
            };
            self.parts.early_left = self.parts.early_left.saturating_sub(1);
            self.send_part(number, now_ms);
            let hash = self.calls.fresh_id();
            let Some(part) = self.parts.part_mut(number) else {
                return;
            };
            if !matches!(part.state, PartState::Sending { .. }) {
                // Not sent (the upload ended): it would be found again.
                return;
            }
            part.early = Some(Early { hash, answer: None });
            let (start, end) = (part.start, part.end);
            self.calls.push(Action::Hash {
                id: hash,
                start,
                end,
            });
        }
    }

    /// Part `number`, sent ahead of ListParts' answer, is pending again: its request (if still
    /// out) and its hash are withdrawn. For a part the list shows stored, and for one whose
    /// upload the server no longer knows (ListParts decides what follows).
    pub(super) fn take_back(&mut self, number: u32) {
        let Some(part) = self.parts.part_mut(number) else {
            return;
        };
        let call = match part.state {
            PartState::Sending { call } => Some(call),
            _ => None,
        };
        let hash = part.early.take().map(|e| e.hash);
        part.state = PartState::Pending;
        part.crc64 = None;
        part.in_flight = 0;
        if let Some(call) = call {
            self.calls.withdraw_call(call);
        }
        if let Some(hash) = hash {
            self.calls.withdraw_action(hash);
        }
        self.pace_forget(number);
    }

    /// UploadPart `number` answered. True when the part is early and its hash is still running:
    /// the answer is kept until the hash is in.
    pub(super) fn early_answered(&mut self, number: u32, etag: &str, remote: Option<u64>) -> bool {
        if remote.is_none() {
            // CORS hides the CRC header: later parts are hashed before they are sent.
            self.parts.early_left = 0;
        }
        let Some(part) = self.parts.part_mut(number) else {
            return false;
        };
        let Some(early) = part.early.as_mut() else {
            return false;
        };
        early.answer = Some((etag.to_owned(), remote));
        // Waiting for the hash; the bytes stay counted as sent (progress never goes back).
        part.state = PartState::Hashing { id: early.hash };
        part.in_flight = part.size();
        true
    }

    /// Hash `id` finished with `crc`: settles the early part it belongs to, if any.
    pub(super) fn early_hashed(&mut self, id: u64, crc: u64) -> EarlyHashed {
        let Some(part) = self
            .parts
            .parts
            .iter_mut()
            .find(|p| p.early.as_ref().is_some_and(|e| e.hash == id))
        else {
            return EarlyHashed::No;
        };
        part.crc64 = Some(crc);
        let Some((etag, remote)) = part.early.take().and_then(|e| e.answer) else {
            // Still sending: its answer is judged against this CRC like any part's.
            return EarlyHashed::Kept;
        };
        match remote {
            Some(remote) if remote != crc => {
                part.crc_resends += 1;
                part.state = PartState::Hashed;
                part.in_flight = 0;
                EarlyHashed::Resend
            }
            _ => EarlyHashed::Stored {
                number: part.number,
                etag,
                confirmed: remote.is_some(),
            },
        }
    }
}
