//! Parts sent before their CRC-64 is known, so that a resumed upload's first byte leaves as soon
//! as ListParts has answered instead of after reading and hashing a whole part (issue 16).
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
        let take = free.min(self.parts.early_left);
        let pending: Vec<u32> = self
            .parts
            .parts
            .iter()
            .filter(|p| p.state == PartState::Pending)
            .map(|p| p.number)
            .take(take)
            .collect();
        for n in pending {
            self.parts.early_left -= 1;
            self.send_part(n, now_ms);
            let hash = self.calls.fresh_id();
            if let Some(part) = self.parts.part_mut(n) {
                if !matches!(part.state, PartState::Sending { .. }) {
                    continue;
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
