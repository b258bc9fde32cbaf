//! The crate's only `unsafe`: calls into CPython's C API where the safe pyo3 wrapper costs
//! a measured share of a call that runs at every logging statement or control-loop tick.

pub mod dict_slot;
pub mod fastcall;
pub mod numpy_scalar;
