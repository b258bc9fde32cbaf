//! A thread's staging ring of records: writing one record whole (the producing thread's
//! side, used by `stage`), and the writer thread's end, which reads back whole records
//! across the ring's wrap-around, with the ring's loss counters and the thread's name.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// Bytes before the values of a staged record: total length (u32), callsite id (u32), raw
/// clock reading (u64).
pub(crate) const STAGED_HEADER: usize = 16;

/// Loss counters of one ring, read by the writer thread to write DROPPED records.
#[derive(Debug, Default)]
pub(crate) struct RingCounters {
    pub full: AtomicU64,
    pub too_large: AtomicU64,
}

/// The writer thread's end of a thread's ring.
pub(crate) struct RingReader {
    pub consumer: rtrb::Consumer<u8>,
    pub counters: Arc<RingCounters>,
    pub name: String,
}

/// Writes `record` into the ring as one commit, split across the wrap-around if it must be;
/// `false` (nothing written) when the ring has no room for all of it.
#[inline]
pub(crate) fn try_write(producer: &mut rtrb::Producer<u8>, record: &[u8]) -> bool {
    let Ok(mut chunk) = producer.write_chunk(record.len()) else {
        return false;
    };
    let (a, b) = chunk.as_mut_slices();
    let split = a.len();
    a.copy_from_slice(&record[..split]);
    b.copy_from_slice(&record[split..]);
    chunk.commit_all();
    true
}

impl RingReader {
    /// Hands every record in the ring to `each`, in order, and frees their bytes; returns
    /// the bytes read. Each record starts with its total length (u32, little-endian).
    /// Producers commit whole records, so the ring holds whole records; one may be split by
    /// the wrap-around, and that one is copied into `straddle` first.
    pub(crate) fn drain(&mut self, straddle: &mut Vec<u8>, mut each: impl FnMut(&[u8])) -> usize {
        let available = self.consumer.slots();
        if available == 0 {
            return 0;
        }
        let Ok(chunk) = self.consumer.read_chunk(available) else {
            return 0;
        };
        let (first, second) = chunk.as_slices();
        let byte_at = |k: usize| {
            if k < first.len() {
                first[k]
            } else {
                second[k - first.len()]
            }
        };
        let mut pos = 0;
        while pos < available {
            let len = match first.get(pos..pos + 4) {
                Some(b) => u32::from_le_bytes(b.try_into().unwrap()),
                None => u32::from_le_bytes(std::array::from_fn(|i| byte_at(pos + i))),
            } as usize;
            let end = pos + len;
            if end <= first.len() {
                each(&first[pos..end]);
            } else if pos >= first.len() {
                each(&second[pos - first.len()..end - first.len()]);
            } else {
                straddle.clear();
                straddle.extend_from_slice(&first[pos..]);
                straddle.extend_from_slice(&second[..end - first.len()]);
                each(straddle);
            }
            pos = end;
        }
        chunk.commit_all();
        available
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(capacity: usize) -> (rtrb::Producer<u8>, RingReader) {
        let (producer, consumer) = rtrb::RingBuffer::new(capacity);
        let reader = RingReader {
            consumer,
            counters: Arc::default(),
            name: "t".into(),
        };
        (producer, reader)
    }

    /// A record of `len` bytes (at least 5): its length, then bytes that name it.
    fn record(len: usize, seed: u8) -> Vec<u8> {
        let mut r = (len as u32).to_le_bytes().to_vec();
        r.extend((0..len - 4).map(|i| seed.wrapping_add(i as u8)));
        r
    }

    fn drain_all(reader: &mut RingReader) -> Vec<Vec<u8>> {
        let mut straddle = Vec::new();
        let mut out = Vec::new();
        reader.drain(&mut straddle, |r| out.push(r.to_vec()));
        out
    }

    #[test]
    fn records_split_by_the_wrap_around_read_back_whole() {
        // Every record length against every start offset of a 37-byte ring: the length
        // prefix itself and the body are split at every possible place.
        for len in 5..=37 {
            for offset in 0..37 {
                let (mut producer, mut reader) = ring(37);
                if offset > 0 {
                    assert!(try_write(
                        &mut producer,
                        &record(offset.max(5), 0)[..offset]
                    ));
                    // Skip the filler without parsing it as records.
                    let chunk = reader.consumer.read_chunk(offset).unwrap();
                    chunk.commit_all();
                }
                let r = record(len, len as u8);
                assert!(try_write(&mut producer, &r), "{len} at {offset}");
                assert_eq!(drain_all(&mut reader), vec![r], "{len} at {offset}");
            }
        }
    }

    #[test]
    fn many_records_in_one_drain_keep_their_order() {
        let (mut producer, mut reader) = ring(64);
        let mut written = Vec::new();
        let mut read = Vec::new();
        for i in 0..500u32 {
            let r = record(5 + (i as usize * 7) % 20, i as u8);
            if !try_write(&mut producer, &r) {
                read.extend(drain_all(&mut reader));
                assert!(try_write(&mut producer, &r));
            }
            written.push(r);
        }
        read.extend(drain_all(&mut reader));
        assert_eq!(read, written);
    }

    #[test]
    fn a_full_ring_takes_nothing_of_a_record() {
        let (mut producer, mut reader) = ring(32);
        assert!(try_write(&mut producer, &record(20, 1)));
        // 12 bytes left: a 13-byte record does not go in, not even in part.
        assert!(!try_write(&mut producer, &record(13, 2)));
        assert_eq!(producer.slots(), 12);
        assert!(try_write(&mut producer, &record(12, 3)));
        assert!(!try_write(&mut producer, &record(5, 4)));
        // Larger than the ring: never fits.
        assert!(!try_write(&mut producer, &record(33, 5)));
        assert_eq!(drain_all(&mut reader), vec![record(20, 1), record(12, 3)]);
        assert!(try_write(&mut producer, &record(32, 6)));
        assert_eq!(drain_all(&mut reader), vec![record(32, 6)]);
    }
}
