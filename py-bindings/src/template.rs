//! Python's %-style message templates, converted to ttlog's `{}` style.

/// Converts a %-style template (`"motor %s at %.2f"`) to ttlog's `{}` style, once per
/// callsite. Unknown conversions are kept as text.
pub fn percent_to_braces(t: &str) -> String {
    let mut out = String::with_capacity(t.len() + 4);
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' => out.push_str("{{"),
            '}' => out.push_str("}}"),
            '%' => {
                let mut spec = String::new();
                while let Some(&n) = chars.peek() {
                    if n.is_ascii_digit()
                        || n == '.'
                        || n == '-'
                        || n == '+'
                        || n == ' '
                        || n == '#'
                    {
                        spec.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                match chars.next() {
                    Some('%') if spec.is_empty() => out.push('%'),
                    Some('s' | 'd' | 'i' | 'u') => {
                        let width = spec.trim_start_matches(['-', '+', ' ', '#']);
                        if width.is_empty() {
                            out.push_str("{}");
                        } else if spec.starts_with('-') {
                            out.push_str(&format!("{{:<{width}}}"));
                        } else {
                            out.push_str(&format!("{{:>{width}}}"));
                        }
                    }
                    Some('r') => out.push_str("{:?}"),
                    Some(conv @ ('f' | 'F' | 'e' | 'E' | 'g' | 'G')) => {
                        let (width, prec) = spec.split_once('.').unwrap_or((spec.as_str(), ""));
                        let prec = if prec.is_empty() && matches!(conv, 'f' | 'F') {
                            "6"
                        } else {
                            prec
                        };
                        let kind = match conv {
                            'e' => "e",
                            'E' => "E",
                            _ => "",
                        };
                        let width = width.trim_start_matches(['-', '+', ' ', '#']);
                        if prec.is_empty() {
                            out.push_str(&format!("{{:{width}{kind}}}"));
                        } else {
                            out.push_str(&format!("{{:{width}.{prec}{kind}}}"));
                        }
                    }
                    Some(conv @ ('x' | 'X' | 'o')) => out.push_str(&format!("{{:{conv}}}")),
                    Some(other) => {
                        out.push('%');
                        out.push_str(&spec);
                        out.push(other);
                    }
                    None => {
                        out.push('%');
                        out.push_str(&spec);
                    }
                }
            }
            c => out.push(c),
        }
    }
    out
}
