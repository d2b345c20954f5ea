//! `maxPartsInFlight`: one limit on UploadParts in flight shared fairly by every running upload
//! of an `Uploader` (each still within its own `parallel`). Sans-IO like the machines: the
//! driver of each upload calls [`PartShare::settle`] right after every step of its machine, with
//! the machine's [`super::Upload::parts_in_flight`] and [`super::Upload::parts_wanted`], and
//! hands the answer to [`super::Upload::set_part_cap`].
//!
//! The rule: each upload *owns* slots, and the slots owned never add up to more than the limit.
//! An upload only ever takes free slots itself, in its own settle, and gives back the slots it
//! owns beyond its fair target (never below the parts it has in flight); so no slot is
//! counted twice even though uploads settle at different moments, and the limit holds at all
//! times. The fair target splits the limit max-min fairly over what the uploads want (water
//! filling); slots that do not divide evenly go to the uploads that have waited longest since
//! they last started a part, so with more uploads than slots every upload gets its turn.

use crate::vecmap::VecMap;

/// One upload's place in the share.
#[derive(Debug, Clone, Copy, Default)]
struct Member {
    in_flight: usize,
    wanted: usize,
    owned: usize,
    /// When (in settle ticks) it last started a part; 0 = never.
    last_start: u64,
}

/// The shared limit of one `Uploader`: see the module docs.
#[derive(Debug)]
pub struct PartShare {
    limit: usize,
    members: VecMap<u64, Member>,
    next_member: u64,
    tick: u64,
}

/// What [`PartShare::settle`] decided for one upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settled {
    /// The part cap this upload may use now.
    pub cap: usize,
    /// Slots became free: the other uploads should settle again soon (they may take them).
    pub released: bool,
}

impl PartShare {
    /// A share of `limit` UploadParts in flight (at least 1).
    pub fn new(limit: usize) -> PartShare {
        PartShare {
            limit: limit.max(1),
            members: VecMap::new(),
            next_member: 1,
            tick: 0,
        }
    }

    /// The limit.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// A new upload joins, owning nothing yet; returns its member id.
    pub fn join(&mut self) -> u64 {
        let id = self.next_member;
        self.next_member += 1;
        self.members.insert(id, Member::default());
        id
    }

    /// An upload ended: its slots are free (true when it owned any, so others should settle).
    pub fn leave(&mut self, member: u64) -> bool {
        self.members.remove(&member).is_some_and(|m| m.owned > 0)
    }

    /// Slots owned by every upload together (never above the limit).
    pub fn owned(&self) -> usize {
        self.members.values().map(|m| m.owned).sum()
    }

    /// `member` has `in_flight` UploadParts out and would like `wanted`: gives back what it owns
    /// beyond its fair target, takes free slots up to it, and returns its cap.
    pub fn settle(&mut self, member: u64, in_flight: usize, wanted: usize) -> Settled {
        self.tick += 1;
        let tick = self.tick;
        let Some(m) = self.members.get_mut(&member) else {
            return Settled {
                cap: 0,
                released: false,
            };
        };
        if in_flight > m.in_flight {
            m.last_start = tick;
        }
        m.in_flight = in_flight;
        m.wanted = wanted.max(in_flight);
        let target = self.targets().get(&member).copied().unwrap_or(0);
        let others: usize = self
            .members
            .iter()
            .filter(|(id, _)| **id != member)
            .map(|(_, m)| m.owned)
            .sum();
        let free_for_me = self.limit.saturating_sub(others);
        let Some(m) = self.members.get_mut(&member) else {
            return Settled {
                cap: 0,
                released: false,
            };
        };
        let before = m.owned;
        // Give back above the target (never below what is in flight), take up to it.
        let keep = before.min(target.max(m.in_flight));
        m.owned = keep
            .max(target.min(free_for_me))
            .max(m.in_flight.min(free_for_me));
        Settled {
            cap: m.owned,
            released: m.owned < before,
        }
    }

    /// Max-min fair split of the limit over what each upload wants; the remainder one slot at
    /// a time to the uploads that have waited longest since they last started a part.
    fn targets(&self) -> VecMap<u64, usize> {
        let mut by_want: Vec<(u64, Member)> = self.members.iter().map(|(k, m)| (*k, *m)).collect();
        crate::sort::sort_by_key(&mut by_want, |(_, m)| m.wanted);
        let mut targets: VecMap<u64, usize> = VecMap::new();
        let mut remaining = self.limit;
        let n = by_want.len();
        for (i, (id, m)) in by_want.iter().enumerate() {
            let share = remaining / (n - i);
            let t = m.wanted.min(share);
            remaining -= t;
            targets.insert(*id, t);
        }
        let mut by_wait = by_want;
        crate::sort::sort_by_key(&mut by_wait, |(id, m)| (m.last_start, *id));
        while remaining > 0 {
            let mut gave = false;
            for (id, m) in &by_wait {
                if remaining == 0 {
                    break;
                }
                if let Some(t) = targets.get_mut(id) {
                    if *t < m.wanted {
                        *t += 1;
                        remaining -= 1;
                        gave = true;
                    }
                }
            }
            if !gave {
                break;
            }
        }
        targets
    }
}
