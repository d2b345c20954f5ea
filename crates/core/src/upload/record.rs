//! The upload's checkpoint (§9.6): whether a stored record may be resumed (intact, for this
//! target and file, with a plan that fits), resuming from it, saving ours after every change the
//! server confirmed, and deleting it when it can never be resumed. The driver only stores what
//! it is given: the rule of which record to trust is here and nowhere else.

use super::{Action, Stage, Upload, MAX_IN_FLIGHT};
use crate::checkpoint::{self, Checkpoint, PartHint};
use crate::plan::MultipartPlan;
use crate::request::{Endpoint, ObjectOptions};
use crate::vecmap::VecMap;

use super::schedule::PartState;

/// What our checkpoint records besides the parts, and whether one is stored.
#[derive(Debug)]
pub(super) struct Record {
    /// Object options as the checkpoint records them (the resumed record's when resuming: its
    /// upload was initiated with them, and Complete repeats `forbid_overwrite`).
    pub(super) object: checkpoint::ObjectOptions,
    pub(super) created_at_ms: i64,
    /// Id of our stored record, once saved (or the resumed one's).
    saved: Option<String>,
}

impl Record {
    pub(super) fn new(object: &ObjectOptions, now_ms: i64) -> Record {
        Record {
            object: checkpoint_object(object),
            created_at_ms: now_ms,
            saved: None,
        }
    }
}

/// The endpoint as a checkpoint records it (and as the driver must pass it to
/// `Checkpoint::id_for` to look a record up): `scheme://host[:port]`, path style aside, since the
/// same server is reached either way.
pub fn checkpoint_endpoint(endpoint: &Endpoint) -> String {
    format!("{}://{}", endpoint.scheme(), endpoint.authority())
}

impl Upload {
    /// The plan a checkpoint implies, when it is intact, for this file and target, and cut with
    /// a part size the plan accepts for this file.
    pub(super) fn checkpoint_plan(&self, cp: &Checkpoint) -> Option<MultipartPlan> {
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

    /// Starts from a stored record: its part size and object options win (its parts and upload
    /// were made with them), and ListParts asks the server what it really has.
    pub(super) fn resume_from(&mut self, cp: Checkpoint, plan: MultipartPlan, now_ms: i64) {
        if self.pace.is_some() {
            // The record's runs are where the pace left off.
            self.pace = super::pace::pace_for(true, Some(&plan));
        }
        self.parts.plan = Some(plan);
        self.record.object = cp.object.clone();
        self.parts.cut();
        self.record.created_at_ms = i64::try_from(cp.created_at_ms).unwrap_or(now_ms);
        self.remote.upload_id = Some(cp.upload_id.clone());
        // The record's part list is not trusted: ListParts is the truth (`reconcile`). It only
        // says from which part on none can be on the server, to send ahead of ListParts' answer
        // (`early.rs`): past the highest it names, the old page's parts in flight and as many
        // again whose answers may have come after its last write.
        let highest = cp.parts.iter().map(|p| p.part_number).max().unwrap_or(0);
        // The old page's parts in flight were at most its `parallel` (the pace's at most
        // `MAX_IN_FLIGHT`), which the record does not keep.
        let in_flight = self.parallel().max(MAX_IN_FLIGHT);
        let window = u32::try_from(2 * in_flight).unwrap_or(u32::MAX);
        self.parts.ahead_from = highest.saturating_add(window).saturating_add(1);
        self.record.saved = Some(cp.id());
        self.stage = Stage::Resuming;
        self.list_parts_page(None, now_ms);
        // The first parts after a resume leave before their hash is done, and before ListParts
        // answers (`early.rs`; sent from `drive`, once the driver has set the part cap).
        self.parts.early_left = self.parallel();
    }

    /// Queues our record as it stands: the upload id and every part the server confirmed.
    pub(super) fn save_checkpoint(&mut self, now_ms: i64) {
        if self.stage == Stage::Resuming {
            // A part sent ahead of ListParts' answer is stored: the answer writes the record
            // whole (`reconcile`); until then the stored one, naming the server's parts, stays.
            return;
        }
        let Some(upload_id) = self.remote.upload_id.clone() else {
            return;
        };
        let Some(plan) = &self.parts.plan else {
            return;
        };
        let part_runs = plan.runs()[1..].to_vec();
        let hints: Vec<PartHint> = self
            .parts
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
            self.record.object.clone(),
            u64::try_from(self.record.created_at_ms).unwrap_or(0),
        );
        // Cannot fail for a record built from a valid plan; were it to, the upload goes on
        // without being resumable rather than failing.
        if let Ok(mut cp) = made {
            // The runs the pace cut (`pace.rs`), so resume rebuilds the same boundaries.
            cp.part_runs = part_runs;
            cp.parts = hints;
            cp.updated_at_ms = u64::try_from(now_ms).unwrap_or(0).max(cp.created_at_ms);
            cp.seal();
            self.record.saved = Some(cp.id());
            self.calls.push(Action::SaveCheckpoint(cp));
        }
    }

    /// Queues the deletion of our stored record, if there is one.
    pub(super) fn delete_saved_checkpoint(&mut self) {
        if let Some(id) = self.record.saved.take() {
            self.calls.push(Action::DeleteCheckpoint { id });
        }
    }
}

/// Request options as the checkpoint keeps them (sorted maps; names as given).
fn checkpoint_object(opts: &ObjectOptions) -> checkpoint::ObjectOptions {
    checkpoint::ObjectOptions {
        content_type: opts.content_type.clone(),
        meta: sorted_map(&opts.meta),
        headers: sorted_map(&opts.headers),
        forbid_overwrite: opts.forbid_overwrite,
        callback: opts.callback.clone(),
    }
}

/// The pairs as a sorted map, a later name replacing an earlier one.
fn sorted_map(pairs: &[(String, String)]) -> VecMap<String, String> {
    pairs.iter().cloned().collect()
}
