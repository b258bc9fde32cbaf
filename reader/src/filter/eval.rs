//! Evaluating an expression on an event, and the block level mask it implies.

use ttlog_format::LevelMask;

use super::ast::{Expr, Key, Literal, Op};
use crate::{Event, Value};

/// The levels an event must have to match `e`, when `e` constrains levels.
pub(super) fn level_mask(e: &Expr) -> Option<LevelMask> {
    match e {
        Expr::Compare(Key::Level, op, lit) => {
            let l = lit.level?.as_u8();
            // Bits 0 to 6 stand for one level each; bit 7 for every level from 7 up, so it
            // may match when either end of that range does.
            let mut mask = LevelMask::NONE;
            for n in 0..=6u8 {
                if cmp_ord(*op, n.cmp(&l)) {
                    mask |= LevelMask::of(n);
                }
            }
            if cmp_ord(*op, 7u8.cmp(&l)) || cmp_ord(*op, u8::MAX.cmp(&l)) {
                mask |= LevelMask::of(7);
            }
            Some(mask)
        }
        Expr::And(a, b) => match (level_mask(a), level_mask(b)) {
            (Some(x), Some(y)) => Some(x & y),
            (Some(x), None) | (None, Some(x)) => Some(x),
            (None, None) => None,
        },
        Expr::Or(a, b) => Some(level_mask(a)? | level_mask(b)?),
        Expr::Not(inner) => match &**inner {
            Expr::Compare(Key::Level, _, _) => level_mask(inner).map(|m| !m),
            _ => None,
        },
        _ => None,
    }
}

fn cmp_ord(op: Op, o: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match op {
        Op::Eq | Op::EqOrAbsent => o == Equal,
        Op::Ne => o != Equal,
        Op::Gt => o == Greater,
        Op::Ge => o != Less,
        Op::Lt => o == Less,
        Op::Le => o != Greater,
        Op::Contains | Op::Regex => false,
    }
}

/// Whether `ev` satisfies `e`.
pub(super) fn eval(e: &Expr, ev: &Event) -> bool {
    match e {
        Expr::And(a, b) => eval(a, ev) && eval(b, ev),
        Expr::Or(a, b) => eval(a, ev) || eval(b, ev),
        Expr::Not(a) => !eval(a, ev),
        Expr::Exists(Key::Field(name)) => ev.field(name).is_some(),
        Expr::Exists(Key::Span) => !span_names(ev).is_empty(),
        Expr::Exists(Key::SpanField(name)) => span_fields(ev, name).next().is_some(),
        Expr::Exists(_) => true,
        Expr::Compare(key, op, lit) => match key {
            // Levels compare by number, so `level>=ERROR` also selects CRITICAL and LEVEL6 to LEVEL255
            // (higher is more severe, SPEC.md 8.2).
            Key::Level => match lit.level {
                Some(l) => cmp_ord(*op, ev.callsite.level.cmp(&l.as_u8())),
                None => text_op(*op, &ev.level_name(), lit),
            },
            Key::Target => {
                let t = ev.target();
                match (op, lit.text.strip_suffix("::*")) {
                    (Op::Eq | Op::EqOrAbsent, Some(prefix)) => under(t, prefix),
                    (Op::Ne, Some(prefix)) => !under(t, prefix),
                    _ => text_op(*op, t, lit),
                }
            }
            Key::Thread => text_op(*op, &ev.thread, lit),
            Key::Msg => text_op(*op, &ev.message(), lit),
            Key::Field(name) => match ev.field(name) {
                None => matches!(op, Op::EqOrAbsent | Op::Ne),
                Some(v) => value_op(*op, v, lit),
            },
            // Over a span chain: `!=` holds when no span matches, every other operator when
            // one does.
            Key::Span => match op {
                Op::Ne => !span_names(ev).iter().any(|n| text_op(Op::Eq, n, lit)),
                _ => span_names(ev).iter().any(|n| text_op(*op, n, lit)),
            },
            Key::SpanField(name) => match op {
                Op::Ne => !span_fields(ev, name).any(|v| value_op(Op::Eq, v, lit)),
                Op::EqOrAbsent if span_fields(ev, name).next().is_none() => true,
                _ => span_fields(ev, name).any(|v| value_op(*op, v, lit)),
            },
        },
    }
}

/// The target of span records written by the `tracing` bridge.
const SPAN_TARGET: &str = "ttlog.span";

fn map_entries(v: &Value) -> &[(Value, Value)] {
    match v {
        Value::Map(entries) => entries,
        _ => &[],
    }
}

/// The maps of the event's span chain ([`Event::span_chain`]), outermost first.
fn chain(ev: &Event) -> impl Iterator<Item = &[(Value, Value)]> {
    let items: &[Value] = match ev.span_chain() {
        Some(Value::Array(items)) => items,
        _ => &[],
    };
    items.iter().map(map_entries)
}

fn entry<'a>(map: &'a [(Value, Value)], key: &str) -> Option<&'a Value> {
    map.iter()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(_, v)| v)
}

/// The names of the spans an event is in, or a span record's own name (its message).
fn span_names(ev: &Event) -> Vec<std::borrow::Cow<'_, str>> {
    if ev.target() == SPAN_TARGET {
        return vec![ev.message().into()];
    }
    chain(ev)
        .filter_map(|m| entry(m, "name").and_then(Value::as_str))
        .map(Into::into)
        .collect()
}

/// The values of field `name` in the spans an event is in, or in a span record's fields.
fn span_fields<'a>(ev: &'a Event, name: &'a str) -> Box<dyn Iterator<Item = &'a Value> + 'a> {
    if ev.target() == SPAN_TARGET {
        let own = ev.field("fields").map(map_entries).unwrap_or(&[]);
        return Box::new(
            own.iter()
                .filter(move |(k, _)| k.as_str() == Some(name))
                .map(|(_, v)| v),
        );
    }
    Box::new(chain(ev).flat_map(move |m| {
        m.iter()
            .filter(move |(k, _)| k.as_str() == Some(name))
            .map(|(_, v)| v)
    }))
}

fn under(target: &str, prefix: &str) -> bool {
    target == prefix || (target.starts_with(prefix) && target[prefix.len()..].starts_with("::"))
}

fn text_op(op: Op, s: &str, lit: &Literal) -> bool {
    match op {
        Op::Contains => s.contains(lit.text.as_str()),
        Op::Regex => lit.regex.as_ref().is_some_and(|r| r.is_match(s)),
        _ => cmp_ord(op, s.cmp(lit.text.as_str())),
    }
}

fn value_op(op: Op, v: &Value, lit: &Literal) -> bool {
    match (op, v) {
        (Op::Contains | Op::Regex, Value::Text(t)) => text_op(op, t, lit),
        (Op::Contains | Op::Regex, other) => text_op(op, &other.to_string(), lit),
        (_, Value::Int(_) | Value::Float(_)) => match (lit.number, v.as_f64()) {
            (Some(n), Some(x)) => x.partial_cmp(&n).is_some_and(|o| cmp_ord(op, o)),
            // A number field never equals a non-number.
            _ => op == Op::Ne,
        },
        (_, Value::Bool(b)) => match lit.text.as_str() {
            "true" | "false" => cmp_ord(op, b.cmp(&(lit.text == "true"))),
            _ => op == Op::Ne,
        },
        (_, Value::Null) => cmp_ord(op, "null".cmp(lit.text.as_str())),
        (_, Value::Text(t)) => text_op(op, t, lit),
        (_, other) => text_op(op, &other.to_string(), lit),
    }
}
