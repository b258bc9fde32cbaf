//! Bridges from the Rust ecosystem's logging facades into the running ttlog logger: the
//! `log` crate (feature `log`) and `tracing` (feature `tracing`). Each is built only on the
//! public [`bindings`](crate::bindings) API, as a bridge outside this crate would be; a
//! program that enables neither feature compiles none of this.

#[cfg(feature = "log")]
pub mod log;
#[cfg(all(feature = "log", feature = "tracing"))]
mod log_spans;
#[cfg(feature = "tracing")]
pub mod tracing;

/// Escapes `{` and `}` so that a text (a span's name, a `log` message without arguments)
/// is a template without placeholders.
pub(crate) fn literal_template(text: &str) -> String {
    text.replace('{', "{{").replace('}', "}}")
}

/// FNV-1a over `bytes`, continuing from `hash` (start from [`FNV_START`]): the bridges'
/// cheap, allocation-free fingerprint of key names and non-static file names.
#[cfg(feature = "log")]
pub(crate) fn fnv(hash: u64, bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(hash, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// FNV-1a's offset basis.
#[cfg(feature = "log")]
pub(crate) const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// A fast hasher for the bridges' callsite caches, whose keys are addresses and small
/// numbers the program itself chose (not attacker-controlled): FxHash's multiply-rotate,
/// about a tenth of the default SipHash's cost on a word.
#[derive(Default, Clone, Copy)]
pub(crate) struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }
}

/// A `HashMap` with [`FastHasher`].
pub(crate) type FastMap<K, V> =
    std::collections::HashMap<K, V, std::hash::BuildHasherDefault<FastHasher>>;
