//! Splitting an expression into tokens. A token borrows its text from the expression; only
//! a quoted value with a backslash escape is copied.

use std::borrow::Cow;

use super::ast::Op;
use super::FilterError;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
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
pub(super) struct Token<'a> {
    pub kind: Tok,
    /// The token's text (a quoted value without its quotes and escapes).
    pub text: Cow<'a, str>,
    /// Character offset (from 0) in the expression, for error messages.
    pub pos: usize,
}

/// The tokens of `src`.
pub(super) fn tokenize(src: &str) -> Result<Vec<Token<'_>>, FilterError> {
    // (byte offset, char): slices by byte, positions reported in characters.
    let chars: Vec<(usize, char)> = src.char_indices().collect();
    let byte_at = |i: usize| chars.get(i).map_or(src.len(), |&(b, _)| b);
    let char_at = |i: usize| chars.get(i).map(|&(_, c)| c);
    let slice = |from: usize, to: usize| Cow::Borrowed(&src[byte_at(from)..byte_at(to)]);
    let err = |pos: usize, m: &str| FilterError {
        expr: src.to_string(),
        pos,
        message: m.to_string(),
    };
    let mut out: Vec<Token<'_>> = Vec::new();
    let mut i = 0;
    // After an operator comes a value, which may contain characters a name may not.
    let mut want_value = false;
    while let Some(c) = char_at(i) {
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if want_value {
            want_value = false;
            let text = if c == '"' || c == '\'' {
                // A backslash stands for the character after it.
                let escape = |ch: char, next: Option<char>| next.filter(|_| ch == '\\');
                let (text, end) = quoted(src, &chars, i, c, escape)
                    .ok_or_else(|| err(start, "unterminated quoted value"))?;
                i = end;
                text
            } else {
                while char_at(i).is_some_and(|ch| !ch.is_whitespace() && ch != ')') {
                    i += 1;
                }
                if i == start {
                    return Err(err(start, "expected a value"));
                }
                slice(start, i)
            };
            out.push(Token {
                kind: Tok::Value,
                text,
                pos: start,
            });
            continue;
        }
        let next = char_at(i + 1);
        let op = match (c, next, char_at(i + 2)) {
            ('~', Some('~'), Some('=')) => Some((Op::Regex, 3)),
            ('!', Some('='), _) => Some((Op::Ne, 2)),
            ('>', Some('='), _) => Some((Op::Ge, 2)),
            ('<', Some('='), _) => Some((Op::Le, 2)),
            ('~', Some('='), _) => Some((Op::Contains, 2)),
            ('?', Some('='), _) => Some((Op::EqOrAbsent, 2)),
            ('=', _, _) => Some((Op::Eq, 1)),
            ('>', _, _) => Some((Op::Gt, 1)),
            ('<', _, _) => Some((Op::Lt, 1)),
            _ => None,
        };
        if let Some((op, n)) = op {
            out.push(Token {
                kind: Tok::Op(op),
                text: slice(i, i + n),
                pos: start,
            });
            i += n;
            want_value = true;
            continue;
        }
        if c == '`' {
            // A quoted name: any characters but a backtick (`` ` `` inside is written ``` `` ```),
            // for the names programs give fields (`<__main__.Knee object at 0x7f>.temp`).
            let escape = |ch: char, next: Option<char>| next.filter(|&n| ch == '`' && n == '`');
            let (text, end) = quoted(src, &chars, i, '`', escape)
                .ok_or_else(|| err(start, "unterminated `quoted` name"))?;
            if text.is_empty() {
                return Err(err(start, "empty `quoted` name"));
            }
            i = end;
            out.push(Token {
                kind: Tok::Name,
                text,
                pos: start,
            });
            continue;
        }
        let (kind, n) = match c {
            '(' => (Tok::LParen, 1),
            ')' => (Tok::RParen, 1),
            '&' if next == Some('&') => (Tok::And, 2),
            '|' if next == Some('|') => (Tok::Or, 2),
            '!' => (Tok::Not, 1),
            c if c.is_alphanumeric() || c == '_' || c == '@' => {
                while char_at(i).is_some_and(|ch| {
                    ch.is_alphanumeric() || matches!(ch, '_' | '.' | ':' | '-' | '@')
                }) {
                    i += 1;
                }
                let text = slice(start, i);
                let kind = if text.eq_ignore_ascii_case("and") {
                    Tok::And
                } else if text.eq_ignore_ascii_case("or") {
                    Tok::Or
                } else if text.eq_ignore_ascii_case("not") {
                    Tok::Not
                } else if text.eq_ignore_ascii_case("exists") && char_at(i) == Some('(') {
                    Tok::Exists
                } else {
                    Tok::Name
                };
                out.push(Token {
                    kind,
                    text,
                    pos: start,
                });
                continue;
            }
            _ => return Err(err(start, &format!("unexpected character `{c}`"))),
        };
        out.push(Token {
            kind,
            text: slice(i, i + n),
            pos: start,
        });
        i += n;
    }
    if want_value {
        return Err(err(chars.len(), "expected a value after the operator"));
    }
    Ok(out)
}

/// The text between the quote at character `open` of `src` and the next `close`, and the
/// index after that closing quote; `None` when it is not closed. `escape(ch, next)` gives the
/// character a two-character escape stands for (the text is then copied, else borrowed).
fn quoted<'a>(
    src: &'a str,
    chars: &[(usize, char)],
    open: usize,
    close: char,
    escape: impl Fn(char, Option<char>) -> Option<char>,
) -> Option<(Cow<'a, str>, usize)> {
    let byte_at = |i: usize| chars.get(i).map_or(src.len(), |&(b, _)| b);
    let char_at = |i: usize| chars.get(i).map(|&(_, c)| c);
    let body = open + 1;
    let mut owned: Option<String> = None;
    let mut i = body;
    loop {
        let ch = char_at(i)?;
        if let Some(stands_for) = escape(ch, char_at(i + 1)) {
            owned
                .get_or_insert_with(|| src[byte_at(body)..byte_at(i)].to_string())
                .push(stands_for);
            i += 2;
        } else if ch == close {
            let text = owned.map_or(Cow::Borrowed(&src[byte_at(body)..byte_at(i)]), Cow::Owned);
            return Some((text, i + 1));
        } else {
            if let Some(s) = owned.as_mut() {
                s.push(ch);
            }
            i += 1;
        }
    }
}
