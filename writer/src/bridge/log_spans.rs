//! The span chain of a `log` event: a library that logs through `log` inside a `tracing`
//! span (a database driver inside a request's span) gets the same `spans` field as a
//! `tracing` event there (SPEC 8.6), when the current subscriber is a `Registry` with the
//! ttlog layer. Until a layer is added to a subscriber this costs one atomic load.

use std::cell::RefCell;
use std::sync::atomic::Ordering;

use tracing_subscriber::registry::LookupSpan;

use super::tracing::{ChainBuffers, LAYER_ADDED};
use crate::Encoder;

thread_local! {
    static BUFFERS: RefCell<ChainBuffers> = RefCell::new(ChainBuffers::default());
}

/// Writes the current span chain (outermost first) as the last value of a `log` event, or
/// null when there is none.
pub(crate) fn write_current_chain(enc: &mut Encoder<'_>) {
    if LAYER_ADDED.load(Ordering::Relaxed) {
        let written = BUFFERS
            .try_with(|b| match b.try_borrow_mut() {
                Ok(mut b) => write_chain(&mut b, enc),
                // In use by an outer `log` event (from a value's `Display`): fresh ones.
                Err(_) => write_chain(&mut ChainBuffers::default(), enc),
            })
            .unwrap_or(false);
        if written {
            return;
        }
    }
    enc.value(&());
}

fn write_chain(buffers: &mut ChainBuffers, enc: &mut Encoder<'_>) -> bool {
    tracing_core::dispatcher::get_default(|dispatch| {
        let Some(registry) = dispatch.downcast_ref::<tracing_subscriber::Registry>() else {
            return false;
        };
        let current = tracing_core::Subscriber::current_span(registry);
        let Some(span) = current.id().and_then(|id| registry.span(id)) else {
            return false;
        };
        buffers.write(Some(span.scope()));
        enc.encoded_by_us(&buffers.chain);
        true
    })
}
