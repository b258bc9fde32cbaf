//! The expression tree a filter parses into.

use regex::Regex;
use ttlog_format::Level;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Contains,
    Regex,
    EqOrAbsent,
}

#[derive(Clone, Debug)]
pub(super) enum Key {
    Level,
    Target,
    Thread,
    Msg,
    /// `span`: the name of a span the event is in (its `spans` chain, from the `tracing`
    /// bridge), or a span record's own name.
    Span,
    /// `span.NAME`: a field of a span the event is in, or of a span record.
    SpanField(String),
    Field(String),
}

#[derive(Clone, Debug)]
pub(super) struct Literal {
    pub text: String,
    pub number: Option<f64>,
    pub level: Option<Level>,
    pub regex: Option<Regex>,
}

#[derive(Clone, Debug)]
pub(super) enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Exists(Key),
    Compare(Key, Op, Literal),
}

/// The key a name stands for: the event's own or a field.
pub(super) fn key(name: &str) -> Key {
    match name {
        "level" => Key::Level,
        "target" => Key::Target,
        "thread" => Key::Thread,
        "msg" | "message" => Key::Msg,
        "span" => Key::Span,
        other => match other.strip_prefix("span.") {
            Some(field) if !field.is_empty() => Key::SpanField(field.to_string()),
            _ => Key::Field(other.to_string()),
        },
    }
}
