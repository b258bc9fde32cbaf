//! Rendering a message template with its values (SPEC.md section 8.1).
//!
//! Rendering is total and bounded: any template and any values give a message, never a
//! panic, and never more than [`MAX_MESSAGE_LEN`] bytes (plus [`TRUNCATION_MARK`]), however
//! large the widths, precisions or repetitions the template asks for.

use std::fmt::Write;

use crate::Value;

/// The largest width or precision honoured in a format spec; larger ones are clamped to it.
/// Rust's own `format!` panics above 65,535, and a width is padding that no log needs more
/// of; the clamp keeps a hostile `{:99999999999}` from asking for gigabytes.
pub const MAX_WIDTH: usize = 4096;

/// The most bytes a rendered message may take. A longer one is cut at a character boundary
/// and ends with [`TRUNCATION_MARK`]: a template that repeats a large value (`{0}{0}{0}…`)
/// cannot make one event's message grow past this.
pub const MAX_MESSAGE_LEN: usize = 1 << 20;

/// What a message cut at [`MAX_MESSAGE_LEN`] ends with.
pub const TRUNCATION_MARK: &str = "…[message truncated]";

/// Renders `template` into `out`, taking `{}`/`{N}` from `args` and `{name}` from `field`.
/// A placeholder with no value, or one that does not parse, is copied unchanged. What is
/// appended is at most [`MAX_MESSAGE_LEN`] bytes plus [`TRUNCATION_MARK`].
pub fn render<'v>(
    template: &str,
    args: &'v [Value],
    field: impl Fn(&str) -> Option<&'v Value>,
    out: &mut String,
) {
    let start = out.len();
    render_unbounded(template, args, field, out, start);
    if out.len() - start > MAX_MESSAGE_LEN {
        let mut cut = start + MAX_MESSAGE_LEN;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push_str(TRUNCATION_MARK);
    }
}

/// Renders, stopping early once the output is past the limit (the caller cuts it).
fn render_unbounded<'v>(
    template: &str,
    args: &'v [Value],
    field: impl Fn(&str) -> Option<&'v Value>,
    out: &mut String,
    start: usize,
) {
    let full = |out: &String| out.len() - start > MAX_MESSAGE_LEN;
    let bytes = template.as_bytes();
    let mut next_arg = 0;
    let mut i = 0;
    let mut plain = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' if bytes.get(i + 1) == Some(&b'{') => {
                out.push_str(&template[plain..i + 1]);
                i += 2;
                plain = i;
            }
            b'}' if bytes.get(i + 1) == Some(&b'}') => {
                out.push_str(&template[plain..i + 1]);
                i += 2;
                plain = i;
            }
            b'{' => {
                let Some(close) = template[i..].find('}') else {
                    break;
                };
                let inner = &template[i + 1..i + close];
                let (name, spec) = inner.split_once(':').unwrap_or((inner, ""));
                // Spaces around a name or an index are ignored (SPEC.md 8.1).
                let name = name.trim_matches(' ');
                let value = if name.is_empty() {
                    next_arg += 1;
                    args.get(next_arg - 1)
                } else if let Ok(n) = name.parse::<usize>() {
                    args.get(n)
                } else {
                    field(name)
                };
                out.push_str(&template[plain..i]);
                match (value, Spec::parse(spec)) {
                    (Some(v), Some(spec)) => spec.write(v, out),
                    _ => out.push_str(&template[i..i + close + 1]),
                }
                i += close + 1;
                plain = i;
                if full(out) {
                    return;
                }
            }
            _ => i += 1,
        }
    }
    out.push_str(&template[plain..]);
}

#[derive(Debug, Default, PartialEq)]
struct Spec {
    fill: char,
    align: Option<char>,
    plus: bool,
    alternate: bool,
    zero: bool,
    width: usize,
    precision: Option<usize>,
    kind: Option<char>,
}

impl Spec {
    fn parse(s: &str) -> Option<Spec> {
        let mut spec = Spec {
            fill: ' ',
            ..Spec::default()
        };
        let chars: Vec<char> = s.chars().collect();
        let mut i = 0;
        if chars.len() >= 2 && matches!(chars[1], '<' | '^' | '>') {
            spec.fill = chars[0];
            spec.align = Some(chars[1]);
            i = 2;
        } else if chars.first().is_some_and(|c| matches!(c, '<' | '^' | '>')) {
            spec.align = Some(chars[0]);
            i = 1;
        }
        if chars.get(i) == Some(&'+') {
            spec.plus = true;
            i += 1;
        }
        if chars.get(i) == Some(&'#') {
            spec.alternate = true;
            i += 1;
        }
        if chars.get(i) == Some(&'0') {
            spec.zero = true;
            i += 1;
        }
        // A run of digits, clamped to MAX_WIDTH (however many digits: no overflow).
        let digits = |i: &mut usize| {
            let start = *i;
            let mut n = 0usize;
            while let Some(d) = chars.get(*i).and_then(|c| c.to_digit(10)) {
                n = (n * 10 + d as usize).min(MAX_WIDTH);
                *i += 1;
            }
            (*i > start).then_some(n)
        };
        spec.width = digits(&mut i).unwrap_or(0);
        if chars.get(i) == Some(&'.') {
            i += 1;
            spec.precision = Some(digits(&mut i)?);
        }
        match chars.get(i) {
            None => {}
            Some(&c) if matches!(c, '?' | 'x' | 'X' | 'o' | 'b' | 'e' | 'E') => {
                spec.kind = Some(c);
                i += 1;
            }
            Some(_) => return None,
        }
        (i == chars.len()).then_some(spec)
    }

    fn write(&self, v: &Value, out: &mut String) {
        let mut body = String::new();
        let numeric = matches!(v, Value::Int(_) | Value::Float(_));
        match (self.kind, v) {
            (Some('x'), Value::Int(n)) => radix(&mut body, *n, 16, self.alternate, "0x"),
            (Some('X'), Value::Int(n)) => {
                radix(&mut body, *n, 16, self.alternate, "0x");
                body = body.to_uppercase().replacen("0X", "0x", 1);
            }
            (Some('o'), Value::Int(n)) => radix(&mut body, *n, 8, self.alternate, "0o"),
            (Some('b'), Value::Int(n)) => radix(&mut body, *n, 2, self.alternate, "0b"),
            (Some(e @ ('e' | 'E')), v) if numeric => {
                let f = v.as_f64().unwrap_or(0.0);
                let _ = match (self.precision, e) {
                    (Some(p), 'e') => write!(body, "{f:.p$e}"),
                    (Some(p), _) => write!(body, "{f:.p$E}"),
                    (None, 'e') => write!(body, "{f:e}"),
                    (None, _) => write!(body, "{f:E}"),
                };
            }
            (Some('?'), Value::Text(t)) => {
                let _ = write!(body, "{:?}", &**t);
            }
            (_, Value::Float(f)) if self.precision.is_some() && f.is_finite() => {
                let p = self.precision.unwrap_or(0);
                let _ = write!(body, "{f:.p$}");
            }
            (_, Value::Text(t)) if self.precision.is_some() => {
                body.extend(t.chars().take(self.precision.unwrap_or(0)));
            }
            (_, v) => {
                let _ = write!(body, "{v}");
            }
        }
        // As Rust: `+` before every number but NaN.
        if self.plus && numeric && !body.starts_with('-') && body != "NaN" {
            body.insert(0, '+');
        }
        let len = body.chars().count();
        if len >= self.width {
            out.push_str(&body);
            return;
        }
        let pad = self.width - len;
        if self.zero && numeric && self.align.is_none() {
            // Zeros go after the sign and after a `0x`/`0o`/`0b` prefix, as in Rust.
            let sign = usize::from(body.starts_with(['-', '+']));
            let prefix = if self.alternate && matches!(self.kind, Some('x' | 'X' | 'o' | 'b')) {
                2
            } else {
                0
            };
            body.insert_str(sign + prefix, &"0".repeat(pad));
            out.push_str(&body);
            return;
        }
        let align = self.align.unwrap_or(if numeric { '>' } else { '<' });
        let (before, after) = match align {
            '>' => (pad, 0),
            '^' => (pad / 2, pad - pad / 2),
            _ => (0, pad),
        };
        out.extend(std::iter::repeat_n(self.fill, before));
        out.push_str(&body);
        out.extend(std::iter::repeat_n(self.fill, after));
    }
}

fn radix(out: &mut String, n: i128, base: u32, alternate: bool, prefix: &str) {
    if n < 0 {
        out.push('-');
    }
    if alternate {
        out.push_str(prefix);
    }
    let mut digits = Vec::new();
    let mut m = n.unsigned_abs();
    loop {
        digits.push(std::char::from_digit((m % u128::from(base)) as u32, base).unwrap_or('?'));
        m /= u128::from(base);
        if m == 0 {
            break;
        }
    }
    out.extend(digits.iter().rev());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(t: &str, args: &[Value], fields: &[(&str, Value)]) -> String {
        let mut out = String::new();
        render(
            t,
            args,
            |n| fields.iter().find(|(k, _)| *k == n).map(|(_, v)| v),
            &mut out,
        );
        out
    }

    #[test]
    fn placeholders() {
        let args = [Value::Int(3), Value::Text("x".into())];
        let fields = [("joint", Value::Int(2)), ("pos", Value::Float(0.8125))];
        assert_eq!(r("a {} b {}", &args, &[]), "a 3 b x");
        assert_eq!(r("{1}{0}", &args, &[]), "x3");
        assert_eq!(r("j{joint} at {pos:.2}", &[], &fields), "j2 at 0.81");
        assert_eq!(r("{{literal}} {}", &args, &[]), "{literal} 3");
        assert_eq!(r("{missing} {} {} {}", &args, &[]), "{missing} 3 x {}");
        assert_eq!(r("{:>5}|{:<4}|", &args, &[]), "    3|x   |");
        assert_eq!(r("{:*^7}", &[Value::Text("ab".into())], &[]), "**ab***");
        assert_eq!(
            r("{:#x} {:08b}", &[Value::Int(255), Value::Int(5)], &[]),
            "0xff 00000101"
        );
        assert_eq!(r("{:?}", &[Value::Text("q\"".into())], &[]), "\"q\\\"\"");
        assert_eq!(
            r("{:+} {}", &[Value::Int(4), Value::Float(2.0)], &[]),
            "+4 2.0"
        );
        assert_eq!(r("{:.1e}", &[Value::Float(1234.5)], &[]), "1.2e3");
        assert_eq!(r("open {", &[], &[]), "open {");
        assert_eq!(r("{:bad}", &args, &[]), "{:bad}");
    }

    #[test]
    fn huge_widths_and_precisions_are_clamped_not_fatal() {
        let f = [Value::Float(1.5)];
        let t = [Value::Text("ab".into())];
        // Each of these panicked, aborted or exhausted memory before the clamp.
        assert_eq!(r("{:.70000}", &f, &[]).len(), 2 + MAX_WIDTH);
        assert_eq!(r("{:99999999999}", &t, &[]).len(), MAX_WIDTH);
        assert_eq!(r("{:18446744073709551615}", &t, &[]).len(), MAX_WIDTH);
        assert_eq!(
            r("{:999999999999999999999999999999}", &t, &[]).len(),
            MAX_WIDTH
        );
        assert_eq!(r("{:.99999999999e}", &f, &[]).len(), 4 + MAX_WIDTH);
        assert_eq!(
            r("{:099999999999}", &[Value::Int(-1)], &[]).len(),
            MAX_WIDTH
        );
        assert_eq!(
            r("{:#099999999999x}", &[Value::Int(255)], &[]).len(),
            MAX_WIDTH
        );
        assert_eq!(r("{:.99999999999}", &t, &[]), "ab");
    }

    #[test]
    fn signs_prefixes_and_spaces_as_rust_writes_them() {
        let args = [Value::Int(5), Value::Float(f64::NAN), Value::Int(-255)];
        assert_eq!(
            r("{0:#010b} {0:#06x} {0:#06X}", &args, &[]),
            "0b00000101 0x0005 0x0005"
        );
        assert_eq!(r("{1:+} {1:+08}", &args, &[]), "NaN 00000NaN");
        assert_eq!(r("{2:#x} {2:08x}", &args, &[]), "-0xff -00000ff");
        assert_eq!(
            r("{ 0 } {0 } { a }", &args, &[("a", Value::Int(1))]),
            "5 5 1"
        );
    }

    #[test]
    fn a_message_never_grows_past_its_bound() {
        let big = [Value::Text("x".repeat(300_000).into())];
        let out = r(&"{0}".repeat(1000), &big, &[]);
        assert_eq!(out.len(), MAX_MESSAGE_LEN + TRUNCATION_MARK.len());
        assert!(out.ends_with(TRUNCATION_MARK));
        let padded = r(&"{:4096}".repeat(10_000), &[Value::Int(1)], &[]);
        assert!(padded.len() <= MAX_MESSAGE_LEN + TRUNCATION_MARK.len());
        // Cut at a character boundary.
        let wide = [Value::Text("é".repeat(600_000).into())];
        let out = r("{0}", &wide, &[]);
        assert!(out.ends_with(TRUNCATION_MARK));
        assert!(out.len() <= MAX_MESSAGE_LEN + TRUNCATION_MARK.len());
    }
}
