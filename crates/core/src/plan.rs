//! Part planning within OSS's multipart limits (docs/protocol.md §4.2, §4.8).
//!
//! A file becomes either one PutObject (smaller than the minimum part size) or a multipart upload
//! whose parts are numbered from 1. Part numbers are OSS's: 1-based. A multipart plan is a
//! sequence of runs, each a first part number and the size of its parts (the last part of the
//! file shorter or equal): one run when the size is fixed, more when the adaptive pace
//! (`upload/pace.rs`) cut the parts not yet planned larger or smaller. OSS only asks that every
//! part but the last be within 100 KiB..=5 GiB and that there be at most 10,000 (§4.2); parts
//! need not have one size.

/// Every part but the last must be at least 100 KiB, or Complete fails with `EntityTooSmall`.
pub const MIN_PART_SIZE: u64 = 100 * 1024;
/// Largest part OSS accepts (5 GiB).
pub const MAX_PART_SIZE: u64 = 5 << 30;
/// Highest part number OSS accepts.
pub const MAX_PARTS: u32 = 10_000;
/// Part size when the caller gives none (the C++ SDK's default; design.md).
pub const DEFAULT_PART_SIZE: u64 = 8 << 20;
/// Largest object OSS stores: the docs' "48.8 TB" is exactly 10,000 parts of 5 GiB.
pub const MAX_OBJECT_SIZE: u64 = MAX_PARTS as u64 * MAX_PART_SIZE;
/// Raised part sizes are rounded up to a multiple of this (see [`plan`]).
pub const PART_SIZE_GRANULE: u64 = 1 << 20;

/// Why a file cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The part size asked for is below 100 KiB or above 5 GiB.
    #[error("part size {0} bytes is outside OSS's limits (102400 bytes to 5 GiB)")]
    PartSizeOutOfRange(u64),
    /// The file is larger than 10,000 parts of 5 GiB.
    #[error("file of {0} bytes is larger than the largest OSS object (10,000 parts of 5 GiB)")]
    FileTooLarge(u64),
    #[error("a part size of {part_size} bytes needs {parts} parts for {file_size} bytes; OSS allows 10,000")]
    /// The part size asked for would need more than 10,000 parts.
    TooManyParts {
        /// The file's size, in bytes.
        file_size: u64,
        /// The part size asked for, in bytes.
        part_size: u64,
        /// The parts it would take.
        parts: u64,
    },
    /// Runs out of order, starting at part 1 or past the file's end (a damaged checkpoint).
    #[error("part runs are inconsistent: {0}")]
    BadRuns(&'static str),
    /// A multipart upload was required of a file smaller than one part.
    #[error("a multipart upload needs at least {MIN_PART_SIZE} bytes, the file has {0}")]
    TooSmallForMultipart(u64),
}

/// How a file is uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// One PutObject: the file (possibly empty) is smaller than the minimum part size, so a
    /// multipart upload would gain nothing (ali-oss does the same, §4.8).
    Single {
        /// The file's size, in bytes.
        size: u64,
    },
    /// A multipart upload.
    Multipart(MultipartPlan),
}

impl Plan {
    /// Number of parts (1 for a single PutObject).
    pub fn part_count(&self) -> u32 {
        match self {
            Plan::Single { .. } => 1,
            Plan::Multipart(m) => m.part_count(),
        }
    }

    /// The file size the plan covers.
    pub fn file_size(&self) -> u64 {
        match self {
            Plan::Single { size } => *size,
            Plan::Multipart(m) => m.file_size(),
        }
    }
}

/// From part `first_part` on (until the next run), every part has `part_size` bytes (the file's
/// last part shorter or equal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartRun {
    /// The run's first part number (1-based).
    pub first_part: u32,
    /// The size of the run's parts, in bytes.
    pub part_size: u64,
}

/// Parts of a multipart upload: runs of equal parts, the file's last part shorter or equal.
/// Constructed only through [`plan`], [`MultipartPlan::with_part_size`],
/// [`MultipartPlan::with_runs`] or [`MultipartPlan::resized_from`], so it always satisfies OSS's
/// limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultipartPlan {
    file_size: u64,
    /// Ascending by first part; the first starts at part 1; each covers at least one part.
    runs: Vec<PartRun>,
    part_count: u32,
}

impl MultipartPlan {
    /// The plan for an exact part size, without raising it: used on resume, where the part size
    /// recorded at Initiate must be kept (parts already uploaded have that size).
    pub fn with_part_size(file_size: u64, part_size: u64) -> Result<Self, PlanError> {
        Self::with_runs(file_size, part_size, &[])
    }

    /// The plan whose first parts have `part_size` bytes and whose `later` runs (ascending, each
    /// after the first part) change the size from their first part on: how a checkpoint records
    /// a plan the adaptive pace re-cut, so resume rebuilds exactly the same boundaries.
    pub fn with_runs(file_size: u64, part_size: u64, later: &[PartRun]) -> Result<Self, PlanError> {
        if file_size > MAX_OBJECT_SIZE {
            return Err(PlanError::FileTooLarge(file_size));
        }
        if file_size < MIN_PART_SIZE {
            return Err(PlanError::TooSmallForMultipart(file_size));
        }
        let mut runs = Vec::with_capacity(later.len() + 1);
        runs.push(PartRun {
            first_part: 1,
            part_size,
        });
        runs.extend_from_slice(later);
        let mut start = 0u64;
        let mut parts = 0u64;
        for (i, run) in runs.iter().enumerate() {
            check_part_size(run.part_size)?;
            match runs.get(i + 1) {
                Some(next) => {
                    if next.first_part <= run.first_part {
                        return Err(PlanError::BadRuns("runs are not ascending by first part"));
                    }
                    let count = u64::from(next.first_part - run.first_part);
                    start = start.saturating_add(count.saturating_mul(run.part_size));
                    parts += count;
                    if start >= file_size {
                        return Err(PlanError::BadRuns("a run starts past the end of the file"));
                    }
                }
                None => parts += (file_size - start).div_ceil(run.part_size),
            }
        }
        if parts > u64::from(MAX_PARTS) {
            return Err(PlanError::TooManyParts {
                file_size,
                part_size: runs[runs.len() - 1].part_size,
                parts,
            });
        }
        Ok(Self {
            file_size,
            runs,
            // parts ≤ MAX_PARTS was checked just above.
            part_count: parts as u32,
        })
    }

    /// This plan with every part from `first_part` on cut at `part_size` bytes (parts before it
    /// keep their boundaries). Fails when OSS would refuse the result (size out of range, more
    /// than 10,000 parts) or when `first_part` is not in the plan.
    pub fn resized_from(&self, first_part: u32, part_size: u64) -> Result<Self, PlanError> {
        if first_part == 0 || first_part > self.part_count {
            return Err(PlanError::BadRuns("the resized part is not in the plan"));
        }
        let mut later: Vec<PartRun> = self.runs[1..]
            .iter()
            .copied()
            .filter(|r| r.first_part < first_part)
            .collect();
        if first_part == 1 {
            return Self::with_part_size(self.file_size, part_size);
        }
        let current = later.last().map_or(self.runs[0].part_size, |r| r.part_size);
        if current != part_size {
            later.push(PartRun {
                first_part,
                part_size,
            });
        }
        Self::with_runs(self.file_size, self.runs[0].part_size, &later)
    }

    /// The runs, the first starting at part 1.
    pub fn runs(&self) -> &[PartRun] {
        &self.runs
    }

    /// The size of the file the plan covers, in bytes.
    pub fn file_size(&self) -> u64 {
        self.file_size
    }

    /// The size of the first run's parts, in bytes (of every part but the last when the plan has
    /// one run).
    pub fn part_size(&self) -> u64 {
        self.runs[0].part_size
    }

    /// How many parts the plan has (1 for a single PutObject).
    pub fn part_count(&self) -> u32 {
        self.part_count
    }

    /// Byte range `[start, end)` of part `part_number` (1-based), or `None` when the number is
    /// not in this plan (e.g. a part number read from ListParts that this file cannot have).
    pub fn part_range(&self, part_number: u32) -> Option<(u64, u64)> {
        if part_number == 0 || part_number > self.part_count {
            return None;
        }
        let mut start = 0u64;
        for (i, run) in self.runs.iter().enumerate() {
            let next = self.runs.get(i + 1).map_or(u32::MAX, |r| r.first_part);
            if part_number < next {
                start += u64::from(part_number - run.first_part) * run.part_size;
                let end = start.saturating_add(run.part_size).min(self.file_size);
                return Some((start, end));
            }
            start += u64::from(next - run.first_part) * run.part_size;
        }
        None
    }

    /// Size of part `part_number`, or `None` when the number is not in this plan.
    pub fn part_len(&self, part_number: u32) -> Option<u64> {
        self.part_range(part_number).map(|(s, e)| e - s)
    }

    /// Every part as `(part_number, start, end)`, in order.
    pub fn parts(&self) -> impl Iterator<Item = (u32, u64, u64)> + '_ {
        (1..=self.part_count)
            .filter_map(move |n| self.part_range(n).map(|(start, end)| (n, start, end)))
    }
}

fn check_part_size(part_size: u64) -> Result<(), PlanError> {
    if (MIN_PART_SIZE..=MAX_PART_SIZE).contains(&part_size) {
        Ok(())
    } else {
        Err(PlanError::PartSizeOutOfRange(part_size))
    }
}

/// Plans the upload of `file_size` bytes.
///
/// `requested_part_size` (default [`DEFAULT_PART_SIZE`]) must be within 100 KiB..=5 GiB. It is
/// used as is whenever the file fits in 10,000 parts of that size. Otherwise it is raised to the
/// smallest multiple of 1 MiB that fits, `ceil(file_size / 10,000)` rounded up. Why not double
/// like oss2 and the C++ SDK: doubling overshoots by up to 2×, and every byte of part size costs
/// browser memory (a part is read whole to hash it, times the parts in flight) and re-upload time
/// when a part fails; it also cannot reach the 48.8 TB maximum from 8 MiB without passing 5 GiB.
/// The 1 MiB granule keeps sizes readable and aligned. Since 5 GiB is itself a multiple of 1 MiB
/// and `file_size ≤ 10,000 × 5 GiB`, the raised size never exceeds 5 GiB.
pub fn plan(file_size: u64, requested_part_size: Option<u64>) -> Result<Plan, PlanError> {
    let requested = requested_part_size.unwrap_or(DEFAULT_PART_SIZE);
    check_part_size(requested)?;
    if file_size > MAX_OBJECT_SIZE {
        return Err(PlanError::FileTooLarge(file_size));
    }
    if file_size < MIN_PART_SIZE {
        return Ok(Plan::Single { size: file_size });
    }
    let part_size = if file_size.div_ceil(requested) <= u64::from(MAX_PARTS) {
        requested
    } else {
        let least = file_size.div_ceil(u64::from(MAX_PARTS));
        least
            .div_ceil(PART_SIZE_GRANULE)
            .saturating_mul(PART_SIZE_GRANULE)
            .min(MAX_PART_SIZE)
    };
    MultipartPlan::with_part_size(file_size, part_size).map(Plan::Multipart)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_object_size_is_the_documented_48_8_tb() {
        // 48.8 TiB, which the docs write "48.8 TB".
        let tib = MAX_OBJECT_SIZE as f64 / (1u64 << 40) as f64;
        assert!((tib - 48.83).abs() < 0.01, "{tib}");
    }
}
