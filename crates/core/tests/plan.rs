//! Part planning: fixed cases at the limits, and properties over arbitrary sizes.

use oss_resumable_core::plan::{
    plan, MultipartPlan, Plan, PlanError, DEFAULT_PART_SIZE, MAX_OBJECT_SIZE, MAX_PARTS,
    MAX_PART_SIZE, MIN_PART_SIZE,
};
use proptest::prelude::*;

const MIB: u64 = 1 << 20;

fn multipart(p: Plan) -> MultipartPlan {
    match p {
        Plan::Multipart(m) => m,
        Plan::Single { size } => panic!("expected multipart, got single of {size}"),
    }
}

/// Every OSS rule a plan must satisfy.
fn assert_valid(m: &MultipartPlan) {
    assert!(m.part_count() >= 1 && m.part_count() <= MAX_PARTS);
    assert!(m.part_size() >= MIN_PART_SIZE && m.part_size() <= MAX_PART_SIZE);
    let mut expected_start = 0;
    let mut count = 0;
    for (n, start, end) in m.parts() {
        count += 1;
        assert_eq!(n, count, "numbers are 1..=count");
        assert_eq!(start, expected_start, "contiguous");
        assert!(end > start, "no empty part");
        let len = end - start;
        assert!(len <= MAX_PART_SIZE);
        if n < m.part_count() {
            let run = m
                .runs()
                .iter()
                .rev()
                .find(|r| r.first_part <= n)
                .expect("a run");
            assert_eq!(len, run.part_size);
            assert!(len >= MIN_PART_SIZE, "EntityTooSmall");
        }
        assert_eq!(m.part_range(n), Some((start, end)));
        assert_eq!(m.part_len(n), Some(len));
        expected_start = end;
    }
    assert_eq!(count, m.part_count());
    assert_eq!(expected_start, m.file_size(), "covers the file exactly");
    assert_eq!(m.part_range(0), None);
    assert_eq!(m.part_range(m.part_count() + 1), None);
}

#[test]
fn small_files_are_a_single_put() {
    assert_eq!(plan(0, None), Ok(Plan::Single { size: 0 }));
    assert_eq!(plan(1, None), Ok(Plan::Single { size: 1 }));
    assert_eq!(
        plan(MIN_PART_SIZE - 1, None),
        Ok(Plan::Single {
            size: MIN_PART_SIZE - 1
        })
    );
    assert_eq!(plan(0, None).unwrap().part_count(), 1);
}

#[test]
fn at_the_minimum_part_size_it_is_multipart() {
    let m = multipart(plan(MIN_PART_SIZE, None).unwrap());
    assert_eq!(m.part_count(), 1);
    assert_eq!(m.part_size(), DEFAULT_PART_SIZE);
    assert_eq!(m.part_range(1), Some((0, MIN_PART_SIZE)));
    assert_valid(&m);
}

#[test]
fn default_part_size_and_short_last_part() {
    let size = 3 * DEFAULT_PART_SIZE + 5;
    let m = multipart(plan(size, None).unwrap());
    assert_eq!(m.part_size(), DEFAULT_PART_SIZE);
    assert_eq!(m.part_count(), 4);
    assert_eq!(m.part_range(4), Some((3 * DEFAULT_PART_SIZE, size)));
    assert_valid(&m);
}

#[test]
fn requested_size_out_of_range_is_an_error() {
    assert_eq!(
        plan(MIB, Some(MIN_PART_SIZE - 1)),
        Err(PlanError::PartSizeOutOfRange(MIN_PART_SIZE - 1))
    );
    assert_eq!(
        plan(MIB, Some(MAX_PART_SIZE + 1)),
        Err(PlanError::PartSizeOutOfRange(MAX_PART_SIZE + 1))
    );
    assert_eq!(plan(10, Some(0)), Err(PlanError::PartSizeOutOfRange(0)));
    assert!(plan(MIB, Some(MIN_PART_SIZE)).is_ok());
    assert!(plan(MIB, Some(MAX_PART_SIZE)).is_ok());
}

#[test]
fn raised_to_the_next_mib_when_too_many_parts() {
    // 100 GiB with 8 MiB parts would be 12,800 parts: raised to ceil(100 GiB / 10,000) → 11 MiB.
    let size = 100 << 30;
    let m = multipart(plan(size, None).unwrap());
    assert_eq!(m.part_size(), 11 * MIB);
    assert_eq!(m.part_count(), 9310);
    assert_valid(&m);
    // Exactly 10,000 parts of the requested size is still fine.
    let m = multipart(plan(10_000 * DEFAULT_PART_SIZE, None).unwrap());
    assert_eq!((m.part_size(), m.part_count()), (DEFAULT_PART_SIZE, 10_000));
    let m = multipart(plan(10_000 * DEFAULT_PART_SIZE + 1, None).unwrap());
    assert_eq!((m.part_size(), m.part_count()), (9 * MIB, 8889));
}

#[test]
fn the_largest_object_fits_and_one_byte_more_does_not() {
    let m = multipart(plan(MAX_OBJECT_SIZE, None).unwrap());
    assert_eq!((m.part_size(), m.part_count()), (MAX_PART_SIZE, MAX_PARTS));
    assert_valid(&m);
    assert_eq!(
        plan(MAX_OBJECT_SIZE + 1, None),
        Err(PlanError::FileTooLarge(MAX_OBJECT_SIZE + 1))
    );
    assert_eq!(
        plan(u64::MAX, Some(MAX_PART_SIZE)),
        Err(PlanError::FileTooLarge(u64::MAX))
    );
}

#[test]
fn with_part_size_never_raises() {
    assert_eq!(
        MultipartPlan::with_part_size(20_000 * MIN_PART_SIZE, MIN_PART_SIZE),
        Err(PlanError::TooManyParts {
            file_size: 20_000 * MIN_PART_SIZE,
            part_size: MIN_PART_SIZE,
            parts: 20_000
        })
    );
    assert_eq!(
        MultipartPlan::with_part_size(10, MIN_PART_SIZE),
        Err(PlanError::TooSmallForMultipart(10))
    );
    let m = MultipartPlan::with_part_size(MIB, MIN_PART_SIZE).unwrap();
    assert_eq!(m.part_count(), 11);
    assert_valid(&m);
}

proptest! {
    #[test]
    fn any_size_gives_a_valid_plan(
        size in prop_oneof![0u64..4 * MIB, 0u64..=MAX_OBJECT_SIZE],
        requested in prop::option::of(MIN_PART_SIZE..=MAX_PART_SIZE),
    ) {
        match plan(size, requested).unwrap() {
            Plan::Single { size: s } => {
                prop_assert_eq!(s, size);
                prop_assert!(size < MIN_PART_SIZE);
            }
            Plan::Multipart(m) => {
                prop_assert!(size >= MIN_PART_SIZE);
                prop_assert_eq!(m.file_size(), size);
                assert_valid_fast(&m);
                let wanted = requested.unwrap_or(DEFAULT_PART_SIZE);
                let feasible = size.div_ceil(wanted) <= u64::from(MAX_PARTS);
                if feasible {
                    prop_assert_eq!(m.part_size(), wanted, "requested size honoured");
                } else {
                    prop_assert!(m.part_size() > wanted);
                    prop_assert_eq!(m.part_size() % MIB, 0);
                    // Smallest MiB multiple that fits: one MiB less would need too many parts.
                    if m.part_size() > MIB {
                        prop_assert!(size.div_ceil(m.part_size() - MIB) > u64::from(MAX_PARTS));
                    }
                }
            }
        }
    }

    #[test]
    fn small_sizes_full_check(size in MIN_PART_SIZE..8 * MIB, requested in MIN_PART_SIZE..2 * MIB) {
        let m = multipart(plan(size, Some(requested)).unwrap());
        assert_valid(&m);
    }

    #[test]
    fn too_large_files_are_rejected(size in MAX_OBJECT_SIZE + 1..=u64::MAX) {
        prop_assert_eq!(plan(size, None), Err(PlanError::FileTooLarge(size)));
    }
}

/// The O(1) part of [`assert_valid`] for huge plans: first, last, and boundaries.
fn assert_valid_fast(m: &MultipartPlan) {
    let n = m.part_count();
    assert!((1..=MAX_PARTS).contains(&n));
    assert!((MIN_PART_SIZE..=MAX_PART_SIZE).contains(&m.part_size()));
    assert_eq!(m.part_range(1).unwrap().0, 0);
    let (last_start, last_end) = m.part_range(n).unwrap();
    assert_eq!(last_end, m.file_size());
    assert!(last_end > last_start && last_end - last_start <= m.part_size());
    if n > 1 {
        let (_, prev_end) = m.part_range(n - 1).unwrap();
        assert_eq!(prev_end, last_start);
        assert_eq!(m.part_len(n - 1), Some(m.part_size()));
    }
    assert_eq!(m.part_range(n + 1), None);
}

#[test]
fn resized_plans_keep_earlier_boundaries_and_oss_limits() {
    let size = 100 * MIB + 5;
    let m = MultipartPlan::with_part_size(size, 8 * MIB).unwrap();
    let r = m.resized_from(4, 32 * MIB).unwrap();
    assert_valid(&r);
    assert_eq!(r.part_range(3), m.part_range(3));
    assert_eq!(r.part_range(4), Some((24 * MIB, 56 * MIB)));
    assert_eq!(r.part_count(), 3 + 3);
    // Back to 8 MiB from part 5: a third run; from part 4: the second run is replaced.
    assert_eq!(r.resized_from(5, 8 * MIB).unwrap().runs().len(), 3);
    assert_eq!(r.resized_from(4, 8 * MIB).unwrap(), m);
    // Never more than 10,000 parts, never a size OSS refuses, never a part not in the plan.
    let big = MultipartPlan::with_part_size(20_000 * MIN_PART_SIZE, MIN_PART_SIZE * 2).unwrap();
    assert!(matches!(
        big.resized_from(2, MIN_PART_SIZE),
        Err(PlanError::TooManyParts { .. })
    ));
    assert!(m.resized_from(2, MIN_PART_SIZE - 1).is_err());
    assert!(m.resized_from(14, 8 * MIB).is_err());
    assert!(m.resized_from(0, 8 * MIB).is_err());
}

proptest! {
    #[test]
    fn any_resize_gives_a_valid_plan(
        size in MIN_PART_SIZE..=(64 * MIB * 40),
        first in 1u32..64,
        from in 1u32..64,
        part in prop::sample::select(vec![MIN_PART_SIZE, MIB, 8 * MIB, 64 * MIB]),
    ) {
        let m = MultipartPlan::with_part_size(size, u64::from(first) * MIB).unwrap();
        if let Ok(r) = m.resized_from(from, part) {
            assert_valid(&r);
            for n in 1..from.min(m.part_count()) {
                prop_assert_eq!(r.part_range(n), m.part_range(n));
            }
        }
    }
}
