//! The recursive-descent parser of the grammar in the module docs.

use regex::Regex;
use ttlog_format::Level;

use super::ast::{key, Expr, Key, Literal, Op};
use super::lex::{tokenize, Tok, Token};
use super::FilterError;

/// Parses a whole expression.
pub(super) fn parse(src: &str) -> Result<Expr, FilterError> {
    let mut p = Parser {
        src,
        tokens: tokenize(src)?,
        at: 0,
    };
    let e = p.or()?;
    if let Some(t) = p.tokens.get(p.at) {
        return Err(p.error(t.pos, format!("unexpected `{}`", t.text)));
    }
    Ok(e)
}

struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token<'a>>,
    at: usize,
}

impl<'a> Parser<'a> {
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

    fn peek(&self) -> Option<&Token<'a>> {
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

    fn literal(&self, k: &Key, op: Op, v: &Token<'_>) -> Result<Literal, FilterError> {
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
        if matches!(k, Key::Target | Key::Thread | Key::Msg | Key::Span)
            && matches!(op, Op::Gt | Op::Ge | Op::Lt | Op::Le)
        {
            return Err(self.error(
                v.pos - 1,
                "order comparisons apply to level and fields only",
            ));
        }
        Ok(Literal {
            number: v.text.parse::<f64>().ok().filter(|n| !n.is_nan()),
            text: v.text.to_string(),
            level,
            regex,
        })
    }
}
