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
                i += 1;
                let mut owned: Option<String> = None;
                let body = i;
                loop {
                    match char_at(i) {
                        None => return Err(err(start, "unterminated quoted value")),
                        Some('\\') if char_at(i + 1).is_some() => {
                            let s = owned.get_or_insert_with(|| slice(body, i).into_owned());
                            s.extend(char_at(i + 1));
                            i += 2;
                        }
                        Some(q) if q == c => {
                            i += 1;
                            break;
                        }
                        Some(ch) => {
                            if let Some(s) = owned.as_mut() {
                                s.push(ch);
                            }
                            i += 1;
                        }
                    }
                }
                owned.map_or_else(|| slice(body, i - 1), Cow::Owned)
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
            i += 1;
            let body = i;
            let mut owned: Option<String> = None;
            loop {
                match char_at(i) {
                    None => return Err(err(start, "unterminated `quoted` name")),
                    Some('`') if char_at(i + 1) == Some('`') => {
                        let s = owned.get_or_insert_with(|| slice(body, i).into_owned());
                        s.push('`');
                        i += 2;
                    }
                    Some('`') => {
                        i += 1;
                        break;
                    }
                    Some(ch) => {
                        if let Some(s) = owned.as_mut() {
                            s.push(ch);
                        }
                        i += 1;
                    }
                }
            }
            if i - body < 2 {
                return Err(err(start, "empty `quoted` name"));
            }
            out.push(Token {
                kind: Tok::Name,
                text: owned.map_or_else(|| slice(body, i - 1), Cow::Owned),
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
