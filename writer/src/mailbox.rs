//! The snapshot handshake: a thread that wants a snapshot posts a request, the writer
//! thread takes it (after draining every ring, so the snapshot holds the requester's last
//! events), writes it and leaves the answer; a requester that waited too long withdraws
//! and writes the snapshot itself.
//!
//! Requesters include panic hooks, which must never block on a lock that a dying thread
//! may hold: the requester side only ever tries locks, until a deadline.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, TryLockError};
use std::time::{Duration, Instant};

use crate::snapshot::SnapshotInfo;
use crate::Error;

/// One request at a time, and its answer.
#[derive(Default)]
pub(crate) struct SnapshotMailbox {
    /// Held by the requester whose request is posted; a second one waits its turn.
    turn: Mutex<()>,
    slot: Mutex<Slot>,
    /// A request waits for the writer: read by the writer at every loop without a lock.
    pending: AtomicBool,
}

#[derive(Default)]
struct Slot {
    request: Option<SnapshotInfo>,
    answer: Option<Result<PathBuf, Error>>,
}

/// A posted request; its owner waits for the [`answer`](Posted::answer) or
/// [`withdraw`](Posted::withdraw)s it.
pub(crate) struct Posted<'a> {
    mailbox: &'a SnapshotMailbox,
    _turn: MutexGuard<'a, ()>,
}

impl SnapshotMailbox {
    /// Posts `info` for the writer thread. `None` when the turn or the slot could not be
    /// had before `deadline`.
    pub fn post(&self, info: SnapshotInfo, deadline: Instant) -> Option<Posted<'_>> {
        let turn = try_lock_until(&self.turn, deadline)?;
        {
            let mut slot = try_lock_until(&self.slot, deadline)?;
            *slot = Slot {
                request: Some(info),
                answer: None,
            };
        }
        self.pending.store(true, Ordering::Release);
        Some(Posted {
            mailbox: self,
            _turn: turn,
        })
    }

    /// Writer: whether a request waits (one atomic load).
    pub fn is_pending(&self) -> bool {
        self.pending.load(Ordering::Acquire)
    }

    /// Writer: the waiting request, taken out; `None` when there is none or it was
    /// withdrawn.
    pub fn take(&self) -> Option<SnapshotInfo> {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        if !self.pending.load(Ordering::Acquire) {
            return None;
        }
        slot.request.take()
    }

    /// Writer: the outcome of the request it took.
    pub fn finish(&self, result: Result<PathBuf, Error>) {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        slot.answer = Some(result);
        self.pending.store(false, Ordering::Release);
    }
}

impl Posted<'_> {
    /// The writer's answer, waited for until `deadline` or until `writer_alive` says the
    /// writer is gone; `None` then.
    pub fn answer(
        &self,
        deadline: Instant,
        writer_alive: impl Fn() -> bool,
    ) -> Option<Result<PathBuf, Error>> {
        loop {
            if let Some(mut slot) = try_lock_until(&self.mailbox.slot, deadline) {
                if let Some(answer) = slot.answer.take() {
                    return Some(answer);
                }
            }
            if Instant::now() >= deadline || !writer_alive() {
                return None;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    /// Takes the request back: a writer that has not taken it yet never will. One that
    /// already has still writes its snapshot, so the requester's own makes two files,
    /// never none.
    pub fn withdraw(self) {
        self.mailbox.pending.store(false, Ordering::Release);
        if let Ok(mut slot) = self.mailbox.slot.try_lock() {
            slot.request = None;
        }
    }
}

/// Tries a lock until `deadline`; a poisoned lock is still used (what these locks guard is
/// bytes, counters and requests, valid after any panic).
pub(crate) fn try_lock_until<T>(m: &Mutex<T>, deadline: Instant) -> Option<MutexGuard<'_, T>> {
    loop {
        match m.try_lock() {
            Ok(g) => return Some(g),
            Err(TryLockError::Poisoned(p)) => return Some(p.into_inner()),
            Err(TryLockError::WouldBlock) => {
                if Instant::now() >= deadline {
                    return None;
                }
                std::thread::sleep(Duration::from_micros(100));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn soon() -> Instant {
        Instant::now() + Duration::from_millis(200)
    }

    #[test]
    fn the_writer_takes_a_posted_request_and_its_answer_reaches_the_requester() {
        let mailbox = SnapshotMailbox::default();
        assert!(!mailbox.is_pending());
        assert!(mailbox.take().is_none());
        let posted = mailbox.post(SnapshotInfo::new("r"), soon()).unwrap();
        assert!(mailbox.is_pending());
        assert_eq!(mailbox.take().unwrap().reason, "r");
        assert!(mailbox.take().is_none(), "a request is taken once");
        mailbox.finish(Ok(PathBuf::from("s.bin")));
        assert!(!mailbox.is_pending());
        let answer = posted.answer(soon(), || true).unwrap().unwrap();
        assert_eq!(answer, PathBuf::from("s.bin"));
    }

    #[test]
    fn a_withdrawn_request_is_never_taken() {
        let mailbox = SnapshotMailbox::default();
        let posted = mailbox.post(SnapshotInfo::new("late"), soon()).unwrap();
        posted.withdraw();
        assert!(!mailbox.is_pending());
        assert!(mailbox.take().is_none());
    }

    #[test]
    fn an_answer_to_a_withdrawn_request_is_not_taken_for_the_next_one() {
        let mailbox = SnapshotMailbox::default();
        let first = mailbox.post(SnapshotInfo::new("first"), soon()).unwrap();
        let taken = mailbox.take().unwrap();
        first.withdraw(); // the requester gave up while the writer was writing
        mailbox.finish(Ok(PathBuf::from(taken.reason)));
        let second = mailbox.post(SnapshotInfo::new("second"), soon()).unwrap();
        assert!(
            second.answer(Instant::now(), || true).is_none(),
            "the first request's answer must not answer the second"
        );
        assert_eq!(mailbox.take().unwrap().reason, "second");
    }

    #[test]
    fn a_requester_stops_waiting_when_the_writer_is_gone_or_the_deadline_passes() {
        let mailbox = SnapshotMailbox::default();
        let posted = mailbox.post(SnapshotInfo::new("r"), soon()).unwrap();
        assert!(posted.answer(soon(), || false).is_none());
        let start = Instant::now();
        assert!(posted
            .answer(start + Duration::from_millis(20), || true)
            .is_none());
        assert!(start.elapsed() >= Duration::from_millis(20));
    }

    #[test]
    fn a_second_requester_waits_for_the_first_ones_turn() {
        let mailbox = SnapshotMailbox::default();
        let first = mailbox.post(SnapshotInfo::new("a"), soon()).unwrap();
        assert!(mailbox
            .post(
                SnapshotInfo::new("b"),
                Instant::now() + Duration::from_millis(10)
            )
            .is_none());
        drop(first);
        assert!(mailbox.post(SnapshotInfo::new("b"), soon()).is_some());
    }

    #[test]
    fn withdraw_racing_the_writer_never_answers_the_next_request_with_the_old_one() {
        for _ in 0..200 {
            let mailbox = std::sync::Arc::new(SnapshotMailbox::default());
            let stop = std::sync::Arc::new(AtomicBool::new(false));
            let writer = {
                let (mailbox, stop) = (mailbox.clone(), stop.clone());
                std::thread::spawn(move || {
                    while !stop.load(Ordering::Acquire) {
                        if mailbox.is_pending() {
                            if let Some(info) = mailbox.take() {
                                mailbox.finish(Ok(PathBuf::from(info.reason)));
                            }
                        }
                        std::hint::spin_loop();
                    }
                })
            };
            let first = mailbox.post(SnapshotInfo::new("first"), soon()).unwrap();
            first.withdraw(); // gave up at once; the writer may or may not have taken it
            let second = mailbox.post(SnapshotInfo::new("second"), soon()).unwrap();
            let answer = second.answer(soon(), || true);
            stop.store(true, Ordering::Release);
            writer.join().unwrap();
            assert_eq!(answer.unwrap().unwrap(), PathBuf::from("second"));
        }
    }
}
