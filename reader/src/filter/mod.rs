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
//!
//! The expression is lexed (`lex`), parsed (`parse`) into an expression tree (`ast`), and
//! evaluated per event or turned into a block level mask (`eval`).

mod ast;
mod eval;
mod lex;
mod parse;
#[cfg(test)]
mod tests;

use std::fmt;

use ast::Expr;
use ttlog_format::LevelMask;

use crate::Event;

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

/// A parsed filter expression.
#[derive(Clone, Debug)]
pub struct Filter {
    expr: Expr,
    source: String,
}

impl Filter {
    /// Parses `expr`.
    pub fn parse(expr: &str) -> Result<Filter, FilterError> {
        Ok(Filter {
            expr: parse::parse(expr)?,
            source: expr.to_string(),
        })
    }

    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether `event` satisfies the filter.
    pub fn matches(&self, event: &Event) -> bool {
        eval::eval(&self.expr, event)
    }

    /// The levels an event must have to possibly match, as a block level mask: a block whose
    /// mask shares no bit with it holds no matching event.
    pub fn level_mask(&self) -> LevelMask {
        eval::level_mask(&self.expr).unwrap_or(LevelMask::ALL)
    }
}
