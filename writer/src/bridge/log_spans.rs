//! The span chain of a `log` event: a library that logs through `log` inside a `tracing`
//! span (a database driver inside a request's span) gets the same `spans` field as a
//! `tracing` event there (SPEC 8.6), when the current subscriber is a `Registry` with the
//! ttlog layer. Until a layer is added to a subscriber this costs one atomic load.

use std::cell::RefCell;
use std::sync::atomic::Ordering;

use tracing_subscriber::registry::LookupSpan;

use super::tracing::{write_span_map, SpanState, LAYER_ADDED};
use crate::Encoder;

/// Reused buffers: the chain's maps innermost first, their ranges, and the chain.
#[derive(Default)]
struct Buffers {
    maps: Vec<u8>,
    ranges: Vec<(usize, usize)>,
    chain: Vec<u8>,
}

thread_local! {
    static BUFFERS: RefCell<Buffers> = RefCell::new(Buffers::default());
}

/// Writes the current span chain (outermost first) as the last value of a `log` event, or
/// null when there is none.
pub(crate) fn write_current_chain(enc: &mut Encoder<'_>) {
    if LAYER_ADDED.load(Ordering::Relaxed) {
        let written = BUFFERS
            .try_with(|b| match b.try_borrow_mut() {
                Ok(mut b) => write_chain(&mut b, enc),
                // In use by an outer `log` event (from a value's `Display`): fresh ones.
                Err(_) => write_chain(&mut Buffers::default(), enc),
            })
            .unwrap_or(false);
        if written {
            return;
        }
    }
    enc.value(&());
}

fn write_chain(b: &mut Buffers, enc: &mut Encoder<'_>) -> bool {
    let Buffers {
        maps,
        ranges,
        chain,
    } = b;
    tracing_core::dispatcher::get_default(|dispatch| {
        let Some(registry) = dispatch.downcast_ref::<tracing_subscriber::Registry>() else {
            return false;
        };
        let current = tracing_core::Subscriber::current_span(registry);
        let Some(span) = current.id().and_then(|id| registry.span(id)) else {
            return false;
        };
        maps.clear();
        ranges.clear();
        chain.clear();
        for span in span.scope() {
            let start = maps.len();
            match span.extensions().get::<SpanState>() {
                Some(state) => write_span_map(maps, span.name(), state),
                None => Encoder::new(maps).value(span.name()),
            }
            ranges.push((start, maps.len()));
        }
        ttlog_format::cbor::write_head(chain, 4, ranges.len() as u64);
        for &(a, b) in ranges.iter().rev() {
            chain.extend_from_slice(&maps[a..b]);
        }
        enc.encoded_by_us(chain);
        true
    })
}
