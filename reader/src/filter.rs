//! Filter expressions over events, and block-level pruning from them.
//!
//! Grammar (keywords in any case; `&&`, `||`, `!` also accepted):
//!
//! ```text
//! expr    = or
//! or      = and ("or" and)*
//! and     = unary ("and" unary)*
//! unary   = "not" unary | "(" expr ")" | "exists(" name ")" | compare
//! compare = name op value
//! op      = "=" | "!=" | ">" | ">=" | "<" | "<=" | "~=" | "~~=" | "?="
//! value   = bare word | "double-quoted" | 'single-quoted'
//! ```
//!
//! Names: `level`, `target`, `thread` and `msg` (the rendered message) are the event's own;
//! any other name is a field. `~=` is "contains", `~~=` a regular expression (the `regex`
//! crate's syntax), `?=` is `=` that also holds when the field is absent. Values compare by
//! type: a number against a number field compares as numbers, levels by severity
//! (`level>=WARN`), text as text. `target=motor::*` matches `motor` and every target under
//! it. `!=` holds when the field is absent.

use std::fmt;

use regex::Regex;
use ttlog_format::{level_bit, Frame, Level};

use crate::{Event, Value};

/// A filter expression that did not parse, with the character position of the problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterError {
    /// The expression.
    pub expr: String,
    /// Character offset (from 0) of the problem.
    pub pos: usize,
    /// What is wrong.
    pub message: String,
}

impl FilterError {
    /// The expression with a caret under the problem, on two lines.
    pub fn pointer(&self) -> String {
        format!("  {}\n  {}^", self.expr, " ".repeat(self.pos))
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bad filter `{}` at character {}: {}",
            self.expr,
            self.pos + 1,
            self.message
        )
    }
}

impl std::error::Error for FilterError {}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
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
enum Key {
    Level,
    Target,
    Thread,
    Msg,
    Field(String),
}

#[derive(Clone, Debug)]
struct Literal {
    text: String,
    number: Option<f64>,
    level: Option<Level>,
    regex: Option<Regex>,
}

#[derive(Clone, Debug)]
enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Exists(Key),
    Compare(Key, Op, Literal),
}

/// A parsed filter expression.
#[derive(Clone, Debug)]
pub struct Filter {
    expr: Expr,
    source: String,
}

impl Filter {
    /// Parses `expr`.
    pub fn parse(expr: &str) -> Result<Filter, FilterError> {
        let tokens = tokenize(expr)?;
        let mut p = Parser {
            src: expr,
            tokens,
            at: 0,
        };
        let e = p.or()?;
        if let Some(t) = p.tokens.get(p.at) {
            return Err(p.error(t.pos, format!("unexpected `{}`", t.text)));
        }
        Ok(Filter {
            expr: e,
            source: expr.to_string(),
        })
    }

    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether `event` satisfies the filter.
    pub fn matches(&self, event: &Event) -> bool {
        eval(&self.expr, event)
    }

    /// The levels an event must have to possibly match, as a block level mask: a block whose
    /// mask shares no bit with it holds no matching event.
    pub fn level_mask(&self) -> u8 {
        level_mask(&self.expr).unwrap_or(0xff)
    }
}

/// What a viewer selects: filters that must all hold, a time window, thread names.
#[derive(Clone, Debug, Default)]
pub struct Query {
    /// Filters; every one must hold.
    pub filters: Vec<Filter>,
    /// Earliest time, ns since the epoch.
    pub since: Option<u64>,
    /// Latest time, ns since the epoch.
    pub until: Option<u64>,
    /// Thread names; an event must come from one of them (when not empty).
    pub threads: Vec<String>,
}

impl Query {
    /// True when the query selects everything.
    pub fn is_empty(&self) -> bool {
        self.filters.is_empty()
            && self.since.is_none()
            && self.until.is_none()
            && self.threads.is_empty()
    }

    /// Whether `event` is selected.
    pub fn matches(&self, event: &Event) -> bool {
        self.since.is_none_or(|s| event.ts >= s)
            && self.until.is_none_or(|u| event.ts <= u)
            && (self.threads.is_empty() || self.threads.iter().any(|t| **t == *event.thread))
            && self.filters.iter().all(|f| f.matches(event))
    }

    /// The levels a selected event may have, as a level mask (loss reports count as WARN).
    pub fn level_mask(&self) -> u8 {
        self.filters.iter().fold(0xff, |m, f| m & f.level_mask())
    }

    /// Whether a data block with this frame may hold a selected event; false means it can be
    /// skipped without decompressing it.
    pub fn block_may_match(&self, frame: &Frame) -> bool {
        if frame.event_count == 0 && frame.record_count > 0 {
            // Only loss reports or definitions: keep, so losses are always shown.
            return true;
        }
        if frame.level_mask == 0 && frame.event_count > 0 {
            // Events but no level bit: written before levels 8 to 255 had bit 7; read it.
            return true;
        }
        let mask = self.level_mask();
        // Loss reports are WARN events: a block with DROPPED records has more records than
        // events and must be kept whenever WARN may match.
        let has_losses = frame.record_count > frame.event_count;
        let levels_ok =
            frame.level_mask & mask != 0 || (has_losses && mask & Level::Warn.mask_bit() != 0);
        levels_ok
            && self.since.is_none_or(|s| frame.max_ts >= s)
            && self.until.is_none_or(|u| frame.min_ts <= u)
    }
}

fn level_mask(e: &Expr) -> Option<u8> {
    match e {
        Expr::Compare(Key::Level, op, lit) => {
            let l = lit.level?.as_u8();
            // Bits 0 to 6 stand for one level each; bit 7 for every level from 7 up, so it
            // may match when either end of that range does.
            let mut mask = 0;
            for n in 0..=6u8 {
                if cmp_ord(*op, n.cmp(&l)) {
                    mask |= level_bit(n);
                }
            }
            if cmp_ord(*op, 7u8.cmp(&l)) || cmp_ord(*op, u8::MAX.cmp(&l)) {
                mask |= level_bit(7);
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

fn eval(e: &Expr, ev: &Event) -> bool {
    match e {
        Expr::And(a, b) => eval(a, ev) && eval(b, ev),
        Expr::Or(a, b) => eval(a, ev) || eval(b, ev),
        Expr::Not(a) => !eval(a, ev),
        Expr::Exists(Key::Field(name)) => ev.field(name).is_some(),
        Expr::Exists(_) => true,
        Expr::Compare(key, op, lit) => match key {
            // Levels compare by number, so `level>=ERROR` also selects LEVEL5 to LEVEL255
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
        },
    }
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

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Name,
    Value,
    Op(Op),
    LParen,
    RParen,
    And,
    Or,
    Not,
    Exists,
}

#[derive(Debug, Clone)]
struct Token {
    kind: Tok,
    text: String,
    pos: usize,
}

fn tokenize(src: &str) -> Result<Vec<Token>, FilterError> {
    let chars: Vec<char> = src.chars().collect();
    let err = |pos: usize, m: &str| FilterError {
        expr: src.to_string(),
        pos,
        message: m.to_string(),
    };
    let mut out: Vec<Token> = Vec::new();
    let mut i = 0;
    // After an operator comes a value, which may contain characters a name may not.
    let mut want_value = false;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if want_value {
            want_value = false;
            let text = if c == '"' || c == '\'' {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(err(start, "unterminated quoted value")),
                        Some('\\') if chars.get(i + 1).is_some() => {
                            s.push(chars[i + 1]);
                            i += 2;
                        }
                        Some(&q) if q == c => {
                            i += 1;
                            break;
                        }
                        Some(&ch) => {
                            s.push(ch);
                            i += 1;
                        }
                    }
                }
                s
            } else {
                while i < chars.len() && !chars[i].is_whitespace() && chars[i] != ')' {
                    i += 1;
                }
                chars[start..i].iter().collect()
            };
            if text.is_empty() && c != '"' && c != '\'' {
                return Err(err(start, "expected a value"));
            }
            out.push(Token {
                kind: Tok::Value,
                text,
                pos: start,
            });
            continue;
        }
        let three: String = chars[i..(i + 3).min(chars.len())].iter().collect();
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        let op = if three == "~~=" {
            Some((Op::Regex, 3))
        } else {
            match two.as_str() {
                "!=" => Some((Op::Ne, 2)),
                ">=" => Some((Op::Ge, 2)),
                "<=" => Some((Op::Le, 2)),
                "~=" => Some((Op::Contains, 2)),
                "?=" => Some((Op::EqOrAbsent, 2)),
                _ => match c {
                    '=' => Some((Op::Eq, 1)),
                    '>' => Some((Op::Gt, 1)),
                    '<' => Some((Op::Lt, 1)),
                    _ => None,
                },
            }
        };
        if let Some((op, n)) = op {
            out.push(Token {
                kind: Tok::Op(op),
                text: chars[i..i + n].iter().collect(),
                pos: start,
            });
            i += n;
            want_value = true;
            continue;
        }
        match c {
            '(' | ')' => {
                out.push(Token {
                    kind: if c == '(' { Tok::LParen } else { Tok::RParen },
                    text: c.to_string(),
                    pos: start,
                });
                i += 1;
            }
            '&' | '|' if chars.get(i + 1) == Some(&c) => {
                out.push(Token {
                    kind: if c == '&' { Tok::And } else { Tok::Or },
                    text: two,
                    pos: start,
                });
                i += 2;
            }
            '!' => {
                out.push(Token {
                    kind: Tok::Not,
                    text: "!".into(),
                    pos: start,
                });
                i += 1;
            }
            c if c.is_alphanumeric() || c == '_' || c == '@' => {
                while i < chars.len()
                    && (chars[i].is_alphanumeric()
                        || matches!(chars[i], '_' | '.' | ':' | '-' | '@'))
                {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                let kind = match text.to_ascii_lowercase().as_str() {
                    "and" => Tok::And,
                    "or" => Tok::Or,
                    "not" => Tok::Not,
                    "exists" if chars.get(i) == Some(&'(') => Tok::Exists,
                    _ => Tok::Name,
                };
                out.push(Token {
                    kind,
                    text,
                    pos: start,
                });
            }
            _ => return Err(err(start, &format!("unexpected character `{c}`"))),
        }
    }
    if want_value {
        return Err(err(chars.len(), "expected a value after the operator"));
    }
    Ok(out)
}

struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    at: usize,
}

impl Parser<'_> {
    fn error(&self, pos: usize, message: impl Into<String>) -> FilterError {
        FilterError {
            expr: self.src.to_string(),
            pos,
            message: message.into(),
        }
    }

    fn end_pos(&self) -> usize {
        self.src.chars().count()
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn or(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.and()?;
        while self.peek().is_some_and(|t| t.kind == Tok::Or) {
            self.at += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.unary()?;
        while self.peek().is_some_and(|t| t.kind == Tok::And) {
            self.at += 1;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, FilterError> {
        let Some(tok) = self.peek().cloned() else {
            return Err(self.error(self.end_pos(), "expected a condition"));
        };
        self.at += 1;
        match tok.kind {
            Tok::Not => Ok(Expr::Not(Box::new(self.unary()?))),
            Tok::LParen => {
                let e = self.or()?;
                match self.peek() {
                    Some(t) if t.kind == Tok::RParen => {
                        self.at += 1;
                        Ok(e)
                    }
                    Some(t) => Err(self.error(t.pos, format!("expected `)`, found `{}`", t.text))),
                    None => Err(self.error(tok.pos, "`(` is never closed")),
                }
            }
            Tok::Exists => {
                let open = self.peek().cloned();
                let name = self.tokens.get(self.at + 1).cloned();
                let close = self.tokens.get(self.at + 2).cloned();
                match (open, name, close) {
                    (Some(o), Some(n), Some(c))
                        if o.kind == Tok::LParen
                            && n.kind == Tok::Name
                            && c.kind == Tok::RParen =>
                    {
                        self.at += 3;
                        Ok(Expr::Exists(key(&n.text)))
                    }
                    _ => Err(self.error(tok.pos, "expected exists(field)")),
                }
            }
            Tok::Name => {
                let Some(op_tok) = self.peek().cloned() else {
                    return Err(self.error(
                        self.end_pos(),
                        format!(
                            "expected an operator after `{}` (=, !=, >, >=, <, <=, ~=, ~~=, ?=)",
                            tok.text
                        ),
                    ));
                };
                let Tok::Op(op) = op_tok.kind else {
                    return Err(self.error(
                        op_tok.pos,
                        format!(
                            "expected an operator after `{}`, found `{}`",
                            tok.text, op_tok.text
                        ),
                    ));
                };
                self.at += 1;
                let value = self
                    .peek()
                    .filter(|t| t.kind == Tok::Value)
                    .cloned()
                    .ok_or_else(|| self.error(self.end_pos(), "expected a value"))?;
                self.at += 1;
                let k = key(&tok.text);
                let lit = self.literal(&k, op, &value)?;
                Ok(Expr::Compare(k, op, lit))
            }
            _ => Err(self.error(
                tok.pos,
                format!("expected a condition, found `{}`", tok.text),
            )),
        }
    }

    fn literal(&self, k: &Key, op: Op, v: &Token) -> Result<Literal, FilterError> {
        let regex = if op == Op::Regex {
            Some(Regex::new(&v.text).map_err(|e| {
                self.error(
                    v.pos,
                    format!(
                        "bad regular expression: {}",
                        e.to_string().lines().last().unwrap_or("")
                    ),
                )
            })?)
        } else {
            None
        };
        let level = if matches!(k, Key::Level) && !matches!(op, Op::Contains | Op::Regex) {
            Some(
                v.text
                    .parse::<Level>()
                    .map_err(|e| self.error(v.pos, e.to_string()))?,
            )
        } else {
            None
        };
        if matches!(k, Key::Target | Key::Thread | Key::Msg)
            && matches!(op, Op::Gt | Op::Ge | Op::Lt | Op::Le)
        {
            return Err(self.error(
                v.pos - 1,
                "order comparisons apply to level and fields only",
            ));
        }
        Ok(Literal {
            number: v.text.parse::<f64>().ok().filter(|n| !n.is_nan()),
            text: v.text.clone(),
            level,
            regex,
        })
    }
}

fn key(name: &str) -> Key {
    match name {
        "level" => Key::Level,
        "target" => Key::Target,
        "thread" => Key::Thread,
        "msg" | "message" => Key::Msg,
        other => Key::Field(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Callsite, EventKind};
    use std::sync::Arc;

    fn event(level: Level, target: &str, fields: &[(&str, Value)]) -> Event {
        Event {
            ts: 100,
            kind: EventKind::Log,
            callsite: Arc::new(Callsite {
                level: level.as_u8(),
                target: target.into(),
                file: "".into(),
                line: 0,
                template: "motor {joint} stalled".into(),
                n_args: 0,
                field_names: fields.iter().map(|(n, _)| Arc::from(*n)).collect(),
            }),
            thread: "main".into(),
            values: fields.iter().map(|(_, v)| v.clone()).collect(),
        }
    }

    fn m(expr: &str, e: &Event) -> bool {
        Filter::parse(expr)
            .unwrap_or_else(|e| panic!("{e}"))
            .matches(e)
    }

    #[test]
    fn comparisons() {
        let e = event(
            Level::Warn,
            "motor::pid",
            &[
                ("joint", Value::Int(2)),
                ("torque", Value::Float(1.5)),
                ("mode", Value::Text("hold position".into())),
                ("ok", Value::Bool(false)),
            ],
        );
        for yes in [
            "level=WARN",
            "level=warn",
            "level>=INFO",
            "level<ERROR",
            "target=motor::*",
            "target=motor::pid",
            "target~=pid",
            "target~~=^motor::p.d$",
            "joint=2",
            "joint=2.0",
            "joint>1",
            "torque<=1.5",
            "torque!=2",
            "mode='hold position'",
            "mode~=hold",
            "mode~~=\"^ho.d\"",
            "msg~=stalled",
            "msg=\"motor 2 stalled\"",
            "missing?=3",
            "joint?=2",
            "missing!=3",
            "exists(joint)",
            "not exists(missing)",
            "ok=false",
            "thread=main",
            "level=ERROR or joint=2",
            "(level=ERROR or joint=2) and not torque>5",
            "!(joint=3) && torque>1",
        ] {
            assert!(m(yes, &e), "{yes}");
        }
        for no in [
            "level=ERROR",
            "level>WARN",
            "target=motor",
            "target=motorbike::*",
            "joint=3",
            "joint>2",
            "joint=two",
            "mode=hold",
            "missing=3",
            "missing>0",
            "exists(missing)",
            "level=ERROR and joint=2",
            "joint?=3",
        ] {
            assert!(!m(no, &e), "{no}");
        }
    }

    #[test]
    fn errors_point_at_the_problem() {
        let cases = [
            ("level>=LOUD", 7, "unknown level"),
            ("joint", 5, "expected an operator"),
            ("joint 2", 6, "expected an operator"),
            ("joint=", 6, "expected a value"),
            ("(joint=2", 0, "never closed"),
            ("joint=2)", 7, "unexpected `)`"),
            ("x~~=(", 4, "bad regular expression"),
            ("joint=2 and", 11, "expected a condition"),
            ("a=\"open", 2, "unterminated"),
            ("target>x", 6, "order comparisons"),
            ("$x=1", 0, "unexpected character"),
        ];
        for (expr, pos, needle) in cases {
            let e = Filter::parse(expr).unwrap_err();
            assert_eq!(e.pos, pos, "{expr}: {e}");
            assert!(e.message.contains(needle), "{expr}: {e}");
            assert!(e.pointer().ends_with('^'));
        }
    }

    #[test]
    fn level_masks_for_block_skipping() {
        let mask = |s: &str| Filter::parse(s).unwrap().level_mask();
        assert_eq!(mask("level=ERROR"), Level::Error.mask_bit());
        // Levels above ERROR (5 to 255, bits 5 to 7) are more severe still.
        assert_eq!(mask("level>=WARN"), 0b1111_1000);
        assert_eq!(mask("level>ERROR"), 0b1110_0000);
        assert_eq!(mask("level<=INFO"), 0b0000_0111);
        assert_eq!(mask("level!=INFO"), !0b100);
        assert_eq!(mask("level=ERROR and joint=2"), Level::Error.mask_bit());
        assert_eq!(mask("level=ERROR or joint=2"), 0xff);
        assert_eq!(mask("not level<=INFO"), 0b1111_1000);
        assert_eq!(mask("joint=2"), 0xff);
    }
}
