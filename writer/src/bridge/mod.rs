//! Bridges from the Rust ecosystem's logging facades into the running ttlog logger: the
//! `log` crate (feature `log`) and `tracing` (feature `tracing`). Each is built only on the
//! public [`bindings`](crate::bindings) API, as a bridge outside this crate would be; a
//! program that enables neither feature compiles none of this.

#[cfg(feature = "log")]
pub mod log;
#[cfg(feature = "tracing")]
pub mod tracing;
